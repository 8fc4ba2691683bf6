/**
 * The web console's HTTP side, on the server's WebSocket listener: its
 * page and assets under `/console/`, the trade of a login link for a
 * cookie (`POST /console/login`), logout, and who may open `/console/ws`.
 * The listener has checked the `Host` header before any of this runs (a
 * rebound name never reaches here). Loaded only with `--console`.
 *
 * The cookie is HttpOnly, SameSite=Strict and valid on `/console` only;
 * what it opens is also bound to the console's own `Origin`, since cookies
 * are ambient and SameSite does not tell apart two ports of 127.0.0.1. A
 * browser sends it to every port of the host (cookies have no port), so it
 * opens nothing alone: the page presents the session's other half, a key
 * kept in its origin's storage (see ConsoleAuth), in a header and, on the
 * WebSocket, as an offered subprotocol. Its name carries the listener's
 * port, so that consoles on two ports of one host do not overwrite each
 * other's.
 */
import * as Cookies from "effect/http/Cookies"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import type * as Http from "node:http"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"
import type { Mount } from "../listeners/webSocketOptions.js"
import { type ConsoleAuth, SESSION_IDLE_MS } from "./ConsoleAuth.js"
import { CONSOLE_KEY_HEADER, CONSOLE_KEY_PROTOCOL_PREFIX, CONSOLE_PATH, CONSOLE_SOCKET_PATH } from "./WebConsole.js"

/** The cookie that carries a browser session (its name ends with the listener's port: see `cookieNameOf`). */
export const COOKIE_NAME = "exec_server_console"

/** The session cookie's name for the port the browser reached (the `Host` header's, or the scheme's default). */
export const cookieNameOf = (request: Http.IncomingMessage): string =>
  `${COOKIE_NAME}_${/:(\d+)$/.exec(request.headers.host ?? "")?.[1] ?? "default"}`

/** The longest login body read: a link's secret is 43 characters. */
const MAX_LOGIN_BODY_BYTES = 1024

/**
 * Every console response's headers: no inline script, no framing, no
 * referrer (the page's URL never leaves it), no sniffing. Inline styles are
 * allowed because xterm.js sets its theme and cell sizes through style
 * elements.
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
    "connect-src 'self'; img-src 'self' data:; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin"
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".txt": "text/plain; charset=utf-8"
}

/** One served file: its bytes, gzipped bytes, type and caching. */
interface StaticFile {
  readonly body: Buffer
  readonly gzipped: Buffer
  readonly type: string
  /** Hashed assets never change under their name; the page itself is revalidated. */
  readonly immutable: boolean
}

/** Where the build puts the console's files (`dist/console/static`), from this module's place in `dist/`. */
export const defaultStaticDirectory = (): string => fileURLToPath(new URL("../console/static/", import.meta.url))

let givenStaticDirectory: string | undefined

/**
 * Serves the console's files of the servers made after this from
 * `directory` (a build of src/console/page): for a server run from the
 * sources, which have no built page beside them (the tests in process build
 * one). Undefined: the build's again.
 */
export const useStaticDirectory = (directory: string | undefined): void => {
  givenStaticDirectory = directory
}

/** The files of `directory`: `index.html` and `assets/*`, read once. */
const loadStatic = (directory: string): Map<string, StaticFile> => {
  const files = new Map<string, StaticFile>()
  const add = (urlPath: string, filePath: string, immutable: boolean) => {
    const extension = filePath.slice(filePath.lastIndexOf("."))
    const body = readFileSync(filePath)
    files.set(urlPath, { body, gzipped: gzipSync(body), type: CONTENT_TYPES[extension] ?? "application/octet-stream", immutable })
  }
  add(`${CONSOLE_PATH}/`, `${directory}/index.html`, false)
  const assets = `${directory}/assets`
  if (existsSync(assets)) for (const name of readdirSync(assets)) add(`${CONSOLE_PATH}/assets/${name}`, `${assets}/${name}`, true)
  return files
}

