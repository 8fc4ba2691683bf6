/**
 * A TCP proxy in front of a server that a test can cut: every connection
 * through it is destroyed at once (as a network failure would), and new ones
 * can be refused for a while.
 */
import * as Net from "node:net"

export interface CuttableProxy {
  /** `ws://127.0.0.1:<port>` of the proxy. */
  readonly url: string
  /** Connections accepted and passed on so far. */
  readonly accepted: () => number
  /** Destroys every open connection, both ways. */
  readonly cut: () => void
  /** While refusing, a new connection is destroyed as soon as it is accepted. */
  readonly refuse: (refusing: boolean) => void
  readonly close: () => Promise<void>
}

export const startCuttableProxy = (target: string): Promise<CuttableProxy> =>
  new Promise((resolve) => {
    const { hostname, port } = new URL(target)
    const open = new Set<Net.Socket>()
    let accepted = 0
    let refusing = false
    const server = Net.createServer((client) => {
      if (refusing) {
        client.destroy()
        return
      }
      accepted++
      const upstream = Net.connect(Number(port), hostname)
      for (const socket of [client, upstream]) {
        open.add(socket)
        socket.on("error", () => {})
        socket.on("close", () => {
          open.delete(socket)
          client.destroy()
          upstream.destroy()
        })
      }
      client.pipe(upstream)
      upstream.pipe(client)
    })
    server.listen(0, "127.0.0.1", () => {
      const address = server.address() as Net.AddressInfo
      resolve({
        url: `ws://127.0.0.1:${address.port}`,
        accepted: () => accepted,
        cut: () => {
          for (const socket of open) socket.resetAndDestroy()
        },
        refuse: (value) => {
          refusing = value
        },
        close: () =>
          new Promise((done) => {
            for (const socket of open) socket.destroy()
            server.close(() => done())
          })
      })
    })
  })
