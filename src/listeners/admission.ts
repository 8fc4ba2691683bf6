/**
 * Who the WebSocket listener lets in, and what it answers over plain HTTP:
 * the `Host` check (no rebound name is served), the bearer token (a
 * capability token's digest, or a signed token checked without blocking),
 * allowed origins, the bounded log of refusals, and the HTTP endpoints
 * (health, readiness, metrics, a mounted application's pages).
 */
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Http from "node:http"
import type * as Net from "node:net"
import type { Duplex } from "node:stream"
import { TransportError } from "../jsonrpc/Transport.js"
import { makeLogBudget } from "../observability/logBudget.js"
import * as Metrics from "../observability/metrics.js"
import { bearerAuthProblem, bearerRefusal, capabilityTokenMatches } from "./bearerAuth.js"
import { type HostAndPort, hostAllowed, parseAllowedHost } from "./hostHeader.js"
import type { HttpHandler, WebSocketListenOptions } from "./webSocketOptions.js"

/** `address:port` of a socket's peer. */
export const addressOf = (socket: Net.Socket): string | undefined =>
  socket.remoteAddress === undefined ? undefined : `${socket.remoteAddress}:${socket.remotePort}`

/** How long a refused socket may linger to read its answer before it is closed. */
const REFUSED_LINGER_MS = 1000

/** The bearer token of a request's `Authorization` header, if it has one. */
export const bearerOf = (request: Http.IncomingMessage): string | undefined =>
  /^Bearer\s+(.+?)\s*$/i.exec(request.headers.authorization ?? "")?.[1]

/** Why an upgrade is refused, if it is: checked before any JSON-RPC is spoken. */
export const refusalOf = (
  request: Http.IncomingMessage,
  options: Pick<WebSocketListenOptions, "tokenSha256" | "allowOrigins">
): { readonly status: number; readonly reason: string } | undefined => {
  const origin = request.headers.origin
  if (origin !== undefined && !(options.allowOrigins ?? []).includes(origin)) {
    return { status: 403, reason: "Forbidden" }
  }
  if (options.tokenSha256 !== undefined && !capabilityTokenMatches(bearerOf(request), options.tokenSha256)) {
    return { status: 401, reason: "Unauthorized" }
  }
  return undefined
}

/**
 * A request's path, its query left out, as sent (no dot segments resolved:
 * routes match it exactly); the path of an absolute-form target. Never
 * throws (`new URL` does on a target of `//`, which would end the process
 * from a listener).
 */
export const pathOf = (request: Http.IncomingMessage): string => {
  const target = request.url ?? "/"
  if (!target.startsWith("/")) return URL.canParse(target) ? new URL(target).pathname : target
  const query = target.indexOf("?")
  return query === -1 ? target : target.slice(0, query)
}

/** How much of a refused `Host` header a log line repeats. */
const MAX_LOGGED_HOST_CHARS = 200

/** Why a request's `Host` is refused (for the log), or undefined when it is allowed. */
const hostRefusal = (
  request: Http.IncomingMessage,
  listenHost: string,
  allowHosts: ReadonlyArray<HostAndPort>
): string | undefined => {
  const host = request.headers.host
  if (hostAllowed(host, listenHost, allowHosts)) return undefined
  return host === undefined ? "no Host header" : `host ${JSON.stringify(host.slice(0, MAX_LOGGED_HOST_CHARS))} not allowed`
}

/** Answers an upgrade with an HTTP error (the body one line, the reason unless given), then closes the socket even if the peer never closes its side. */
export const refuse = (socket: Duplex, status: number, reason: string, line = reason) => {
  const body = `${line.replace(/[\r\n]+/g, " ")}\n`
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      (status === 401 ? "WWW-Authenticate: Bearer\r\n" : "") +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  )
  setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref()
}

/** How a listener admits requests, made once from its options. */
export interface Admission {
  /** Why a request's `Host` is refused (for the log), or undefined when it is allowed. */
  readonly misdirected: (request: Http.IncomingMessage) => string | undefined
  /** Why a request's signed bearer token is refused, or undefined when it is valid (never rejects); none without signed tokens. */
  readonly verifyBearer: ((request: Http.IncomingMessage) => Promise<string | undefined>) | undefined
  /**
   * Logs a refused request (never its token) from the HTTP server's
   * callback, with the server's logger; refused upgrades are counted too.
   */
  readonly logRefusal: (status: number, why: string, address: string | undefined, upgrade?: boolean) => void
}

