/** Logs in to a server's web console as its page does, and opens `/console/ws`, from Node. */
import * as Http from "node:http"
import { RawWebSocketClient } from "./WebSocketServer.js"

/** An HTTP exchange's status, headers and body. */
export interface HttpAnswer {
  readonly status: number
  readonly headers: Http.IncomingHttpHeaders
  readonly body: string
}

/** One HTTP request over a connection of its own. */
export const httpRequest = (
  serverUrl: string,
  path: string,
  options: { readonly method?: string; readonly headers?: Record<string, string>; readonly body?: string } = {}
): Promise<HttpAnswer> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(serverUrl)
    const request = Http.request({ hostname, port, path, method: options.method ?? "GET", headers: options.headers, agent: false }, (response) => {
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString("utf8") }))
    })
    request.on("error", reject)
    request.end(options.body)
  })

/** The page's origin on a server at `ws://HOST:PORT`. */
export const originOf = (serverUrl: string): string => serverUrl.replace(/^ws:/, "http:")

/** A fresh link's secret, asked over the JSON-RPC endpoint as `exec-server console-url` does. */
export const linkSecret = async (serverUrl: string, headers: Record<string, string> = {}): Promise<string> => {
  const client = await RawWebSocketClient.connectReady(serverUrl, headers)
  const answer = await client.request("console/createLink", {})
  client.socket.close()
  if (answer.error !== undefined) throw new Error(answer.error.message)
  return String(answer.result.path).replace(/^\/console\/#/, "")
}

/** Trades `secret` for the session cookie (`name=value`), as the page posts it. */
export const login = async (serverUrl: string, secret: string): Promise<HttpAnswer & { readonly cookie: string | undefined }> => {
  const answer = await httpRequest(serverUrl, "/console/login", {
    method: "POST",
    headers: { origin: originOf(serverUrl), "content-type": "text/plain" },
    body: secret
  })
  const setCookie = answer.headers["set-cookie"]?.[0]
  return { ...answer, cookie: setCookie?.split(";")[0] }
}

/** A console connection, logged in with a new link, handshake done. */
export const consoleClient = async (serverUrl: string, headers: Record<string, string> = {}): Promise<RawWebSocketClient> => {
  const { cookie } = await login(serverUrl, await linkSecret(serverUrl, headers))
  if (cookie === undefined) throw new Error("the console's login gave no cookie")
  return RawWebSocketClient.connectReady(`${serverUrl}/console/ws`, { cookie, origin: originOf(serverUrl) })
}
