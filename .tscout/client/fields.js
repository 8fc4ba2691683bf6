/** What several of the client's feature APIs put in their requests: bytes, and the `sandbox` field. */
import * as Effect from "effect/Effect";
import * as Schema from "effect/Schema";
import { SandboxRequest } from "../protocol/sandbox.js";
import { ProtocolError } from "./ClientError.js";
const decodeSandbox = Schema.decodeUnknown(SandboxRequest);
/** The `sandbox` field of a request: the one given, else the client's default, else none. */
export const sandboxField = (given, clientDefault) => {
    const chosen = given ?? clientDefault;
    return chosen === undefined ? Effect.succeed({}) : decodeSandbox(chosen).pipe(Effect.map((decoded) => ({ sandbox: decoded })), Effect.mapError((error) => new ProtocolError({ message: `invalid sandbox: ${error.message}` })));
};
/** Text as UTF-8, bytes as they are. */
export const toBytes = (data) => typeof data === "string" ? new TextEncoder().encode(data) : data;
//# sourceMappingURL=fields.js.map