/**
 * The host's end of loopback ports bridged into a sandbox without network
 * (issue 46: a process's managed proxy listens on host loopback, and the
 * process, in a network namespace of its own, must reach it at the same
 * 127.0.0.1:<port>). Each port is a Unix socket in a private directory; the
 * sandbox's forwarder (see loopbackForwarder.ts) connects to it once per TCP
 * connection made inside, and the connection is handed to the port's
 * `accept` (the proxy's `serve`). Only these sockets are reachable from the
 * sandbox: its command may not make Unix sockets at all (seccomp.ts), and
 * its network namespace has nothing of the host's.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { InternalError, internalErrorFrom } from "../protocol/errors.js"
import { isDirectory } from "./bubblewrap.js"
import type { LoopbackPort } from "./loopbackForwarder.js"

/** A port to bridge, and who takes the connections made to it inside the sandbox. */
export interface BridgedPort {
  readonly port: number
  /** Takes one connection (it owns the socket from then on; the bridge destroys it when its scope closes). */
  readonly accept: (socket: Net.Socket) => void
}

/**
 * Listens for `ports` until the scope closes, and returns what the launch
 * needs (the Sandbox's `launch` option `loopbackPorts`): each port with its
 * socket's path. Closing the scope closes the listeners and every
 * connection they accepted, and removes the directory.
 */
export const bridge = (
  ports: ReadonlyArray<BridgedPort>
): Effect.Effect<ReadonlyArray<LoopbackPort>, InternalError, Scope.Scope> =>
  Effect.gen(function*() {
    yield* checkPorts(ports)
    // Finalizers run in reverse: the listeners close before their directory goes.
    const directory = yield* Effect.acquireRelease(
      Effect.try({ try: makeDirectory, catch: (error) => internalErrorFrom(error, "loopback bridge: cannot make its directory") }),
      (directory) => Effect.sync(() => Fs.rmSync(directory, { recursive: true, force: true }))
    )
    return yield* Effect.forEach(ports, (port) => listen(Path.join(directory, String(port.port)), port))
  })

const checkPorts = (ports: ReadonlyArray<BridgedPort>): Effect.Effect<void, InternalError> => {
  const seen = new Set<number>()
  for (const { port } of ports) {
    if (!Number.isInteger(port) || port < 1 || port > 65535 || seen.has(port)) {
      return Effect.fail(new InternalError({ message: `loopback bridge: port ${port} is not a port, or given twice` }))
    }
    seen.add(port)
  }
  return Effect.void
}

/**
 * A fresh directory of mode 0700 under /dev/shm where there is one: no
 * sandbox sees the host's /dev/shm (each has a /dev of its own), so no
 * sandboxed process, though it runs as the server's user, can put a link to
 * another socket in place of one of ours before bubblewrap binds it in.
 */
const makeDirectory = (): string =>
  Fs.mkdtempSync(Path.join(isDirectory("/dev/shm") ? "/dev/shm" : Os.tmpdir(), "exec-server-loopback-"))

/** A listener on `path` handing its connections to `port.accept`, closed with the scope. */
const listen = (path: string, port: BridgedPort): Effect.Effect<LoopbackPort, InternalError, Scope.Scope> => {
  const connections = new Set<Net.Socket>()
  return Effect.acquireRelease(
    Effect.callback<Net.Server, InternalError>((resume) => {
      // Half-open as a TCP connection is: a command that ends its input after a request still gets the answer.
      const server = Net.createServer({ allowHalfOpen: true }, (socket) => {
        connections.add(socket)
        socket.once("close", () => connections.delete(socket))
        // A sandbox that ends resets its connections: never an uncaught error
        // here, whatever `accept` listens to.
        socket.on("error", () => {})
        port.accept(socket)
      })
      const failed = (error: Error) => resume(Effect.fail(internalErrorFrom(error, `loopback bridge: cannot listen on ${path}`)))
      server.once("error", failed)
      server.listen(path, () => {
        server.off("error", failed)
        server.on("error", () => {})
        resume(Effect.succeed(server))
      })
      return Effect.sync(() => void server.close())
    }),
    (server) =>
      Effect.callback<void>((resume) => {
        // close() waits for the connections, so they go first.
        for (const socket of connections) socket.destroy()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.as({ port: port.port, socketPath: path }))
}
