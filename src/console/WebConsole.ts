/**
 * The web console as a service of the server (`--console`): the
 * credentials its HTTP side checks and `console/createLink` issues, and
 * where it lives on the listener. A server without it builds none of the
 * console's handlers and knows none of its methods.
 */
import * as Context from "effect/Context"
import type { ConsoleAuth } from "./ConsoleAuth.js"

/** The console's state. */
export class WebConsole extends Context.Service<WebConsole, {
  readonly auth: ConsoleAuth
}>()("effect-exec-server/WebConsole") {}

/** The console's page, assets, login and logout are served under this path. */
export const CONSOLE_PATH = "/console"
/** Where the page opens its JSON-RPC connection. */
export const CONSOLE_SOCKET_PATH = `${CONSOLE_PATH}/ws`

/** The header that carries the page's session key on its HTTP requests (the page has the same name). */
export const CONSOLE_KEY_HEADER = "x-exec-server-console-key"
/** The subprotocol the page offers on `/console/ws`, the one the server selects. */
export const CONSOLE_PROTOCOL = "exec-server-console"
/**
 * The page's session key on `/console/ws`, as a second offered subprotocol
 * (a browser's WebSocket takes no headers, and a key in the URL would be
 * logged); never selected, so never echoed.
 */
export const CONSOLE_KEY_PROTOCOL_PREFIX = "exec-server-console-key."

/** A login link's path: the page, with the secret in the fragment (which a browser never sends). */
export const loginLinkPath = (secret: string): string => `${CONSOLE_PATH}/#${secret}`

/** `path` on the server at a ws:// or wss:// URL, as a browser reaches it: the same host and port over http(s). */
export const consolePageUrl = (serverUrl: string, path: string): string => {
  const url = new URL(serverUrl)
  return `${url.protocol === "wss:" ? "https:" : "http:"}//${url.host}${path}`
}