/** The browser session's cookie half from a request's cookies, if it has one. */
export const sessionTokenOf = (request: Http.IncomingMessage): string | undefined => {
  const header = request.headers.cookie
  return header === undefined ? undefined : Cookies.parseHeader(header)[cookieNameOf(request)]
}

/** The session's key half: the header of an HTTP request, or the subprotocol an upgrade offers. */
export const sessionKeyOf = (request: Http.IncomingMessage): string | undefined => {
  const header = request.headers[CONSOLE_KEY_HEADER]
  if (typeof header === "string") return header
  const offered = String(request.headers["sec-websocket-protocol"] ?? "").split(",").map((protocol) => protocol.trim())
  return offered.find((protocol) => protocol.startsWith(CONSOLE_KEY_PROTOCOL_PREFIX))?.slice(CONSOLE_KEY_PROTOCOL_PREFIX.length)
}

/** Whether the request carries both halves of a live browser session (using it keeps it alive). */
const validSession = (auth: ConsoleAuth, request: Http.IncomingMessage): boolean =>
  auth.validSession(sessionTokenOf(request), sessionKeyOf(request))

/**
 * Whether a request comes from the console's own page: its `Origin` is this
 * server as the browser reached it (`http://` or `https://`, behind a TLS
 * proxy, and the `Host` the listener allowed), or one the operator allowed.
 */
const ownOrigin = (request: Http.IncomingMessage, allowOrigins: ReadonlyArray<string>): boolean => {
  const origin = request.headers.origin
  const host = request.headers.host
  if (origin === undefined || host === undefined) return false
  return origin === `http://${host}` || origin === `https://${host}` || allowOrigins.includes(origin)
}

