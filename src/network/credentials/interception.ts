/**
 * Where a masked credential gets its real value back (issue 47;
 * docs/PROTOCOL.md, "Credential masking"): a tunnel the proxy opened to a
 * host a credential is bound to is looked into. TLS is terminated with a
 * certificate of the process's authority for that host, plain HTTP is read
 * as it is; each request then goes on to the tunnel's destination (the
 * addresses the proxy checked, the real server's certificate checked against
 * the system's roots) with its dummies translated in the headers the
 * credential's provider sends it in, and in those only. Anything else in the
 * tunnel (another protocol, bytes the server speaks first) passes as it came.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Http from "node:http"
import * as Https from "node:https"
import * as Net from "node:net"
import type { Duplex } from "node:stream"
import * as Tls from "node:tls"
import { lookupOf } from "../decide.js"
import { HOP_BY_HOP } from "../HttpProxy.js"
import { normalizeHost } from "../hostPolicy.js"
import type { MitmAuthority } from "./authority.js"
import type { MaskedCredentials } from "./broker.js"
import type { RequestTarget } from "./destination.js"
import { pipeAnswer, restoreAnswer, restoreText, translateInto } from "./reflection.js"

/** An allowed tunnel's destination: the host as asked, and the addresses the proxy checked. */
export interface TunnelTarget {
  readonly host: string
  readonly port: number
  readonly addresses: ReadonlyArray<string>
}

/** What a process's proxies ask of its interception. */
export interface Interceptor {
  /** Whether a tunnel to `host:port` is one to look into. */
  readonly wants: (host: string, port: number) => boolean
  /** Takes an opened tunnel (its client already told so); `head` is what the client sent early. */
  readonly serve: (socket: Duplex, target: TunnelTarget, head: Buffer) => void
  /** The header changes of a plain request through the HTTP proxy. */
  readonly translate: MaskedCredentials["translate"]
  /** The credentials bound to a destination, for its answers' restoring (reflection.ts). */
  readonly bound: MaskedCredentials["bound"]
}

/**
 * How long a quiet client is left alone before its tunnel's destination is
 * dialled to see whether that speaks first (an SSH or SMTP greeting).
 */
const DIAL_QUIET_MS = 250
/** The longest request line looked for. */
const DETECT_BYTES = 8192

type Kind = "tls" | "http" | "opaque" | "more"

/** What a tunnel's first bytes are: a TLS handshake record, an HTTP request line, something else, or too few to say. */
const kindOf = (bytes: Buffer): Kind => {
  if (bytes.length === 0) return "more"
  if (bytes[0] === 0x16) {
    if (bytes.length < 3) return "more"
    return bytes[1] === 0x03 && bytes[2]! <= 0x04 ? "tls" : "opaque"
  }
  const text = bytes.subarray(0, DETECT_BYTES).toString("latin1")
  const line = text.indexOf("\r\n")
  if (line === -1) {
    // Still a request line in the making: a method's capitals, then printable text.
    if (bytes.length >= DETECT_BYTES || !/^[A-Z]+( [\x21-\x7e]*( [\x21-\x7e]*)?)?$/.test(text)) return "opaque"
    return "more"
  }
  return /^[A-Z]+ \S+ HTTP\/\d(\.\d)?$/.test(text.slice(0, line)) ? "http" : "opaque"
}

/** A connection to a tunnel's destination: to the addresses the proxy checked. */
const connectTo = (target: TunnelTarget, onConnect?: () => void): Net.Socket =>
  Net.connect({ host: target.host, port: target.port, lookup: lookupOf(target.addresses) }, onConnect)

/**
 * Whoever speaks first in a tunnel says what it carries, never a clock (a
 * loaded client may take seconds to its TLS hello). The client's first bytes
 * are read until they say TLS, HTTP or something else; a client still quiet
 * after DIAL_QUIET_MS gets its destination dialled, and should that speak
 * first, the tunnel is a protocol the server opens and passes unread on that
 * connection. A dialled connection that fails or closes first is forgotten:
 * the client's bytes still decide. The client's bytes are given back to its
 * socket, paused; the dialled connection is handed on only when it spoke.
 */
