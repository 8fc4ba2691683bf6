/**
 * A process's HTTP proxy on loopback (issue 46): absolute-form requests are
 * forwarded and CONNECT tunnels opened only as the shared evaluation
 * (decide.ts) decides, each decision reported; a refusal is the reference's
 * 403 (a JSON body and an `x-proxy-error` header, docs/PROTOCOL.md). A name
 * is resolved once and the connection goes to the address that was checked,
 * so a second lookup (DNS rebinding) cannot take it elsewhere. **(ours)**
 * Only a client with the process's credential is served (407 otherwise).
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Http from "node:http"
import * as Net from "node:net"
import type { Duplex } from "node:stream"
import type { InternalError } from "../protocol/errors.js"
import type { Interceptor } from "./credentials/interception.js"
import { pipeAnswer, type Restorations, restoreAnswer, translateInto } from "./credentials/reflection.js"
import { FIRST_REQUEST_MS, makeProxyShare } from "./proxyBudget.js"
import { normalizeHost } from "./hostPolicy.js"
import { type Connections, type DecideOptions, type Evaluator, listenOnLoopback, lookupOf, makeEvaluator, type Refusal } from "./decide.js"

export { type ClientAnswer, type DecisionNote, type ProxyProtocol, REFUSALS, systemResolve } from "./decide.js"

/** What the proxy decides with (the options the SOCKS5 proxy shares). */
export type HttpProxyOptions = DecideOptions

/** A listening proxy. */
export interface HttpProxy {
  /** Its port on 127.0.0.1. */
  readonly port: number
  /** Serves a connection accepted elsewhere (the sandbox bridge's Unix socket), its notes saying `client`. */
  readonly serve: (socket: Duplex, client: string) => void
}

/** The request and response headers a proxy does not pass on (hop by hop). */
export const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"])

const forwardedHeaders = (headers: Http.IncomingHttpHeaders): Http.OutgoingHttpHeaders =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)))

/** The reference's 403: its JSON body, or the message as plain text (the MITM refusal). */
const refusalAnswer = (refusal: Refusal) => {
  const body = refusal.plainText ? refusal.message : JSON.stringify({
    status: "blocked",
    host: refusal.host,
    reason: refusal.reason,
    decision: "deny",
    source: refusal.source,
    protocol: refusal.protocol,
    port: refusal.port,
    message: refusal.message
  })
  return {
    headers: { "content-type": refusal.plainText ? "text/plain" : "application/json", "x-proxy-error": refusal.header, "content-length": String(Buffer.byteLength(body)) },
    body
  }
}

/** **(ours)** The answer to a request without the process's credential (proxyCredential.ts). */
const AUTHENTICATION_REQUIRED = "proxy authentication required\n"
const CHALLENGE = { "proxy-authenticate": "Basic realm=\"exec-server\"", "content-type": "text/plain" }

/** Whether a request carries the proxy's credential (any, when it has none). */
const authenticated = (options: HttpProxyOptions, request: Http.IncomingMessage): boolean =>
  options.credential === undefined || options.credential.acceptsHeader(request.headers["proxy-authorization"])

/** The reference's answer when the target cannot be reached. */
const UPSTREAM_FAILURE = "upstream failure"

/** An HTTP response on a raw socket (a CONNECT's answer), then its end. */
const answerSocket = (socket: Duplex, status: number, reason: string, headers: Record<string, string>, body: string) => {
  const head = Object.entries({ ...headers, "content-length": String(Buffer.byteLength(body)) }).map(([name, value]) => `${name}: ${value}\r\n`).join("")
  socket.end(`HTTP/1.1 ${status} ${reason}\r\n${head}\r\n${body}`)
}

/**
 * The request's headers for its destination: `Host` the target's, as a
 * proxy must write it (RFC 9112, 3.2.2), never the client's (which would
 * front another name on the checked address, a real credential with it);
 * a masked credential's dummy translated where it is bound.
 */
