/**
 * The host's end of a bridged port of a network the client manages
 * (clientProxies.ts): each connection the sandbox's forwarder makes to the
 * port's Unix socket is carried to the client's proxy at the host's
 * 127.0.0.1:<port>, bytes both ways, as it came. Never to this server's own
 * listeners nor another exec-server's (a client naming one in its proxy
 * variables would give the sandboxed process an unconfined client of
 * them): those are refused when the process starts and again at each
 * connection, since listeners come and go. The connection it opens is
 * registered as serving a sandboxed process (sandbox/proxiedConnections.ts).
 */
import * as Net from "node:net"
import { holdUpstream, type UpstreamOwner } from "../sandbox/proxiedConnections.js"
import { isOtherExecServerListener } from "./execServerListeners.js"
import { isServerListener } from "./serverListeners.js"

/** Why a client's proxy port may not be reached from a sandbox, or undefined when it may. */
export const clientEndpointRefusal = (port: number): string | undefined =>
  isServerListener("127.0.0.1", port, "tcp")
    ? `proxy endpoint 127.0.0.1:${port} is this exec-server's own listener`
    : isOtherExecServerListener("127.0.0.1", port)
    ? `proxy endpoint 127.0.0.1:${port} is another exec-server's listener`
    : undefined

/**
 * Carries `socket` (a bridged connection of `owner`'s) to the host's
 * 127.0.0.1:`port`; a refused or failed connection closes it, as a proxy
 * that cannot be reached would.
 */
export const carryToClientEndpoint = (socket: Net.Socket, port: number, owner: UpstreamOwner): void => {
  if (clientEndpointRefusal(port) !== undefined) {
    socket.destroy()
    return
  }
  const upstream = Net.connect({ host: "127.0.0.1", port, allowHalfOpen: true })
  holdUpstream(upstream, owner)
  const close = () => {
    socket.destroy()
    upstream.destroy()
  }
  upstream.on("error", close)
  socket.on("error", close)
  socket.on("close", () => upstream.destroy())
  upstream.on("close", () => socket.destroy())
  socket.pipe(upstream)
  upstream.pipe(socket)
}
