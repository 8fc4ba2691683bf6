/**
 * A process's HTTP proxy on loopback (issue 46): absolute-form requests are
 * forwarded and CONNECT tunnels opened only as the policy decides, each
 * decision reported; a refusal is the reference's 403 (a JSON body and an
 * `x-proxy-error` header, docs/PROTOCOL.md). A name is resolved once and the
 * connection goes to the address that was checked, so a second lookup
 * (DNS rebinding) cannot take it elsewhere.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import type * as Scope from "effect/Scope"
import * as Dns from "node:dns"
import * as Http from "node:http"
import * as Net from "node:net"
import type { Duplex } from "node:stream"
import { addressRefusal, type HostDecision, normalizeHost, type RefusalReason } from "./policy.js"

/** How a request reaches the proxy (the reference's `protocol`). */
export type ProxyProtocol = "http" | "https_connect"

/** What the client answered about a host (`network/policyRequest`), or that it could not. */
export type ClientAnswer =
  | { readonly type: "allow" }
  | { readonly type: "deny" | "ask"; readonly reason: string }
  | { readonly type: "error" }

/** One evaluated request, as `network/policyDecision` reports it (without the process id). */
export interface DecisionNote {
  readonly timestamp: string
  readonly scope: "domain" | "non_domain"
  readonly decision: "allow" | "deny" | "ask"
  readonly source: "baseline_policy" | "decider" | "mode_guard"
  readonly reason: string
  readonly protocol: ProxyProtocol
  readonly host: string
  readonly port: number
  readonly method: string
  readonly client: string
  readonly policyOverride: false
}

/** What a proxy decides with. */
export interface HttpProxyOptions {
  /** The policy's decision for a host (`makePolicy`). */
  readonly decide: (host: string) => HostDecision
  readonly allowLocalBinding: boolean
  /** `limited`: only GET, HEAD and OPTIONS, and no tunnels. */
  readonly mode: "full" | "limited"
  /** Asks the client about a host; never fails (an error or no answer is `error`). */
  readonly ask: (request: { readonly protocol: ProxyProtocol; readonly host: string; readonly port: number }) => Effect.Effect<ClientAnswer>
  /** The addresses of a name (none when it does not resolve). */
  readonly resolve: (host: string) => Effect.Effect<ReadonlyArray<string>>
  /** Told of every decision. */
  readonly report: (note: DecisionNote) => void
}

const LIMITED_METHODS = new Set(["GET", "HEAD", "OPTIONS"])

/** The reference's words for each refusal. */
const REFUSALS: Record<RefusalReason, { readonly header: string; readonly message: string }> = {
  denied: { header: "blocked-by-denylist", message: "Domain denied by the sandbox policy." },
  not_allowed: { header: "blocked-by-allowlist", message: "Domain not in allowlist." },
  not_allowed_local: { header: "blocked-by-allowlist", message: "Sandbox policy blocks local/private network addresses." }
}

/** The outcome of a request's evaluation. */
type Verdict =
  /** To these addresses (checked, when the rules said so), tried in turn. */
  | { readonly _tag: "Forward"; readonly addresses: ReadonlyArray<string> }
  | { readonly _tag: "Refuse"; readonly status: number; readonly header: string; readonly contentType: string; readonly body: string }

/** The resolver of the host system. */
export const systemResolve = (host: string): Effect.Effect<ReadonlyArray<string>> =>
  Net.isIP(host) !== 0
    ? Effect.succeed([host])
    : Effect.promise(() =>
      Dns.promises.lookup(host, { all: true, verbatim: true }).then((found) => found.map((entry) => entry.address), () => [])
    )

/**
 * Evaluates one request: the host's rules, the client when they say to ask,
 * the resolved addresses when they must be public, then the mode. Every
 * step that decides is reported.
 */
