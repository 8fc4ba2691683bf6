/** Logs in to a server's web console as its page does, and opens `/console/ws`, from Node. */
import { type HttpAnswer, httpRequest, RawWebSocketClient } from "./WebSocketServer.js"

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
