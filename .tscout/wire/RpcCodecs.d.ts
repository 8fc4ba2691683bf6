/**
 * Each Rpc's codecs, derived from its schemas once and shared by both ends:
 * the server decodes payloads and encodes results, the client encodes
 * payloads, decodes results and decodes the server's notifications.
 */
import type * as Rpc from "@effect/rpc/Rpc";
import * as Either from "effect/Either";
import type * as ParseResult from "effect/ParseResult";
/**
 * An Rpc's codecs. Synchronous: every schema of the protocol is, and the
 * Either API spares each message the Effect machinery of a decode.
 */
export interface RpcCodec {
    /** Params (or a notification's payload) from the wire, every error reported. */
    readonly decodePayload: (params: unknown) => Either.Either<unknown, ParseResult.ParseError>;
    /** Params to the wire. */
    readonly encodePayload: (payload: unknown) => Either.Either<unknown, ParseResult.ParseError>;
    /** A result from the wire. */
    readonly decodeSuccess: (result: unknown) => Either.Either<unknown, ParseResult.ParseError>;
    /** A result to the wire. */
    readonly encodeSuccess: (value: unknown) => Either.Either<unknown, ParseResult.ParseError>;
}
/** The codecs of `rpc`, derived on its first use. */
export declare const codecOf: (rpc: Rpc.AnyWithProps) => RpcCodec;
//# sourceMappingURL=RpcCodecs.d.ts.map