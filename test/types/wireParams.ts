/**
 * Compiled by `npm run typecheck`, never run: both clients' `call` takes a
 * request's params in their wire form, what the JSON-RPC message carries.
 * A field the schema gives a default to (`pipeStdin`) may be left out, for
 * the server to fill in; bytes are base64 text; a field the method does not
 * have, or a value of the wrong type, does not compile (each
 * `@ts-expect-error` fails the typecheck when its line compiles). An
 * application's own group is typed the same way.
 */
import { Effect, Schema } from "effect"
import { Rpc, RpcGroup } from "effect/rpc"
import { expectTypeOf } from "vitest"
import { ExecServerClient, PromiseClient } from "../../src/client/index.js"

declare const connector: ExecServerClient.Connector

/** A group whose params differ on the wire: a defaulted field, and a number sent as text. */
class WireRpcs extends RpcGroup.make(
  Rpc.make("app/repeat", {
    payload: Schema.Struct({
      text: Schema.String,
      times: Schema.Number.pipe(Schema.withDecodingDefault(Effect.succeed(1))),
      separator: Schema.NumberFromString
    }),
    success: Schema.Struct({ repeated: Schema.String })
  })
) {}

export const effectClient = Effect.gen(function*() {
  const client = yield* ExecServerClient.make(connector, { rpcs: WireRpcs })
  yield* client.call("process/start", { processId: "p", argv: ["true"], env: {}, tty: false })
  yield* client.call("process/start", { processId: "p", argv: ["true"], env: {}, tty: false, pipeStdin: true })
  yield* client.call("fs/writeFile", { path: "/tmp/x", dataBase64: "aGk=" })
  yield* client.call("process/write", { processId: "p", chunk: "aGk=" })
  expectTypeOf<ExecServerClient.ParamsOf<"process/start">["pipeStdin"]>().toEqualTypeOf<boolean | undefined>()

  // @ts-expect-error a field process/start does not have
  yield* client.call("process/start", { processId: "p", argv: ["true"], env: {}, tty: false, pipeStdn: true })
  // @ts-expect-error a field of the wrong type
  yield* client.call("process/start", { processId: "p", argv: ["true"], env: {}, tty: false, pipeStdin: "yes" })
  // @ts-expect-error a required field missing
  yield* client.call("process/start", { processId: "p", argv: ["true"], env: {} })
  // @ts-expect-error bytes travel as base64 text, not as the decoded bytes
  yield* client.call("fs/writeFile", { path: "/tmp/x", dataBase64: new Uint8Array(2) })

  // The application's own group: its defaulted field optional, its number sent as the text the wire carries.
  const { repeated } = yield* client.call("app/repeat", { text: "a", separator: "0" })
  expectTypeOf(repeated).toEqualTypeOf<string>()
  yield* client.call("app/repeat", { text: "a", times: 3, separator: "0" })
  // @ts-expect-error the decoded form of a field whose wire form is text
  yield* client.call("app/repeat", { text: "a", separator: 0 })
  // @ts-expect-error a field the group's method does not have
  yield* client.call("app/repeat", { text: "a", separator: "0", count: 3 })
})

export const promiseClient = async () => {
  await using client = await PromiseClient.connect("ws://127.0.0.1:8765", { rpcs: WireRpcs })
  await client.call("process/start", { processId: "p", argv: ["true"], env: {}, tty: false })
  await client.call("app/repeat", { text: "a", separator: "0" })
  // @ts-expect-error a field process/start does not have
  await client.call("process/start", { processId: "p", argv: ["true"], env: {}, tty: false, pipeStdn: true })
  // @ts-expect-error bytes travel as base64 text, not as the decoded bytes
  await client.call("process/write", { processId: "p", chunk: new Uint8Array(2) })
  // @ts-expect-error the decoded form of a field whose wire form is text
  await client.call("app/repeat", { text: "a", separator: 0 })
}