const withCredentials = (
  interceptor: Interceptor | undefined,
  target: URL,
  request: Http.IncomingMessage
): { readonly headers: Http.OutgoingHttpHeaders; readonly restorations: Restorations } => {
  const headers: Http.OutgoingHttpHeaders = { ...forwardedHeaders(request.headers), host: target.host }
  if (interceptor === undefined) return { headers, restorations: [] }
  // The path as sent: the URL parser resolves dot segments a destination's prefix must not be fooled by.
  const raw = (request.url ?? "").replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, "")
  const path = raw.split(/[?#]/)[0] || "/"
  const port = target.port === "" ? 80 : Number(target.port)
  const restorations = translateInto(interceptor, { scheme: "http", host: normalizeHost(target.hostname), port, path }, request.headers, headers)
  return { headers, restorations }
}

/** Forwards an absolute-form request once it is allowed. */
const forward = (evaluator: Evaluator, client: string, request: Http.IncomingMessage, response: Http.ServerResponse) => {
  let target: URL
  try {
    target = new URL(request.url ?? "")
  } catch {
    return response.writeHead(400, { "content-type": "text/plain" }).end("an absolute-form request target is required\n")
  }
  if (target.protocol !== "http:") return response.writeHead(400, { "content-type": "text/plain" }).end("only http:// targets\n")
  const port = target.port === "" ? 80 : Number(target.port)
  const cancel = evaluator({ protocol: "http", host: target.hostname, port, method: request.method ?? "GET", client }, (verdict) => {
    if (verdict._tag === "Refuse") {
      const { body, headers } = refusalAnswer(verdict)
      return response.writeHead(403, headers).end(body)
    }
    // The client went while the request was decided.
    if (response.destroyed) return
    const { headers, restorations } = withCredentials(evaluator.interceptor, target, request)
    const upstream = Http.request({
      host: target.hostname,
      port,
      // Node tries each address in turn (autoSelectFamily is on by default since Node 20).
      lookup: lookupOf(verdict.addresses),
      method: request.method,
      path: `${target.pathname}${target.search}`,
      headers,
      setHost: false,
      // A connection of its own: Node's global agent keeps connections alive by
      // host and port alone, so another process's request to the same name
      // (resolved since to an address its rules allow) went over a connection
      // to the address this one's rules allowed (loopback, say).
      agent: false
    }, (answer) => {
      const restored = restoreAnswer(answer.headers, restorations)
      response.writeHead(answer.statusCode ?? 502, forwardedHeaders(restored.headers))
      // A destination that resets mid-body reports no error, only an answer
      // cut short: `pipeline` then ends the client's response too (`pipe`
      // left it open for ever), and a client gone destroys the answer.
      pipeAnswer(answer, restored.body, response)
    })
    upstream.once("socket", evaluator.hold)
    upstream.on("error", () => {
      if (!response.headersSent) response.writeHead(502, { "content-type": "text/plain", "content-length": String(UPSTREAM_FAILURE.length) }).end(UPSTREAM_FAILURE)
      else response.destroy()
    })
    response.once("close", () => upstream.destroy())
    request.pipe(upstream)
  }, () => response.destroy())
  response.once("close", cancel)
}

/** Opens a CONNECT tunnel once it is allowed. */
const tunnel = (evaluator: Evaluator, client: string, request: Http.IncomingMessage, socket: Duplex, head: Buffer) => {
  socket.on("error", () => socket.destroy())
  const [host, portText] = splitAuthority(request.url ?? "")
  const port = Number(portText)
  if (host === "" || !Number.isInteger(port) || port <= 0 || port > 65535) {
    return answerSocket(socket, 400, "Bad Request", { "content-type": "text/plain" }, "CONNECT needs host:port\n")
  }
  const cancel = evaluator({ protocol: "https_connect", host, port, method: "CONNECT", client }, (verdict) => {
    if (verdict._tag === "Refuse") {
      const { body, headers } = refusalAnswer(verdict)
      return answerSocket(socket, 403, "Forbidden", headers, body)
    }
    if (socket.destroyed) return
    const interceptor = evaluator.interceptor
    if (interceptor?.wants(host, port) === true) {
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n")
      return interceptor.serve(socket, { host, port, addresses: verdict.addresses }, head)
    }
    // Node clears `connecting` before it reports a failed connect, so whether it connected is kept here.
    let connected = false
    const upstream = Net.connect({ host, port, lookup: lookupOf(verdict.addresses) }, () => {
      connected = true
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n")
      if (head.length > 0) upstream.write(head)
      upstream.pipe(socket)
      socket.pipe(upstream)
    })
    evaluator.hold(upstream)
    upstream.on("error", () => {
      if (!connected) answerSocket(socket, 502, "Bad Gateway", { "content-type": "text/plain" }, UPSTREAM_FAILURE)
      else socket.destroy()
    })
    socket.once("close", () => upstream.destroy())
  }, () => socket.destroy())
  socket.once("close", cancel)
}

/**
 * Listens on a free loopback port until the scope closes; `serve` takes
 * connections that came another way. Closing the scope stops the
 * evaluations under way and closes every connection, whichever way it came
 * (and so every upstream one).
 */
export const make = (options: HttpProxyOptions): Effect.Effect<HttpProxy, InternalError, Scope.Scope> =>
  Effect.gen(function*() {
    const evaluator = yield* makeEvaluator(options)
    // Who each connection is, as the notes say: its TCP peer, or what `serve` was given.
    const clients = new WeakMap<Duplex, string>()
    const clientOf = (socket: Duplex) => clients.get(socket) ?? "unknown"
    // A connection's timer until its first request: an idle one would hold a place of the budget for ever.
    const awaitingRequest = new WeakMap<Duplex, NodeJS.Timeout>()
    const requestCame = (socket: Duplex) => {
      clearTimeout(awaitingRequest.get(socket))
      awaitingRequest.delete(socket)
    }
    // Nothing is decided for a client without the credential: it is not the process's.
    const server = Http.createServer((request, response) => {
      requestCame(request.socket)
      if (!authenticated(options, request)) {
        return void response.writeHead(407, { ...CHALLENGE, "content-length": String(AUTHENTICATION_REQUIRED.length) }).end(AUTHENTICATION_REQUIRED)
      }
      forward(evaluator, clientOf(request.socket), request, response)
    })
    server.on("connect", (request: Http.IncomingMessage, socket: Duplex, head: Buffer) => {
      requestCame(request.socket)
      if (!authenticated(options, request)) {
        socket.on("error", () => socket.destroy())
        return answerSocket(socket, 407, "Proxy Authentication Required", CHALLENGE, AUTHENTICATION_REQUIRED)
      }
      tunnel(evaluator, clientOf(request.socket), request, socket, head)
    })
    const share = options.share ?? makeProxyShare()
    // Connections come only once it listens, and so once this is set.
    let connections: Connections | undefined
    server.on("connection", (socket: Duplex) => {
      if (connections === undefined || connections.closed() || !share.admit(socket)) return socket.destroy()
      if (!clients.has(socket) && socket instanceof Net.Socket) clients.set(socket, `${socket.remoteAddress}:${socket.remotePort}`)
      const { sockets } = connections
      sockets.add(socket)
      awaitingRequest.set(socket, setTimeout(() => socket.destroy(), FIRST_REQUEST_MS))
      socket.once("close", () => {
        sockets.delete(socket)
        requestCame(socket)
      })
    })
    const listening = yield* listenOnLoopback(server)
    connections = listening
    const serve = (socket: Duplex, client: string) => {
      if (listening.closed()) return void socket.destroy()
      clients.set(socket, client)
      // Node's documented way to hand a server any duplex stream as a connection.
      server.emit("connection", socket)
    }
    const port = listening.port
    return { port, serve }
  })

/** `host:port` of a CONNECT target (`[v6]:port` too). */
const splitAuthority = (authority: string): [string, string] => {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(authority)
  if (bracketed !== null) return [bracketed[1]!, bracketed[2]!]
  const colon = authority.lastIndexOf(":")
  return colon === -1 ? [authority, ""] : [authority.slice(0, colon), authority.slice(colon + 1)]
}