const detect = (
  socket: Duplex,
  target: TunnelTarget,
  head: Buffer,
  hold: (socket: Net.Socket) => void,
  onKind: (kind: Exclude<Kind, "more">, spoken: Net.Socket | undefined) => void
) => {
  let held = head
  let dialled: Net.Socket | undefined
  let decided = false
  const done = (kind: Exclude<Kind, "more">, spoken?: Net.Socket) => {
    if (decided) return
    decided = true
    clearTimeout(timer)
    socket.off("data", onData)
    socket.off("close", forgetDialled)
    socket.pause()
    if (held.length > 0) socket.unshift(held)
    if (dialled !== undefined && dialled !== spoken) dialled.destroy()
    onKind(kind, spoken)
  }
  const onData = (chunk: Buffer) => {
    held = held.length === 0 ? chunk : Buffer.concat([held, chunk])
    const kind = kindOf(held)
    if (kind !== "more") done(kind)
  }
  const forgetDialled = () => {
    dialled?.destroy()
    dialled = undefined
  }
  const dial = () => {
    if (decided || socket.destroyed) return
    const upstream = connectTo(target)
    dialled = upstream
    hold(upstream)
    const forget = () => {
      upstream.destroy()
      if (dialled === upstream) dialled = undefined
    }
    upstream.on("error", forget)
    upstream.once("end", forget)
    upstream.once("data", (greeting: Buffer) => {
      if (decided) return
      upstream.off("error", forget)
      upstream.off("end", forget)
      upstream.pause()
      upstream.unshift(greeting)
      done("opaque", upstream)
    })
  }
  const timer = setTimeout(dial, DIAL_QUIET_MS)
  socket.once("close", forgetDialled)
  const early = kindOf(held)
  if (early !== "more") return done(early)
  socket.on("data", onData)
  socket.resume()
}

/** Passes a tunnel on unread, both ways: on the connection whose destination spoke first, or a new one to the checked addresses. */
const passThrough = (socket: Duplex, target: TunnelTarget, hold: (socket: Net.Socket) => void, spoken?: Net.Socket) => {
  const join = () => {
    upstream.pipe(socket)
    socket.pipe(upstream)
    socket.resume()
  }
  const upstream = spoken ?? connectTo(target, join)
  if (spoken === undefined) hold(upstream)
  upstream.on("error", () => socket.destroy())
  socket.on("error", () => upstream.destroy())
  socket.once("close", () => upstream.destroy())
  if (spoken !== undefined) join()
}

/** A tunnel being read: where its requests must go. */
interface Opened extends TunnelTarget {
  readonly scheme: "http" | "https"
}

const plainText = (response: Http.ServerResponse, status: number, text: string) => {
  if (response.headersSent) return void response.destroy()
  response.writeHead(status, { "content-type": "text/plain", "content-length": String(Buffer.byteLength(text)) }).end(text)
}

/** Whether an inner request's `Host` (or absolute target) names the tunnel's destination. */
const sameDestination = (request: Http.IncomingMessage, opened: Opened): boolean => {
  const defaultPort = opened.scheme === "https" ? 443 : 80
  const authorityOk = (authority: string) => {
    let url: URL
    try {
      url = new URL(`${opened.scheme}://${authority}`)
    } catch {
      return false
    }
    return normalizeHost(url.hostname) === normalizeHost(opened.host) && (url.port === "" ? defaultPort : Number(url.port)) === opened.port
  }
  const target = request.url ?? ""
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    try {
      const url = new URL(target)
      if (url.protocol !== `${opened.scheme}:`) return false
      return authorityOk(url.host)
    } catch {
      return false
    }
  }
  const host = request.headers.host
  return host === undefined || authorityOk(host)
}