/** The admission of `options`; a bad combination of tokens or a bad allowed host fails the listener. */
export const makeAdmission = (
  options: WebSocketListenOptions,
  context: Context.Context<never>
): Effect.Effect<Admission, TransportError> =>
  Effect.gen(function*() {
    const authProblem = bearerAuthProblem(options)
    if (authProblem !== undefined) return yield* new TransportError({ message: authProblem })
    const signedBearer = options.signedBearer
    const allowHosts: Array<HostAndPort> = []
    for (const value of options.allowHosts ?? []) {
      const parsed = parseAllowedHost(value)
      if (typeof parsed === "string") return yield* new TransportError({ message: parsed })
      allowHosts.push(parsed)
    }
    // Refusals cost a peer nothing: what one peer can make the server log is bounded (see logBudget.ts).
    const refusalLog = makeLogBudget()
    return {
      misdirected: (request) => hostRefusal(request, options.host, allowHosts),
      verifyBearer: signedBearer === undefined
        ? undefined
        : (request) => bearerRefusal(bearerOf(request), { signedBearer }),
      logRefusal: (status, why, address, upgrade = true) => {
        if (upgrade) Metrics.bump(Metrics.connectionsRefused, 1, Metrics.label("status", status))
        const heldBack = refusalLog.take(address)
        if (heldBack === undefined) return
        // Annotations are written in the order given: why, peer, status, as operators' filters have read them.
        Effect.runForkWith(context)(
          Effect.logWarning("connection refused").pipe(Effect.annotateLogs({ why, peer: address ?? "unknown", status, ...heldBack }))
        )
      }
    }
  })

/**
 * Answers a plain HTTP request: 421 to a name the server is not known by;
 * `/healthz` and `/readyz` to anyone; a mounted application's paths by its
 * own credential; the endpoints (`/metrics`, `endpoints`) behind the bearer
 * token; 426 to anything else.
 */
export const answerHttp = (
  options: WebSocketListenOptions,
  admission: Admission,
  stopping: () => boolean
): (request: Http.IncomingMessage, response: Http.ServerResponse) => void => {
  const endpoints: Record<string, HttpHandler> = {
    ...(options.metrics === undefined ? {} : { "/metrics": options.metrics }),
    ...options.endpoints
  }
  return (request, response) => {
    const path = pathOf(request)
    const text = (status: number, body: string) =>
      response.writeHead(status, { "content-type": "text/plain", connection: "close" }).end(body)
    // Before anything else: a name the server is not known by may be a rebound one.
    const misdirectedWhy = admission.misdirected(request)
    if (misdirectedWhy !== undefined) {
      admission.logRefusal(421, misdirectedWhy, addressOf(request.socket), false)
      return text(421, "Misdirected Request\n")
    }
    // Liveness and readiness say nothing about the server: open to anyone who can reach it.
    if (request.method === "GET" && path === "/healthz") return text(200, "ok\n")
    if (request.method === "GET" && path === "/readyz") {
      const notReady = stopping() ? "stopping" : options.readiness?.()
      return notReady === undefined ? text(200, "ready\n") : text(503, `${notReady}\n`)
    }
    // A mounted application has its own credential (the console's: a cookie bound to its origin), never the bearer token.
    if (options.mount?.serves(path) === true) {
      return options.mount.http(request, response, path)
    }
    const endpoint = request.method === "GET" ? endpoints[path] : undefined
    if (endpoint !== undefined) {
      // Method names, counts and environments are the operator's: behind the token when there is one.
      const refusal = refusalOf(request, options)
      if (refusal !== undefined) return text(refusal.status, `${refusal.reason}\n`)
      if (admission.verifyBearer === undefined) return endpoint(request, response)
      void admission.verifyBearer(request).then((why) => {
        if (request.socket.destroyed) return
        if (why !== undefined) return text(401, "Unauthorized\n")
        endpoint(request, response)
      }).catch(() => request.socket.destroy())
      return
    }
    text(426, "exec-server speaks WebSocket\n")
  }
}
