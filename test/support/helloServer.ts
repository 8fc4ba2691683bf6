/** A local HTTP server answering "hello" to every request: the host a command reaches, or is kept from. */
import * as Http from "node:http"
import type * as Net from "node:net"
import { afterAll, beforeAll } from "vitest"

/** Listens on a port the system picks for the tests of a file; returns a reader of that port. */
export const useHelloServer = (): (() => number) => {
  let server: Http.Server | undefined
  let port = 0
  beforeAll(async () => {
    server = Http.createServer((_request, response) => response.end("hello"))
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve))
    port = (server.address() as Net.AddressInfo).port
  })
  afterAll(() => new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve()))))
  return () => port
}