const evaluate = (
  options: HttpProxyOptions,
  request: { readonly protocol: ProxyProtocol; readonly host: string; readonly port: number; readonly method: string; readonly client: string }
): Effect.Effect<Verdict> =>
  Effect.gen(function*() {
    const host = normalizeHost(request.host)
    // Effect's clock, as every other time of the server (a TestClock drives it).
    const note = (fields: Pick<DecisionNote, "decision" | "source" | "reason"> & { readonly scope?: DecisionNote["scope"] }) =>
      Effect.map(Clock.currentTimeMillis, (now) => options.report({
        timestamp: new Date(now).toISOString(),
        scope: "domain",
        ...fields,
        protocol: request.protocol,
        host,
        port: request.port,
        method: request.method,
        client: request.client,
        policyOverride: false
      }))
    /** The reference's 403 with its JSON body, once the decision is reported. */
    const refuse = (
      decision: "deny" | "ask",
      source: DecisionNote["source"],
      reason: string,
      header: string,
      message: string,
      scope: DecisionNote["scope"] = "domain"
    ) =>
      Effect.as(note({ decision, source, reason, scope }), {
        _tag: "Refuse" as const,
        status: 403,
        header,
        contentType: "application/json",
        body: JSON.stringify({ status: "blocked", host, reason, decision: "deny", source, protocol: request.protocol, port: request.port, message })
      })
    let decision = options.decide(host)
    let source: DecisionNote["source"] = "baseline_policy"
    if (decision._tag === "Ask") {
      source = "decider"
      const answer = yield* options.ask({ protocol: request.protocol, host, port: request.port })
      if (answer.type === "error") return yield* refuse("deny", source, "not_allowed", REFUSALS.not_allowed.header, REFUSALS.not_allowed.message)
      if (answer.type !== "allow") return yield* refuse(answer.type, source, answer.reason, "blocked-by-policy", "Request blocked by network policy.")
      decision = { _tag: "Allow", checkAddresses: !options.allowLocalBinding }
    }
    if (decision._tag === "Refuse") {
      const { header, message } = REFUSALS[decision.reason]
      return yield* refuse("deny", source, decision.reason, header, message)
    }
    const addresses = yield* options.resolve(host)
    if (decision.checkAddresses) {
      const refused = addressRefusal(addresses, options.allowLocalBinding)
      if (refused !== undefined) return yield* refuse("deny", source, refused, REFUSALS[refused].header, REFUSALS[refused].message)
    }
    yield* note({ decision: "allow", source, reason: "allow" })
    if (options.mode === "limited") {
      if (request.protocol === "https_connect") {
        yield* note({ decision: "deny", source: "mode_guard", reason: "mitm_required", scope: "non_domain" })
        return { _tag: "Refuse", status: 403, header: "blocked-by-mitm-required", contentType: "text/plain", body: "MITM required for limited HTTPS." }
      }
      if (!LIMITED_METHODS.has(request.method)) {
        return yield* refuse("deny", "mode_guard", "method_not_allowed", "blocked-by-method-policy", "Method not allowed in limited mode.", "non_domain")
      }
    }
    // None (allowed as it is, or with local binding allowed, and not resolved): the connection fails as the lookup did.
    return { _tag: "Forward", addresses }
  })

/**
 * A lookup that answers with the addresses already resolved (and checked):
 * the connection never asks DNS again, and tries each in turn (a name's
 * IPv6 and IPv4 addresses, whichever answers).
 */
const lookupOf = (addresses: ReadonlyArray<string>): Net.LookupFunction =>
  ((_hostname: string, options: { readonly all?: boolean }, callback: (...args: ReadonlyArray<unknown>) => void) => {
    const entries = addresses.map((address) => ({ address, family: Net.isIPv6(address) ? 6 : 4 }))
    if (entries.length === 0) return callback(Object.assign(new Error("the host did not resolve"), { code: "ENOTFOUND" }))
    if (options.all === true) return callback(null, entries)
    callback(null, entries[0]!.address, entries[0]!.family)
  }) as unknown as Net.LookupFunction

/** The request and response headers a proxy does not pass on (hop by hop). */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"])

const forwardedHeaders = (headers: Http.IncomingHttpHeaders): Http.OutgoingHttpHeaders =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)))

const clientOf = (socket: Net.Socket): string => `${socket.remoteAddress}:${socket.remotePort}`

/** An HTTP response on a raw socket (a CONNECT's answer), then its end. */
const answerSocket = (socket: Duplex, status: number, reason: string, headers: Record<string, string>, body: string) => {
  const head = Object.entries({ ...headers, "content-length": String(Buffer.byteLength(body)) }).map(([name, value]) => `${name}: ${value}\r\n`).join("")
  socket.end(`HTTP/1.1 ${status} ${reason}\r\n${head}\r\n${body}`)
}

