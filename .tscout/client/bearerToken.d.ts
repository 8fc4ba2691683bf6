/**
 * The bearer token a client sends, for every way of reaching a server that
 * takes one (a WebSocket's `Authorization` header, a remote stream's open
 * frame): given as is, or read from a file at every connect, so that a
 * short-lived JWT the file is renewed with is what a reconnect sends.
 */
import * as Effect from "effect/Effect";
import { TransportClosed } from "./ClientError.js";
/** Where the token comes from. */
export interface BearerTokenOptions {
    /** A capability token, or a signed one (a JWT). */
    readonly token?: string | undefined;
    /** A file holding the token (whitespace trimmed), read at every connect. Ignored when `token` is given. */
    readonly tokenFile?: string | undefined;
}
/** The bearer token to send, if any: `token`, or the contents of `tokenFile`. */
export declare const bearerTokenOf: (options: BearerTokenOptions) => Effect.Effect<string | undefined, TransportClosed>;
//# sourceMappingURL=bearerToken.d.ts.map