/** Logs in to a server's web console as its page does, and opens `/console/ws`, from Node. */
import { readFileSync } from "node:fs"
import { defaultKeyFile } from "../../src/console/consoleKey.js"
import { type HttpAnswer, httpRequest, RawWebSocketClient } from "./WebSocketClient.js"

/** The page's origin on a server at `ws://HOST:PORT`. */
export const originOf = (serverUrl: string): string => serverUrl.replace(/^ws:/, "http:")

/**
 * The operator's console key of a server at `ws://HOST:PORT` started with
 * this process's environment: where the server wrote it, as `exec-server
 * console-url` reads it.
 */
export const operatorKey = (serverUrl: string): string =>
  readFileSync(defaultKeyFile(process.env, Number(new URL(serverUrl).port)), "utf8").trim()

/** A fresh link's secret, asked over the JSON-RPC endpoint with the operator's key, as `exec-server console-url` does. */
export const linkSecret = async (serverUrl: string, headers: Record<string, string> = {}): Promise<string> => {
  const client = await RawWebSocketClient.connectReady(serverUrl, headers)
  const answer = await client.request("console/createLink", { consoleKey: operatorKey(serverUrl) })
  client.socket.close()
  if (answer.error !== undefined) throw new Error(answer.error.message)
  return String(answer.result.path).replace(/^\/console\/#/, "")
}

/**
 * Trades `secret` for a browser session, as the page posts it: the cookie
 * (`name=value`) and the key the page keeps (the body's).
 */
export const login = async (
  serverUrl: string,
  secret: string
): Promise<HttpAnswer & { readonly cookie: string | undefined; readonly key: string | undefined }> => {
  const answer = await httpRequest(serverUrl, "/console/login", {
    method: "POST",
    headers: { origin: originOf(serverUrl), "content-type": "text/plain" },
    body: secret
  })
  const setCookie = answer.headers["set-cookie"]?.[0]
  const key = answer.status === 200 ? (JSON.parse(answer.body) as { readonly key: string }).key : undefined
  return { ...answer, cookie: setCookie?.split(";")[0], key }
}

/** The key's header on the console's HTTP requests, as the page sends it. */
export const keyHeader = (key: string | undefined): Record<string, string> =>
  key === undefined ? {} : { "x-exec-server-console-key": key }

/** The subprotocols the page offers on `/console/ws`: the console's, then its key. */
export const keyProtocols = (key: string | undefined): Record<string, string> =>
  ({ "sec-websocket-protocol": `exec-server-console, exec-server-console-key.${key ?? ""}` })

/** An upgrade of `/console/ws` as the page makes it: the cookie, the console's Origin and the key. */
export const consoleUpgradeHeaders = (serverUrl: string, session: { readonly cookie: string | undefined; readonly key: string | undefined }) => ({
  cookie: session.cookie ?? "",
  origin: originOf(serverUrl),
  ...keyProtocols(session.key)
})

/** A console connection, logged in with a new link, handshake done. */
export const consoleClient = async (serverUrl: string, headers: Record<string, string> = {}): Promise<RawWebSocketClient> => {
  const session = await login(serverUrl, await linkSecret(serverUrl, headers))
  if (session.cookie === undefined) throw new Error("the console's login gave no cookie")
  return RawWebSocketClient.connectReady(`${serverUrl}/console/ws`, consoleUpgradeHeaders(serverUrl, session))
}
