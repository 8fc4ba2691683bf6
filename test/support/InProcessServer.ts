/**
 * A server built from src/'s Layers in this process (the real spawners,
 * sandboxes, file system and sockets: `ExecServer.layerNodeServices`), and
 * a client that writes and reads its JSON lines as StdioServer does over a
 * built binary's stdio, with no transport between them. For the protocol's
 * behaviour, which needs no binary: the tests run the sources as they are,
 * without a build. What only the binary shows (its command line, stdio's
 * framing, signals, exit codes, the launcher and its snapshot) stays with
 * StdioServer.
 */
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import { afterEach } from "vitest"
import * as ExecServer from "../../src/server/ExecServer.js"
import * as ServerConfig from "../../src/server/ServerConfig.js"
import { type Frame, messageText } from "../../src/wire/JsonRpc.js"
import { WireClient } from "./WireClient.js"

/** One connection to a server of its own, in this process. */
export class InProcessServer extends WireClient {
  private constructor(private readonly incoming: Queue.Queue<Frame, Cause.Done>, private readonly scope: Scope.Closeable) {
    super()
  }

  /** A server with `config` over the defaults (the command line's), and its connection; both end with `stop`. */
  static start(config: Partial<ServerConfig.ServerConfigShape> = {}): Promise<InProcessServer> {
    const scope = Scope.makeUnsafe()
    return Effect.runPromise(
      Effect.gen(function*() {
        const services = yield* Layer.build(ExecServer.layerNodeServices.pipe(Layer.provideMerge(ServerConfig.layer(config))))
        const incoming = yield* Queue.make<Frame, Cause.Done>()
        const server = new InProcessServer(incoming, scope)
        yield* ExecServer.serveClient({
          frames: incoming,
          write: (messages, done) => {
            for (const message of messages) server.received(messageText(message))
            done()
          },
          close: Effect.void
        }).pipe(Effect.provide(services), Effect.forkScoped)
        return server
      }).pipe(Scope.provide(scope))
    )
  }

  /** Its logs go to this process's (vitest shows them when a test fails). */
  get stderr(): string {
    return ""
  }

  sendLine(line: string): void {
    Queue.offerUnsafe(this.incoming, { _tag: "Text", text: line })
  }

  /** Hangs up, as a client that goes away does, and stops the server (its processes are ended). */
  stop(): Promise<void> {
    Queue.endUnsafe(this.incoming)
    return Effect.runPromise(Scope.close(this.scope, Exit.void))
  }
}

/**
 * Starts in-process servers (after the handshake unless `handshake: false`)
 * that are stopped after each test of the calling file.
 */
export const useInProcessServers = () => {
  let servers: Array<InProcessServer> = []
  afterEach(async () => {
    await Promise.all(servers.map((server) => server.stop()))
    servers = []
  })
  return async (config: Partial<ServerConfig.ServerConfigShape> = {}, options: { readonly handshake?: boolean } = {}) => {
    const server = await InProcessServer.start(config)
    servers.push(server)
    if (options.handshake !== false) await server.handshake()
    return server
  }
}
