/** What several of the client's feature APIs put in their requests: bytes, and the `sandbox` field. */
import * as Effect from "effect/Effect";
import { type CodexSandbox, SandboxRequest, type SandboxPolicy } from "../protocol/sandbox.js";
import { ProtocolError } from "./ClientError.js";
/** A `sandbox` as a client writes it: either form, with its optional fields left out. */
export type SandboxInput = typeof CodexSandbox.Encoded | typeof SandboxPolicy.Encoded;
/** The `sandbox` field of a request: the one given, else the client's default, else none. */
export declare const sandboxField: (given: SandboxInput | undefined, clientDefault: SandboxInput | undefined) => Effect.Effect<{
    readonly sandbox?: SandboxRequest;
}, ProtocolError>;
/** Text as UTF-8, bytes as they are. */
export declare const toBytes: (data: Uint8Array | string) => Uint8Array;
//# sourceMappingURL=fields.d.ts.map