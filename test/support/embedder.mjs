// An embedder's Node program (plain JavaScript on the built package, as a
// user's would be): the server's layers in its own process and a client of
// them (InProcessClient), which runs `probe` (argv) in a pipe and in a
// terminal, each without and with `sandbox` (JSON in argv[3]), and prints
// {pipe, pty, sandboxedPipe, sandboxedPty, ownFds} as JSON: each process's
// output, and the descriptors this process itself still has open after.
// Run as: node embedder.mjs <probe as JSON> <cwd> <sandbox as JSON>
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as Fs from "node:fs"
import { ExecServerClient } from "../../dist/client/ExecServerClient.js"
import * as ExecServer from "../../dist/server/ExecServer.js"
import * as ServerConfig from "../../dist/server/ServerConfig.js"
import * as InProcessClient from "../../dist/testing/InProcessClient.js"

const [probe, cwd, sandbox] = [JSON.parse(process.argv[2]), process.argv[3], JSON.parse(process.argv[4])]
const layer = InProcessClient.layer().pipe(Layer.provide(ExecServer.layerNodeServices), Layer.provide(ServerConfig.layer()))
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" }
const text = (bytes) => Buffer.from(bytes).toString()

const result = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
  const scope = yield* Scope.make()
  const client = Context.get(yield* Layer.buildWithScope(layer, scope), ExecServerClient)
  const inTerminal = (options) =>
    Effect.scoped(Effect.flatMap(client.start({ argv: probe, cwd, env, tty: true, ...options }), (handle) => client.communicate(handle.processId)))
  const output = {
    pipe: (yield* client.exec(probe, { cwd, env, encoding: "utf8" })).stdout,
    pty: text((yield* inTerminal({})).stdout),
    sandboxedPipe: (yield* client.exec(probe, { cwd, env, sandbox, encoding: "utf8" })).stdout,
    sandboxedPty: text((yield* inTerminal({ sandbox })).stdout)
  }
  yield* Scope.close(scope, Effect.void)
  return output
})))
process.stdout.write(JSON.stringify({ ...result, ownFds: Fs.readdirSync("/proc/self/fd").map(Number) }) + "\n")
process.exit(0)