/** The console as the listener mounts it, over `auth`, serving the files of `staticDirectory` (default: the build's). */
export const makeConsoleMount = (
  auth: ConsoleAuth,
  options: {
    readonly staticDirectory?: string | undefined
    readonly allowOrigins?: ReadonlyArray<string> | undefined
    /** Told of logins and logouts, for the server's log (never a secret). */
    readonly audit?: ((event: "console login" | "console login refused" | "console logout", peer: string) => void) | undefined
  } = {}
): Mount => {
  const allowOrigins = options.allowOrigins ?? []
  const audit = (event: "console login" | "console login refused" | "console logout", request: Http.IncomingMessage) =>
    options.audit?.(event, `${request.socket.remoteAddress}:${request.socket.remotePort}`)
  let files: Map<string, StaticFile> | undefined
  let missing: string | undefined
  /** Read at the first page request: a server that is never visited holds none of it. */
  const staticFiles = (): Map<string, StaticFile> | undefined => {
    if (files === undefined && missing === undefined) {
      const directory = options.staticDirectory ?? givenStaticDirectory ?? defaultStaticDirectory()
      try {
        files = loadStatic(directory)
      } catch (error) {
        missing = `the console's files are not built (${(error as Error).message}); run npm run build`
      }
    }
    return files
  }

  const answer = (
    response: Http.ServerResponse,
    status: number,
    headers: Record<string, string | Array<string>> = {},
    body: string | Buffer = ""
  ) => {
    response.writeHead(status, { ...SECURITY_HEADERS, "cache-control": "no-store", ...headers })
    response.end(body)
  }
  const text = (response: Http.ServerResponse, status: number, body: string) =>
    answer(response, status, { "content-type": "text/plain; charset=utf-8" }, `${body}\n`)

  /** The session cookie; `Secure` when the page came over https (a TLS proxy in front). */
  const cookie = (request: Http.IncomingMessage, value: string, maxAgeSeconds: number): string =>
    Cookies.toSetCookieHeaders(Cookies.fromIterable([
      Cookies.makeCookieUnsafe(cookieNameOf(request), value, {
        path: CONSOLE_PATH,
        httpOnly: true,
        sameSite: "strict",
        secure: request.headers.origin?.startsWith("https://") === true,
        maxAge: `${maxAgeSeconds} seconds`
      })
    ]))[0]!

  /** Reads a small body, then `use`s it; a larger one is refused (413). */
  const withBody = (request: Http.IncomingMessage, response: Http.ServerResponse, use: (body: string) => void) => {
    const chunks: Array<Buffer> = []
    let size = 0
    request.on("data", (chunk: Buffer) => {
      if (size > MAX_LOGIN_BODY_BYTES) return
      size += chunk.length
      if (size > MAX_LOGIN_BODY_BYTES) {
        // Answered, then the connection goes: the rest is not read.
        response.once("finish", () => request.destroy())
        return text(response, 413, "Payload Too Large")
      }
      chunks.push(chunk)
    })
    request.on("end", () => {
      if (size <= MAX_LOGIN_BODY_BYTES) use(Buffer.concat(chunks).toString("utf8").trim())
    })
    request.on("error", () => request.destroy())
  }

  const serveFile = (request: Http.IncomingMessage, response: Http.ServerResponse, path: string) => {
    const served = staticFiles()
    if (served === undefined) return text(response, 503, missing ?? "Service Unavailable")
    // `/console` itself: the page's relative asset paths need the slash.
    if (path === CONSOLE_PATH) return answer(response, 308, { location: `${CONSOLE_PATH}/` })
    const file = served.get(path)
    if (file === undefined) return text(response, 404, "Not Found")
    const gzip = /\bgzip\b/.test(String(request.headers["accept-encoding"] ?? ""))
    const body = gzip ? file.gzipped : file.body
    answer(response, 200, {
      "content-type": file.type,
      "content-length": String(body.length),
      "cache-control": file.immutable ? "public, max-age=31536000, immutable" : "no-cache",
      vary: "accept-encoding",
      ...(gzip ? { "content-encoding": "gzip" } : {})
    }, request.method === "HEAD" ? "" : body)
  }

  return {
    serves: (path) => path === CONSOLE_PATH || path.startsWith(`${CONSOLE_PATH}/`),
    socketPath: CONSOLE_SOCKET_PATH,
    // The page's session key rides as an offered subprotocol: never selected, never echoed.
    secretProtocolPrefix: CONSOLE_KEY_PROTOCOL_PREFIX,
    http: (request, response, path) => {
      const method = request.method ?? "GET"
      if (method === "GET" || method === "HEAD") {
        // Whether the cookie is a live session: the page asks before it connects (a refused upgrade tells it nothing).
        if (path === `${CONSOLE_PATH}/session`) {
          return validSession(auth, request) ? answer(response, 204) : text(response, 401, "Unauthorized")
        }
        return serveFile(request, response, path)
      }
      if (method !== "POST") return answer(response, 405, { allow: "GET, HEAD, POST" })
      // A form or script of another site must not log a browser in or out.
      if (!ownOrigin(request, allowOrigins)) return text(response, 403, "Forbidden")
      if (path === `${CONSOLE_PATH}/login`) {
        return withBody(request, response, (secret) => {
          const session = secret === "" ? "unknown" : auth.redeem(secret)
          audit(typeof session === "string" ? "console login refused" : "console login", request)
          if (session === "unknown") return text(response, 403, "the login link is unknown, used or expired")
          if (session === "full") {
            return text(response, 503, "the console has as many browser sessions as it keeps: log out of one, then use the link again")
          }
          answer(
            response,
            200,
            { "set-cookie": cookie(request, session.cookie, SESSION_IDLE_MS / 1000), "content-type": "application/json" },
            JSON.stringify({ key: session.key })
          )
        })
      }
      if (path === `${CONSOLE_PATH}/logout`) {
        auth.revoke(sessionTokenOf(request), sessionKeyOf(request))
        audit("console logout", request)
        return answer(response, 204, { "set-cookie": cookie(request, "", 0) })
      }
      text(response, 404, "Not Found")
    },
    upgradeRefusal: (request) => {
      if (!ownOrigin(request, allowOrigins)) {
        return { status: 403, reason: "Forbidden", why: `console: origin ${request.headers.origin ?? "(none)"} is not the console's` }
      }
      if (!validSession(auth, request)) {
        return { status: 401, reason: "Unauthorized", why: "console: no or expired session (cookie and key)" }
      }
      return undefined
    }
  }
}
