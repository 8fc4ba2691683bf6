/**
 * Clients of a server's WebSocket listener, whatever runs it (the binary,
 * startWebSocketServer; the sources in this process, InProcessServer's
 * useInProcessWebSocketServers): a raw JSON-RPC client, an upgrade's
 * status, one HTTP exchange.
 */
import type { ParamsOf } from "../../src/testing/TestConnection.js"
import * as Http from "node:http"
import { type ClientOptions, WebSocket } from "ws"
import { WAIT_MS } from "./waiting.js"

/** An HTTP exchange's status, headers and body. */
export interface HttpAnswer {
  readonly status: number
  readonly headers: Http.IncomingHttpHeaders
  readonly body: string
}

/** One HTTP request to the server at `serverUrl` (ws://), over a connection of its own. */
export const httpRequest = (
  serverUrl: string,
  path: string,
  options: { readonly method?: string; readonly headers?: Record<string, string>; readonly body?: string } = {}
): Promise<HttpAnswer> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(serverUrl)
    const request = Http.request({ hostname: hostname.replace(/^\[|\]$/g, ""), port, path, method: options.method ?? "GET", headers: options.headers, agent: false }, (response) => {
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString("utf8") }))
    })
    request.on("error", reject)
    request.end(options.body)
  })

/**
 * A WebSocket with `headers`; a `sec-websocket-protocol` among them is
 * offered as ws offers subprotocols (it then accepts the server's choice).
 */
const webSocketWith = (url: string, headers: Record<string, string>, options: ClientOptions = {}): WebSocket => {
  const { "sec-websocket-protocol": offered, ...rest } = headers
  return new WebSocket(url, offered === undefined ? [] : offered.split(",").map((protocol) => protocol.trim()), { ...options, headers: rest })
}

/**
 * Frames masked with a key of zeros: ws then sends a buffer as it is, so
 * that a test can send one large buffer on many sockets without a copy each.
 */
export const unmaskedFrames: ClientOptions = { generateMask: (mask) => mask.fill(0) }

/** The HTTP status an upgrade gets (101 when the WebSocket opens). */
export const upgradeStatus = (url: string, headers: Record<string, string> = {}): Promise<number> =>
  new Promise((resolve, reject) => {
    const socket = webSocketWith(url, headers)
    socket.once("open", () => {
      socket.close()
      resolve(101)
    })
    socket.once("unexpected-response", (_request, response) => {
      resolve(response.statusCode ?? 0)
      socket.terminate()
    })
    // terminate() after a refused upgrade reports an error too; the status is already known then.
    socket.on("error", (error) => {
      if (!/Unexpected server response|closed before the connection/.test(String(error.message))) reject(error)
    })
  })

/** A raw JSON-RPC client over one WebSocket. */
export class RawWebSocketClient {
  readonly messages: Array<any> = []
  private nextId = 1
  private readonly waiters: Array<{ readonly test: (m: any) => boolean; readonly resolve: (m: any) => void }> = []

  private constructor(readonly socket: WebSocket) {
    socket.on("message", (data) => {
      const message = JSON.parse(String(data))
      this.messages.push(message)
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        if (this.waiters[i]!.test(message)) this.waiters.splice(i, 1)[0]!.resolve(message)
      }
    })
  }

  static connect(url: string, headers: Record<string, string> = {}, options: ClientOptions = {}): Promise<RawWebSocketClient> {
    return new Promise((resolve, reject) => {
      const socket = webSocketWith(url, headers, options)
      socket.once("open", () => resolve(new RawWebSocketClient(socket)))
      socket.once("error", reject)
    })
  }

  /** Connects and completes the handshake. */
  static async connectReady(url: string, headers: Record<string, string> = {}, options: ClientOptions = {}): Promise<RawWebSocketClient> {
    const client = await RawWebSocketClient.connect(url, headers, options)
    await client.handshake()
    return client
  }

  waitFor(test: (m: any) => boolean, timeoutMs = WAIT_MS): Promise<any> {
    const found = this.messages.find(test)
    if (found !== undefined) return Promise.resolve(found)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("timed out waiting for a message")), timeoutMs)
      this.waiters.push({ test, resolve: (m) => {
        clearTimeout(timer)
        resolve(m)
      } })
    })
  }

  send(message: unknown): void {
    this.socket.send(typeof message === "string" ? message : JSON.stringify(message))
  }

  /** Params typed by the method's payload schema (wire form); `requestUnchecked` sends any. */
  request<M extends string>(method: M, params?: ParamsOf<M>): Promise<any> {
    return this.requestUnchecked(method, params)
  }

  requestUnchecked(method: string, params?: unknown): Promise<any> {
    const id = this.nextId++
    this.send({ id, method, params })
    return this.waitFor((m) => m.id === id && m.method === undefined)
  }

  async handshake(): Promise<any> {
    const response = await this.request("initialize", { clientName: "ws-test" })
    this.send({ method: "initialized", params: {} })
    return response
  }

  outputOf(processId: string): string {
    return Buffer.concat(
      this.messages
        .filter((m) => m.method === "process/output" && m.params.processId === processId)
        .map((m) => Buffer.from(m.params.chunk, "base64"))
    ).toString()
  }

  async outputContains(processId: string, text: string, timeoutMs = WAIT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!this.outputOf(processId).includes(text)) {
      if (Date.now() > deadline) throw new Error(`no ${JSON.stringify(text)} in ${JSON.stringify(this.outputOf(processId))}`)
      await this.waitFor((m) => m.params?.processId === processId && !this.messages.includes(m), 200).catch(() => {})
    }
  }
}
