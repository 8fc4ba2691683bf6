/**
 * `http/request` against a real local HTTP server: buffered and streamed
 * bodies, redirects, headers from the server's environment, timeouts,
 * refused connections, bodies cut short, flow control and a client that
 * goes away mid-body. The server in process, on src/.
 */
import * as Http from "node:http"
import type * as Net from "node:net"
import { afterEach, beforeAll, afterAll, describe, expect, it } from "vitest"
import { type InProcessServer, useInProcessServers, useInProcessWebSocketServers } from "../support/InProcessServer.js"
import { eventually } from "../support/waiting.js"
import { RawWebSocketClient } from "../support/WebSocketClient.js"

const start = useInProcessServers()
const startWebSocket = useInProcessWebSocketServers()

interface Upstream {
  readonly url: string
  /** Bytes the endless route has written so far, and whether its last write was refused (the socket is full). */
  readonly flood: { written: number; blocked: boolean; closed: boolean }
  readonly close: () => Promise<void>
}

const startUpstream = (other?: () => string): Promise<Upstream> =>
  new Promise((resolve) => {
    const flood = { written: 0, blocked: false, closed: false }
    const server = Http.createServer((request, response) => {
      const url = new URL(request.url!, "http://x")
      const body: Array<Buffer> = []
      request.on("data", (chunk: Buffer) => body.push(chunk))
      request.on("end", () => {
        const route = url.pathname
        if (route === "/ok") {
          response.setHeader("x-dup", ["a", "b"])
          response.setHeader("content-type", "text/plain")
          response.end("hello")
        } else if (route === "/echo") {
          response.setHeader("content-type", "application/json")
          response.end(JSON.stringify({ method: request.method, headers: request.headers, body: Buffer.concat(body).toString() }))
        } else if (route.startsWith("/redir/")) {
          const left = Number(route.slice("/redir/".length))
          response.writeHead(302, { location: left === 0 ? "/echo" : `/redir/${left - 1}` }).end("moved")
        } else if (route === "/cross") {
          response.writeHead(307, { location: `${other!()}/echo` }).end()
        } else if (route === "/slow") {
          setTimeout(() => response.end("late"), Number(url.searchParams.get("ms")))
        } else if (route === "/chunked") {
          const n = Number(url.searchParams.get("n"))
          let i = 0
          const next = () => {
            if (i === n) return response.end()
            response.write(`${i++}`.repeat(4))
            setTimeout(next, Number(url.searchParams.get("ms") ?? 0))
          }
          next()
        } else if (route === "/big") {
          response.end(Buffer.alloc(Number(url.searchParams.get("bytes")), "x"))
        } else if (route === "/cut") {
          response.writeHead(200, { "content-length": "100" })
          response.write("abcde", () => setTimeout(() => request.socket.destroy(), 50))
        } else if (route === "/stall") {
          response.write("first")
        } else if (route === "/flood") {
          const block = Buffer.alloc(64 * 1024, "f")
          response.on("close", () => {
            flood.closed = true
          })
          const pump = () => {
            while (flood.written < 512 * 1024 * 1024) {
              flood.written += block.length
              if (!response.write(block)) {
                flood.blocked = true
                response.once("drain", () => {
                  flood.blocked = false
                  pump()
                })
                return
              }
            }
            response.end()
          }
          pump()
        } else {
          response.writeHead(404).end("no")
        }
      })
    })
    const sockets = new Set<Net.Socket>()
    server.on("connection", (socket) => {
      sockets.add(socket)
      socket.on("close", () => sockets.delete(socket))
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as Net.AddressInfo
      resolve({
        url: `http://127.0.0.1:${port}`,
        flood,
        close: () =>
          new Promise((done) => {
            for (const socket of sockets) socket.destroy()
            server.close(() => done())
          })
      })
    })
  })

