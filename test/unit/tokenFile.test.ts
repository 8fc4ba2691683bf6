/**
 * A token file the client cannot read is the client's configuration at
 * fault, said before any connection is tried: `ExecServer/ConfigError` with
 * the path and the system's reason, from the Effect client and the Promise
 * client alike (it was a `TransportClosed`, as if the server had gone).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { ConfigError } from "../../src/client/ClientError.js"
import * as ClientTransport from "../../src/client/ClientTransport.js"
import * as ExecServerClient from "../../src/client/ExecServerClient.js"
import * as PromiseClient from "../../src/client/PromiseClient.js"

/** A URL nobody listens on: were the client to connect, it would fail otherwise. */
const NOBODY = "ws://127.0.0.1:1"

describe("a token file the client cannot read", () => {
  it.effect("missing: ExecServer/ConfigError naming the path and ENOENT, before connecting", () =>
    Effect.gen(function*() {
      const path = Path.join(Os.tmpdir(), `exec-server-no-token-${process.pid}`)
      const error = yield* Effect.flip(ExecServerClient.make(ClientTransport.webSocket({ url: NOBODY, tokenFile: path })))
      expect(error).toBeInstanceOf(ConfigError)
      expect(error).toMatchObject({
        _tag: "ExecServer/ConfigError",
        path,
        reason: expect.stringMatching(/^ENOENT: no such file or directory/),
        message: expect.stringContaining(`cannot read the token file ${path}: ENOENT`)
      })
    }).pipe(Effect.scoped))

  it.effect("empty: ExecServer/ConfigError saying so", () =>
    Effect.gen(function*() {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "exec-server-token-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true })))
      const path = Path.join(dir, "token")
      Fs.writeFileSync(path, " \n")
      const error = yield* Effect.flip(ExecServerClient.make(ClientTransport.webSocket({ url: NOBODY, tokenFile: path })))
      expect(error).toMatchObject({ _tag: "ExecServer/ConfigError", path, reason: "empty", message: `the token file ${path} is empty` })
    }).pipe(Effect.scoped))

  it("the Promise client rejects with the same error, which isClientError knows", async () => {
    const path = Path.join(Os.tmpdir(), `exec-server-no-token-${process.pid}`)
    const error: unknown = await PromiseClient.connect(NOBODY, { tokenFile: path }).then(
      () => expect.fail("connected without its token file"),
      (error: unknown) => error
    )
    expect(PromiseClient.isClientError(error) && error._tag).toBe("ExecServer/ConfigError")
    expect(error).toMatchObject({ path, reason: expect.stringMatching(/^ENOENT/) })
  })
})