/** The request's path and query as sent, and the path alone for the destinations. */
const pathOf = (request: Http.IncomingMessage): { readonly path: string; readonly pathOnly: string } => {
  const target = request.url ?? "/"
  const path = /^[a-z][a-z0-9+.-]*:\/\//i.test(target) ? target.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, "") || "/" : target
  const query = path.search(/[?#]/)
  return { path, pathOnly: query === -1 ? path : path.slice(0, query) }
}

/** The answer on a raw socket when the destination cannot be reached. */
const MITM_BAD_GATEWAY = "HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\ncontent-length: 19\r\n\r\nmitm upstream error"

/**
 * A request to the destination, or undefined should Node refuse to make it
 * (it throws for a header value it will not send, and a translated value
 * is the environment's, not the parser's): thrown in the HTTP server's
 * event, that would end the server.
 */
const requestOrUndefined = (make: () => Http.ClientRequest): Http.ClientRequest | undefined => {
  try {
    return make()
  } catch {
    return undefined
  }
}

/**
 * An answer's status line and headers as it sent them, for a socket taken
 * out of the HTTP server's hands; without the ones `kept` lacks (a length
 * a restored body no longer has).
 */
const rawHead = (answer: Http.IncomingMessage, kept?: Http.IncomingHttpHeaders): string => {
  const lines = [`HTTP/1.1 ${answer.statusCode} ${answer.statusMessage}`]
  for (let i = 0; i < answer.rawHeaders.length; i += 2) {
    if (kept !== undefined && !(answer.rawHeaders[i]!.toLowerCase() in kept)) continue
    lines.push(`${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}`)
  }
  return `${lines.join("\r\n")}\r\n\r\n`
}

/**
 * Starts a process's interception in the current scope (its connections
 * close with it); `hold` registers each connection it opens to a
 * destination as the process's (the proxies' `Evaluator.hold`).
 */
export const make = (
  masked: MaskedCredentials,
  authority: MitmAuthority,
  hold: (socket: Net.Socket) => void
): Effect.Effect<Interceptor, never, Scope.Scope> =>
  Effect.gen(function*() {
    const opened = new WeakMap<Duplex, Opened>()
    const sockets = new Set<Duplex>()
    yield* Effect.addFinalizer(() => Effect.sync(() => {
      for (const socket of sockets) socket.destroy()
    }))

    const upstreamOptions = (target: Opened, request: Http.IncomingMessage, headers: Http.OutgoingHttpHeaders, path: string) => ({
      host: target.host,
      port: target.port,
      lookup: lookupOf(target.addresses),
      method: request.method,
      path,
      headers,
      setHost: false,
      agent: false as const,
      ...(target.scheme === "https"
        ? { servername: Net.isIP(target.host) === 0 ? target.host : undefined, secureContext: authority.upstreamContext, ALPNProtocols: ["http/1.1"] }
        : {})
    })

    /**
     * The request's headers for the real destination: hop-by-hop ones dropped (but an upgrade's), dummies translated
     * where bound; and what its answer must have put back (reflection.ts).
     */
    const headersFor = (target: Opened, request: Http.IncomingMessage, pathOnly: string, upgrade: boolean) => {
      const headers: Record<string, string | Array<string>> = {}
      for (const [name, value] of Object.entries(request.headers)) {
        if (value === undefined) continue
        if (HOP_BY_HOP.has(name) && !(upgrade && (name === "connection" || name === "upgrade"))) continue
        headers[name] = value
      }
      // HTTP/1.0 may name no host: the tunnel's, or the real value would go to whichever site the address serves by default.
      if (headers.host === undefined) {
        const defaultPort = target.scheme === "https" ? 443 : 80
        headers.host = `${Net.isIPv6(target.host) ? `[${target.host}]` : target.host}${target.port === defaultPort ? "" : `:${target.port}`}`
      }
      const requestTarget: RequestTarget = { scheme: target.scheme, host: normalizeHost(target.host), port: target.port, path: pathOnly }
      return { headers, restorations: translateInto(masked, requestTarget, request.headers, headers) }
    }

    const server = Http.createServer((request, response) => {
      const target = opened.get(request.socket)
      if (target === undefined) return void response.destroy()
      if (!sameDestination(request, target)) return plainText(response, 400, "host mismatch")
      const { path, pathOnly } = pathOf(request)
      const { headers: sent, restorations } = headersFor(target, request, pathOnly, false)
      const upstream = requestOrUndefined(() => (target.scheme === "https" ? Https : Http).request(
        upstreamOptions(target, request, sent, path),
        (answer) => {
          const restored = restoreAnswer(answer.headers, restorations)
          const headers = Object.fromEntries(
            Object.entries(restored.headers).filter(([name]) => !HOP_BY_HOP.has(name) && name !== "proxy-authenticate")
          )
          response.writeHead(answer.statusCode ?? 502, restoreText(answer.statusMessage ?? "", restorations), headers as Http.OutgoingHttpHeaders)
          // An answer cut short (a reset mid-body reports no error) ends the client's response too.
          pipeAnswer(answer, restored.body, response)
        }
      ))
      if (upstream === undefined) return plainText(response, 502, "mitm upstream error")
      upstream.once("socket", hold)
      upstream.on("error", () => plainText(response, 502, "mitm upstream error"))
      response.once("close", () => upstream.destroy())
      request.pipe(upstream)
    })
    // A nested CONNECT would leave the destination this tunnel was checked for.
    server.on("connect", (_request: Http.IncomingMessage, socket: Duplex) => {
      socket.end("HTTP/1.1 405 Method Not Allowed\r\ncontent-type: text/plain\r\ncontent-length: 32\r\n\r\nCONNECT not supported inside MITM")
    })
    // An upgrade (a WebSocket) goes on with its translated headers; after the 101 the bytes pass as they are.
    server.on("upgrade", (request: Http.IncomingMessage, socket: Duplex, head: Buffer) => {
      const target = opened.get(request.socket)
      socket.on("error", () => socket.destroy())
      if (target === undefined || !sameDestination(request, target)) {
        return void socket.end("HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\ncontent-length: 13\r\n\r\nhost mismatch")
      }
      const { path, pathOnly } = pathOf(request)
      const { headers: sent, restorations } = headersFor(target, request, pathOnly, true)
      const upstream = requestOrUndefined(() => (target.scheme === "https" ? Https : Http).request(upstreamOptions(target, request, sent, path)))
      if (upstream === undefined) return void socket.end(MITM_BAD_GATEWAY)
      upstream.once("socket", hold)
      upstream.on("upgrade", (answer, upstreamSocket, upstreamHead) => {
        // After the 101 the bytes pass as they are (a WebSocket's frames): only its head is restored.
        socket.write(restoreText(rawHead(answer), restorations))
        if (upstreamHead.length > 0) socket.write(upstreamHead)
        if (head.length > 0) upstreamSocket.write(head)
        upstreamSocket.pipe(socket)
        socket.pipe(upstreamSocket)
        upstreamSocket.on("error", () => socket.destroy())
        socket.once("close", () => upstreamSocket.destroy())
      })
      upstream.on("response", (answer) => {
        // Not upgraded: the answer as it is, then the end (or the client's end, if it is cut short).
        const restored = restoreAnswer(answer.headers, restorations)
        socket.write(restoreText(rawHead(answer, restored.headers), restorations))
        pipeAnswer(answer, restored.body, socket)
      })
      upstream.on("error", () => socket.end(MITM_BAD_GATEWAY))
      socket.once("close", () => upstream.destroy())
      upstream.end()
    })

    const read = (socket: Duplex, target: Opened) => {
      opened.set(socket, target)
      sockets.add(socket)
      socket.once("close", () => sockets.delete(socket))
      // Node's documented way to hand a server any duplex stream as a connection.
      server.emit("connection", socket)
      socket.resume()
    }

    const serve = (socket: Duplex, target: TunnelTarget, head: Buffer) => {
      socket.on("error", () => socket.destroy())
      sockets.add(socket)
      socket.once("close", () => sockets.delete(socket))
      const wanted = masked.intercepts(normalizeHost(target.host), target.port)
      detect(socket, target, head, hold, (kind, spoken) => {
        if (socket.destroyed) return void spoken?.destroy()
        if (kind === "http" && wanted.http) return read(socket, { ...target, scheme: "http" })
        if (kind !== "tls" || !wanted.tls) return passThrough(socket, target, hold, spoken)
        authority.contextFor(normalizeHost(target.host)).then(
          (secureContext) => {
            if (socket.destroyed) return
            // A throw here would be an unhandled rejection, which ends the server.
            try {
              const tls = new Tls.TLSSocket(socket, { isServer: true, secureContext, ALPNProtocols: ["http/1.1"] })
              tls.on("error", () => socket.destroy())
              read(tls, { ...target, scheme: "https" })
            } catch {
              socket.destroy()
            }
          },
          () => socket.destroy()
        )
      })
    }

    return {
      wants: (host, port) => {
        const wanted = masked.intercepts(normalizeHost(host), port)
        return wanted.tls || wanted.http
      },
      serve,
      translate: masked.translate,
      bound: masked.bound
    }
  })
