/** What several of the client's feature APIs put in their requests: bytes, and the `sandbox` field. */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { type CodexSandbox, SandboxRequest, type SandboxPolicy } from "../protocol/sandbox.js"
import { ProtocolError } from "./ClientError.js"

/** A `sandbox` as a client writes it: either form, with its optional fields left out. */
export type SandboxInput = typeof CodexSandbox.Encoded | typeof SandboxPolicy.Encoded

const decodeSandbox = Schema.decodeUnknownEffect(SandboxRequest)

/** The `sandbox` field of a request: the one given, else the client's default, else none. */
export const sandboxField = (
  given: SandboxInput | undefined,
  clientDefault: SandboxInput | undefined
): Effect.Effect<{ readonly sandbox?: SandboxRequest }, ProtocolError> => {
  const chosen = given ?? clientDefault
  return chosen === undefined ? Effect.succeed({}) : decodeSandbox(chosen).pipe(
    Effect.map((decoded) => ({ sandbox: decoded })),
    Effect.mapError((error) => new ProtocolError({ message: `invalid sandbox: ${error.message}` }))
  )
}

/** Text as UTF-8, bytes as they are. */
export const toBytes = (data: Uint8Array | string): Uint8Array =>
  typeof data === "string" ? new TextEncoder().encode(data) : data
