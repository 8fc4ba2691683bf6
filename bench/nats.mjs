/**
 * What the bench needs to measure remote executors: nats-server clusters on
 * loopback (the tests' own, test/support/natsClusterNodes.ts, loaded through
 * tsx so that there is one implementation), and the package's client
 * transports (a WebSocket's and NATS's, from a build's dist/) as message
 * pipes, so that both ways to the one executor are driven by the same code.
 */
import { spawnSync } from "node:child_process"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { createRequire } from "node:module"
import { tsImport } from "tsx/esm/api"
import { mainScriptIndex, root } from "./common.mjs"

/** Whether `nats-server` runs here. */
export const hasNatsServer = () => spawnSync("nats-server", ["--version"], { stdio: "ignore" }).status === 0

/** A cluster of `size` nodes (1 or 3), JetStream on; `stop()` ends it. */
export const startCluster = async (size) => {
  const { startNatsCluster } = await tsImport(Path.join(root, "test/support/natsClusterNodes.ts"), import.meta.url)
  return startNatsCluster(size)
}

/** The dist/ a server command runs from (its `…/cli/exec-server` or `…/cli/main.js`), so its client is measured with it; the project's otherwise. */
export const distOf = (command) => {
  const main = mainScriptIndex(command)
  return main === -1 ? Path.join(root, "dist") : Path.dirname(Path.dirname(Path.resolve(command[main])))
}

const modules = new Map()
const load = (file) => {
  if (!modules.has(file)) modules.set(file, import(pathToFileURL(file).href))
  return modules.get(file)
}

/**
 * A connection through the client transport of `dist`: over WebSocket
 * (`{ url }`) or through NATS (`{ servers, environmentId }`). `send` keeps
 * the order of the messages; `listen` gets each message's text.
 */
export const openTransport = async (dist, target) => {
  // The Effect that build runs on (an A/B run may pit Effect 3's against Effect 4's): its own modules.
  const effect = (name) => load(createRequire(Path.join(dist, "index.js")).resolve(`effect/${name}`))
  const [Effect, Exit, Scope, Stream] = await Promise.all(["Effect", "Exit", "Scope", "Stream"].map(effect))
  const ClientTransport = await load(Path.join(dist, "client/ClientTransport.js"))
  const connector = target.url !== undefined
    ? ClientTransport.webSocket({ url: target.url })
    : (await load(Path.join(dist, "remote/NatsConnector.js"))).make({ servers: target.servers, environmentId: target.environmentId })
  const scope = Effect.runSync(Scope.make())
  const transport = await Effect.runPromise((Scope.provide ?? Scope.extend)(connector, scope))
  // A build before the one transport contract (frames and write) had `incoming` and `send`: a run may alternate with one.
  const texts = transport.incoming ?? ClientTransport.texts(transport)
  const sendBatch = transport.send ?? ((messages) => ClientTransport.send(transport, messages))
  let sending = Promise.resolve()
  return {
    listen: (onText) => Effect.runFork(Stream.runForEach(texts, (text) => Effect.sync(() => onText(text)))),
    send: (text) => {
      sending = sending.then(() => Effect.runPromise(sendBatch([text]))).catch((error) => {
        process.stderr.write(`bench: a send failed: ${error}\n`)
      })
    },
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
