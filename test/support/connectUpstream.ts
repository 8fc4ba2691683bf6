/**
 * An HTTP CONNECT proxy for the tests of `--tcp-upstream-proxy`: it records
 * each request's head and tunnels every CONNECT, whatever it names, to one
 * loopback port of the test's (so a destination such as `1.1.1.1:80` is
 * never dialled), or answers with another status when told to.
 */
import * as Net from "node:net"

export interface ConnectUpstream {
  readonly port: number
  /** Each request's head (request line and headers, without the blank line), in arrival order. */
  readonly heads: Array<string>
  /** The status line answered from now on (default `HTTP/1.1 200 Connection established`). */
  answerWith: (statusLine: string) => void
  readonly close: () => Promise<void>
}

/** Listens on 127.0.0.1; each accepted CONNECT is piped to `127.0.0.1:tunnelPort`. */
export const startConnectUpstream = async (tunnelPort: number): Promise<ConnectUpstream> => {
  const heads: Array<string> = []
  let statusLine = "HTTP/1.1 200 Connection established"
  const sockets = new Set<Net.Socket>()
  const server = Net.createServer((socket) => {
    sockets.add(socket)
    socket.once("close", () => sockets.delete(socket))
    socket.on("error", () => socket.destroy())
    let held = Buffer.alloc(0)
    const onData = (chunk: Buffer) => {
      held = Buffer.concat([held, chunk])
      const end = held.indexOf("\r\n\r\n")
      if (end === -1) return
      socket.off("data", onData)
      heads.push(held.subarray(0, end).toString("latin1"))
      if (!statusLine.includes(" 200 ")) return void socket.end(`${statusLine}\r\ncontent-length: 0\r\n\r\n`)
      const rest = held.subarray(end + 4)
      const tunnel = Net.connect(tunnelPort, "127.0.0.1", () => {
        socket.write(`${statusLine}\r\n\r\n`)
        if (rest.length > 0) tunnel.write(rest)
        socket.pipe(tunnel)
        tunnel.pipe(socket)
      })
      tunnel.on("error", () => socket.destroy())
      socket.once("close", () => tunnel.destroy())
    }
    socket.on("data", onData)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    port: (server.address() as Net.AddressInfo).port,
    heads,
    answerWith: (line) => {
      statusLine = line
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}