let upstream: Upstream
let otherOrigin: Upstream
beforeAll(async () => {
  otherOrigin = await startUpstream()
  upstream = await startUpstream(() => otherOrigin.url.replace("127.0.0.1", "localhost"))
})
afterAll(async () => {
  await upstream.close()
  await otherOrigin.close()
})
afterEach(() => {
  upstream.flood.written = 0
  upstream.flood.closed = false
})

let nextRequestId = 1
// Unchecked: its cases include URLs and fields the server refuses.
const http = (server: InProcessServer, params: Record<string, unknown>) =>
  server.requestUnchecked("http/request", { method: "GET", requestId: `r${nextRequestId++}`, ...params })

const decode = (base64: string) => Buffer.from(base64, "base64").toString()

/** The body deltas of a streamed request, once its last one arrived. */
const deltasOf = async (server: InProcessServer, requestId: string) => {
  await server.waitFor((message) => message.method === "http/request/bodyDelta" && message.params.requestId === requestId && message.params.done)
  return server.messages.filter((message) => message.method === "http/request/bodyDelta" && message.params.requestId === requestId)
    .map((message) => message.params as { seq: number; deltaBase64: string; done: boolean; error: string | null })
}

describe("http/request", () => {
  it("answers a buffered request with status, lower-cased headers and the body", async () => {
    const server = await start()
    const answer = await http(server, { url: `${upstream.url}/ok` })
    expect(answer.result.status).toBe(200)
    expect(answer.result.headers).toContainEqual({ name: "x-dup", value: "a, b" })
    expect(answer.result.headers).toContainEqual({ name: "content-type", value: "text/plain" })
    expect(decode(answer.result.bodyBase64)).toBe("hello")
    const missing = await http(server, { url: `${upstream.url}/nothing` })
    expect([missing.result.status, decode(missing.result.bodyBase64)]).toEqual([404, "no"])
  })

  it("sends the method, headers (a value from the server's environment, of a variable the operator allows) and body it is given", async () => {
    const server = await start(["--http-header-env", "PATH", "--http-header-env", "NO_SUCH_VARIABLE_X"], {})
    const answer = await http(server, {
      method: "POST",
      url: `${upstream.url}/echo`,
      headers: [{ name: "X-A", value: "1" }, { name: "X-A", value: "2" }, { name: "X-Path", value: "p=", valueEnvVar: "PATH" }],
      bodyBase64: Buffer.from("payload").toString("base64")
    })
    const echoed = JSON.parse(decode(answer.result.bodyBase64))
    expect(echoed).toMatchObject({ method: "POST", body: "payload", headers: { "x-a": "1, 2", "x-path": `p=${process.env.PATH}` } })
    const denied = await http(server, { url: `${upstream.url}/echo`, headers: [{ name: "X-Key", valueEnvVar: "OPENAI_API_KEY" }] })
    expect(denied.error).toMatchObject({ code: -32602, message: "http/request header X-Key cannot use executor environment variable OPENAI_API_KEY" })
    const unset = await http(server, { url: `${upstream.url}/echo`, headers: [{ name: "A", valueEnvVar: "NO_SUCH_VARIABLE_X" }] })
    expect(unset.error?.message).toBe("http/request header A requires executor environment variable NO_SUCH_VARIABLE_X")
  })

  it("sends no variable of the server's environment the operator did not allow (--http-header-env), one that is set included", async () => {
    expect(process.env.HOME).toBeDefined()
    const server = await start()
    const refused = await http(server, { url: `${upstream.url}/echo`, headers: [{ name: "Authorization", value: "token ", valueEnvVar: "HOME" }] })
    expect(refused.error).toMatchObject({
      code: -32602,
      message: "http/request header Authorization cannot use executor environment variable HOME: the operator has not allowed it (--http-header-env HOME)"
    })
  })

  it("refuses a bad method, URL or scheme, and a missing requestId, with -32602", async () => {
    const server = await start()
    expect((await http(server, { method: "BAD METHOD", url: `${upstream.url}/ok` })).error).toMatchObject({ code: -32602 })
    expect((await http(server, { url: "not a url" })).error?.message).toContain("http/request url is invalid")
    expect((await http(server, { url: "ftp://127.0.0.1/x" })).error?.message).toBe("http/request only supports http and https URLs, got ftp")
    expect((await server.requestUnchecked("http/request", { method: "GET", url: `${upstream.url}/ok` })).error?.code).toBe(-32602)
  })

  it("follows at most 10 redirects, or none when told to stop; a 302 turns a POST into a GET; credentials stay with their origin", async () => {
    const server = await start()
    expect((await http(server, { url: `${upstream.url}/redir/9` })).result.status).toBe(200)
    expect((await http(server, { url: `${upstream.url}/redir/10` })).error).toEqual({
      code: -32603,
      message: "http/request failed: too many redirects"
    })
    const stopped = await http(server, { url: `${upstream.url}/redir/2`, redirectPolicy: "stop" })
    expect(stopped.result.status).toBe(302)
    expect(stopped.result.headers).toContainEqual({ name: "location", value: "/redir/1" })
    const posted = await http(server, { method: "POST", url: `${upstream.url}/redir/0`, bodyBase64: "eA==" })
    expect(JSON.parse(decode(posted.result.bodyBase64))).toMatchObject({ method: "GET", body: "" })
    const crossed = await http(server, { url: `${upstream.url}/cross`, headers: [{ name: "Authorization", value: "Bearer s" }, { name: "X-Other", value: "kept" }] })
    const seen = JSON.parse(decode(crossed.result.bodyBase64)).headers
    expect(seen.authorization).toBeUndefined()
    expect(seen["x-other"]).toBe("kept")
  })

  it("refuses a buffered body over --max-http-response-bytes with -32600; streamed, it goes through", async () => {
    const server = await start(["--max-http-response-bytes", "1000"])
    const refused = await http(server, { url: `${upstream.url}/big?bytes=1001` })
    expect(refused.error?.code).toBe(-32600)
    expect(refused.error?.message).toContain("streamResponse")
    expect(decode((await http(server, { url: `${upstream.url}/big?bytes=1000` })).result.bodyBase64).length).toBe(1000)
    await http(server, { url: `${upstream.url}/big?bytes=5000`, requestId: "streamed", streamResponse: true })
    const deltas = await deltasOf(server, "streamed")
    expect(deltas.reduce((sum, delta) => sum + Buffer.from(delta.deltaBase64, "base64").length, 0)).toBe(5000)
  })

  it("fails with -32603 when the connection is refused or the deadline passes", async () => {
    const server = await start()
    expect((await http(server, { url: "http://127.0.0.1:1/" })).error).toMatchObject({ code: -32603 })
    const late = await http(server, { url: `${upstream.url}/slow?ms=3000`, timeoutMs: 200 })
    expect(late.error).toEqual({ code: -32603, message: "http/request failed: timed out after 200 ms" })
  })

  it("streams a body as ordered deltas after the response, at most 1 MiB each, ending with done", async () => {
    const server = await start()
    const answer = await http(server, { url: `${upstream.url}/chunked?n=3&ms=20`, requestId: "s1", streamResponse: true })
    expect(answer.result).toMatchObject({ status: 200, bodyBase64: "" })
    const answerIndex = server.messages.findIndex((message) => message.id === answer.id)
    const deltas = await deltasOf(server, "s1")
    const firstDelta = server.messages.findIndex((message) => message.method === "http/request/bodyDelta" && message.params.requestId === "s1")
    expect(firstDelta).toBeGreaterThan(answerIndex)
    expect(deltas.map((delta) => delta.seq)).toEqual(deltas.map((_, i) => i + 1))
    expect(deltas.map((delta) => decode(delta.deltaBase64)).join("")).toBe("000011112222")
    expect(deltas.at(-1)).toMatchObject({ deltaBase64: "", done: true, error: null })

    await http(server, { url: `${upstream.url}/big?bytes=${3 * 1024 * 1024 + 1}`, requestId: "big", streamResponse: true })
    const big = await deltasOf(server, "big")
    expect(big.every((delta) => Buffer.from(delta.deltaBase64, "base64").length <= 1024 * 1024)).toBe(true)
    expect(big.reduce((sum, delta) => sum + Buffer.from(delta.deltaBase64, "base64").length, 0)).toBe(3 * 1024 * 1024 + 1)
  })

  it("ends a stream cut short or past its deadline with an error; refuses a requestId already streaming", async () => {
    const server = await start()
    await http(server, { url: `${upstream.url}/cut`, requestId: "cut", streamResponse: true })
    const cut = await deltasOf(server, "cut")
    expect(cut.at(-1)).toMatchObject({ done: true, deltaBase64: "" })
    expect(cut.at(-1)!.error).not.toBeNull()
    await http(server, { url: `${upstream.url}/stall`, requestId: "late", streamResponse: true, timeoutMs: 300 })
    const duplicate = await http(server, { url: `${upstream.url}/ok`, requestId: "late", streamResponse: true })
    expect(duplicate.error).toEqual({ code: -32602, message: "http/request streamResponse requestId `late` is already active" })
    const late = await deltasOf(server, "late")
    expect(decode(late[0]!.deltaBase64)).toBe("first")
    expect(late.at(-1)).toMatchObject({ done: true, error: "http/request failed: timed out after 300 ms" })
    // Once ended, the id is free again.
    expect((await http(server, { url: `${upstream.url}/ok`, requestId: "late", streamResponse: true })).result.status).toBe(200)
  })

  it("holds at most --max-http-requests in flight over all sessions (each holds a socket): one more is -32001 (retryable) until one ends", async () => {
    const server = await start(["--max-http-requests", "2"])
    // Two streams whose upstream never ends them, until their deadline.
    await http(server, { url: `${upstream.url}/stall`, requestId: "held-1", streamResponse: true, timeoutMs: 1500 })
    await http(server, { url: `${upstream.url}/stall`, requestId: "held-2", streamResponse: true, timeoutMs: 1500 })
    const refused = await http(server, { url: `${upstream.url}/ok` })
    expect(refused.error).toMatchObject({ code: -32001, data: { retryable: true, limit: "httpRequests" } })
    expect(refused.error!.message).toContain("--max-http-requests")
    await deltasOf(server, "held-1")
    await deltasOf(server, "held-2")
    expect((await http(server, { url: `${upstream.url}/ok` })).result.status).toBe(200)
    // A buffered request gives its place back too, failed or not.
    expect((await http(server, { url: "http://127.0.0.1:1/" })).error?.code).toBe(-32603)
    expect((await http(server, { url: `${upstream.url}/ok` })).result.status).toBe(200)
    expect((await http(server, { url: `${upstream.url}/ok` })).result.status).toBe(200)
  })

  it("stops reading the body while the client does not read, and drops the upstream connection when the client goes", async () => {
    // Over WebSocket: a stdio server's writes to a full pipe block it whole,
    // which would stop the body for another reason than flow control.
    const server = await startWebSocket()
    const client = await RawWebSocketClient.connectReady(server.url)
    await client.request("http/request", { method: "GET", url: `${upstream.url}/flood`, requestId: "flood", streamResponse: true })
    await client.waitFor((message) => message.method === "http/request/bodyDelta")
    client.socket.pause()
    // The server's queue for the client passes its high watermark, the body
    // stops being read, the upstream's socket fills: it stays blocked, far from
    // the 512 MiB it would write to a server that kept reading.
    let last = -1
    const settled = await eventually(() => {
      const still = upstream.flood.blocked && upstream.flood.written === last
      last = upstream.flood.written
      return still
    }, 20_000, 500)
    expect(settled).toBe(true)
    expect(upstream.flood.written).toBeLessThan(128 * 1024 * 1024)
    client.socket.terminate()
    expect(await eventually(() => upstream.flood.closed, 10_000)).toBe(true)
  })
})