/** A listening proxy. */
export interface HttpProxy {
  /** Its port on 127.0.0.1. */
  readonly port: number
}

/** Listens on a free loopback port until the scope closes (then every connection through it is closed too). */
export const make = (options: HttpProxyOptions): Effect.Effect<HttpProxy, never, Scope.Scope> =>
  Effect.gen(function*() {
    const runtime = yield* Effect.runtime<never>()
    const run = Runtime.runPromise(runtime)
    const sockets = new Set<Net.Socket>()
    const server = Http.createServer((request, response) => {
      let target: URL
      try {
        target = new URL(request.url ?? "")
      } catch {
        return response.writeHead(400, { "content-type": "text/plain" }).end("an absolute-form request target is required\n")
      }
      if (target.protocol !== "http:") return response.writeHead(400, { "content-type": "text/plain" }).end("only http:// targets\n")
      const port = target.port === "" ? 80 : Number(target.port)
      void run(evaluate(options, { protocol: "http", host: target.hostname, port, method: request.method ?? "GET", client: clientOf(request.socket) })).then((verdict) => {
        if (verdict._tag === "Refuse") {
          return response.writeHead(verdict.status, { "content-type": verdict.contentType, "x-proxy-error": verdict.header }).end(verdict.body)
        }
        const upstream = Http.request({
          host: target.hostname,
          port,
          // Node tries each address in turn (autoSelectFamily is on by default since Node 20).
          lookup: lookupOf(verdict.addresses),
          method: request.method,
          path: `${target.pathname}${target.search}`,
          headers: forwardedHeaders(request.headers),
          setHost: false
        }, (answer) => {
          response.writeHead(answer.statusCode ?? 502, forwardedHeaders(answer.headers))
          answer.pipe(response)
        })
        upstream.on("error", () => {
          if (!response.headersSent) response.writeHead(502, { "content-type": "text/plain" }).end("upstream connection failed\n")
          else response.destroy()
        })
        request.pipe(upstream)
      }).catch(() => response.destroy())
    })
    server.on("connect", (request: Http.IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on("error", () => socket.destroy())
      const [host, portText] = splitAuthority(request.url ?? "")
      const port = Number(portText)
      if (host === "" || !Number.isInteger(port) || port <= 0 || port > 65535) {
        return answerSocket(socket, 400, "Bad Request", { "content-type": "text/plain" }, "CONNECT needs host:port\n")
      }
      void run(evaluate(options, { protocol: "https_connect", host, port, method: "CONNECT", client: clientOf(request.socket) })).then((verdict) => {
        if (verdict._tag === "Refuse") {
          return answerSocket(socket, verdict.status, "Forbidden", { "content-type": verdict.contentType, "x-proxy-error": verdict.header }, verdict.body)
        }
        const upstream = Net.connect({ host, port, lookup: lookupOf(verdict.addresses) }, () => {
          socket.write("HTTP/1.1 200 Connection Established\r\n\r\n")
          if (head.length > 0) upstream.write(head)
          upstream.pipe(socket)
          socket.pipe(upstream)
        })
        upstream.on("error", () => {
          if (upstream.connecting) answerSocket(socket, 502, "Bad Gateway", { "content-type": "text/plain" }, "upstream connection failed\n")
          else socket.destroy()
        })
        socket.on("close", () => upstream.destroy())
      }).catch(() => socket.destroy())
    })
    server.on("connection", (socket: Net.Socket) => {
      sockets.add(socket)
      socket.once("close", () => sockets.delete(socket))
    })
    const port = yield* Effect.async<number>((resume) => {
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed((server.address() as Net.AddressInfo).port)))
    })
    yield* Effect.addFinalizer(() =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
        for (const socket of sockets) socket.destroy()
      })
    )
    return { port }
  })

/** `host:port` of a CONNECT target (`[v6]:port` too). */
const splitAuthority = (authority: string): [string, string] => {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(authority)
  if (bracketed !== null) return [bracketed[1]!, bracketed[2]!]
  const colon = authority.lastIndexOf(":")
  return colon === -1 ? [authority, ""] : [authority.slice(0, colon), authority.slice(colon + 1)]
}
