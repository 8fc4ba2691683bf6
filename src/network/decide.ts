/**
 * The evaluation both of a process's proxies make of a request (issue 46;
 * docs/PROTOCOL.md, "The managed network proxy"): the host's rules, the
 * client when they say to ask, the resolved addresses when they must be
 * public, whether they are one of the server's own listeners (never
 * reached), then the mode, each step that decides reported as a note. The
 * HTTP proxy turns a refusal into the reference's 403, the SOCKS5 proxy
 * into its reply 2; an allowed request goes to the addresses resolved
 * here, through `lookupOf`, so a second lookup cannot take it elsewhere.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberSet from "effect/FiberSet"
import type * as Scope from "effect/Scope"
import type { Duplex } from "node:stream"
import * as Dns from "node:dns"
import * as Net from "node:net"
import type { Interceptor } from "./credentials/interception.js"
import { InternalError, internalErrorFrom } from "../protocol/errors.js"
import type { ProxyCredential } from "./proxyCredential.js"
import type { ProxyShare } from "./proxyBudget.js"
import { addressRefusal, type HostDecision, normalizeHost, type RefusalReason } from "./hostPolicy.js"
import type { IpProtocol } from "../procfs/socketTable.js"
import { isServerListener as servedByThisProcess } from "./serverListeners.js"
import { isOtherExecServerListener } from "./execServerListeners.js"
import { holdUpstream, type UpstreamOwner } from "../sandbox/proxiedConnections.js"

/** How a request reaches the proxy (the reference's `protocol`). */
export type ProxyProtocol = "http" | "https_connect" | "socks5_tcp" | "socks5_udp"

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
  /** The HTTP method; the reference sends none for SOCKS. */
  readonly method?: string
  readonly client: string
  /** True when the client's `allow` let through a host the rules did not. */
  readonly policyOverride: boolean
}

/** What a process's proxies decide with. */
export interface DecideOptions {
  /** The policy's decision for a host (`makePolicy`). */
  readonly decide: (host: string) => HostDecision
  readonly allowLocalBinding: boolean
  /** `limited`: only GET, HEAD and OPTIONS, no tunnels, no SOCKS but to port 443 (which needs MITM, so refused too). */
  readonly mode: "full" | "limited"
  /** Asks the client about a host; never fails (an error or no answer is `error`). */
  readonly ask: (request: { readonly protocol: ProxyProtocol; readonly host: string; readonly port: number }) => Effect.Effect<ClientAnswer>
  /** The addresses of a name (none when it does not resolve). */
  readonly resolve: (host: string) => Effect.Effect<ReadonlyArray<string>>
  /** Told of every decision. */
  readonly report: (note: DecisionNote) => void
  /** Looks into the tunnels and requests masked credentials are bound to (none: nothing is looked into). */
  readonly interceptor?: Interceptor | undefined
  /**
   * Whether a destination is served by this process (serverListeners.ts, the
   * default): never connected to, whatever the rules say. A test whose
   * targets listen in its own process gives another.
   */
  readonly isServerListener?: ((address: string, port: number, protocol: IpProtocol) => boolean) | undefined
  /** Whether a TCP destination is another exec-server's on the host (execServerListeners.ts, the default). */
  readonly isOtherExecServerListener?: ((address: string, port: number) => boolean) | undefined
  /** The process the proxy serves: its upstream connections are registered for the own-server refusal (sandbox/proxiedConnections.ts). */
  readonly owner?: UpstreamOwner | undefined
  /**
   * What a client must present (proxyCredential.ts); a process's proxies
   * always have one. Without: anyone is served (a test of the proxy alone).
   */
  readonly credential?: ProxyCredential | undefined
  /** The process's share of the proxies' descriptors (proxyBudget.ts), one for all its proxies; without, each proxy has one of its own. */
  readonly share?: ProxyShare | undefined
}

/** One request to evaluate: where it goes and who asks. */
export interface ProxyRequest {
  readonly protocol: ProxyProtocol
  readonly host: string
  readonly port: number
  /** The HTTP method (none for SOCKS). */
  readonly method?: string
  /** Who sent it, as the notes say (`127.0.0.1:port`, or what a handed-over connection was given). */
  readonly client: string
}

/** The outcome of a request's evaluation. */
export type Verdict =
  /** To these addresses (checked, when the rules said so), tried in turn; none when the name did not resolve. */
  | { readonly _tag: "Forward"; readonly addresses: ReadonlyArray<string> }
  | Refusal

/** A refused request, in the reference's words (already reported). */
export interface Refusal {
  readonly _tag: "Refuse"
  readonly host: string
  readonly port: number
  readonly protocol: ProxyProtocol
  readonly source: DecisionNote["source"]
  readonly reason: string
  /** The HTTP proxy's `x-proxy-error`. */
  readonly header: string
  readonly message: string
  /** The HTTP proxy answers the message as plain text (the reference's MITM refusal) rather than its JSON body. */
  readonly plainText: boolean
}

/**
 * **(ours)** The words of the refusal of a destination one of this
 * server's own sockets serves (issue 67; the reference has no such check).
 */
export const SERVER_LISTENER = {
  reason: "server_listener",
  header: "blocked-by-server-listener",
  message: "The exec-server's own listeners are not reachable through its proxies."
} as const

/**
 * **(ours)** The words of the refusal of a destination another exec-server
 * on the host listens at (issue 82; execServerListeners.ts).
 */
export const EXEC_SERVER_LISTENER = {
  reason: "exec_server_listener",
  header: "blocked-by-exec-server-listener",
  message: "Other exec-servers' listeners on this host are not reachable through its proxies."
} as const

/** The reference's words for each refusal of the rules. */
export const REFUSALS: Record<RefusalReason, { readonly header: string; readonly message: string }> = {
  denied: { header: "blocked-by-denylist", message: "Domain denied by the sandbox policy." },
  not_allowed: { header: "blocked-by-allowlist", message: "Domain not in allowlist." },
  not_allowed_local: { header: "blocked-by-allowlist", message: "Sandbox policy blocks local/private network addresses." }
}

const LIMITED_METHODS = new Set(["GET", "HEAD", "OPTIONS"])

/** The one SOCKS TCP port limited mode looks further at (as HTTPS, which needs MITM). */
const HTTPS_PORT = 443

/** The resolver of the host system. */
export const systemResolve = (host: string): Effect.Effect<ReadonlyArray<string>> =>
  Net.isIP(host) !== 0
    ? Effect.succeed([host])
    : Effect.promise(() =>
      Dns.promises.lookup(host, { all: true, verbatim: true }).then((found) => found.map((entry) => entry.address), () => [])
    )

/**
 * Evaluates one request: the mode first for what limited mode never lets
 * through (SOCKS other than to port 443, every SOCKS datagram), then the
 * host's rules, the client when they say to ask, the resolved addresses
 * when they must be public, the server's own listeners (**ours**: refused
 * whatever allowed them), then the mode again. Every step that decides is
 * reported, in the reference's order.
 */
export const evaluate = (options: DecideOptions, request: ProxyRequest): Effect.Effect<Verdict> =>
  Effect.gen(function*() {
    const host = normalizeHost(request.host)
    // Effect's clock, as every other time of the server (a TestClock drives it).
    const note = (
      fields: Pick<DecisionNote, "decision" | "source" | "reason"> & { readonly scope?: DecisionNote["scope"]; readonly policyOverride?: boolean }
    ) =>
      Effect.map(Clock.currentTimeMillis, (now) =>
        options.report({
          timestamp: new Date(now).toISOString(),
          scope: fields.scope ?? "domain",
          decision: fields.decision,
          source: fields.source,
          reason: fields.reason,
          protocol: request.protocol,
          host,
          port: request.port,
          ...(request.method === undefined ? {} : { method: request.method }),
          client: request.client,
          policyOverride: fields.policyOverride ?? false
        }))
    const refuse = (
      source: DecisionNote["source"],
      reason: string,
      words: { readonly header: string; readonly message: string },
      extra: { readonly decision?: "deny" | "ask"; readonly scope?: DecisionNote["scope"]; readonly plainText?: boolean } = {}
    ): Effect.Effect<Refusal> =>
      Effect.as(note({ decision: extra.decision ?? "deny", source, reason, ...(extra.scope === undefined ? {} : { scope: extra.scope }) }), {
        _tag: "Refuse" as const,
        host,
        port: request.port,
        protocol: request.protocol,
        source,
        reason,
        header: words.header,
        message: words.message,
        plainText: extra.plainText ?? false
      })
    const methodNotAllowed = () =>
      refuse("mode_guard", "method_not_allowed", { header: "blocked-by-method-policy", message: "Method not allowed in limited mode." }, {
        scope: "non_domain"
      })
    const limited = options.mode === "limited"
    // The reference refuses these before it looks at the host: a single non_domain note.
    if (limited && (request.protocol === "socks5_udp" || (request.protocol === "socks5_tcp" && request.port !== HTTPS_PORT))) {
      return yield* methodNotAllowed()
    }
    let decision = options.decide(host)
    let source: DecisionNote["source"] = "baseline_policy"
    let overridden = false
    if (decision._tag === "Ask") {
      source = "decider"
      const answer = yield* options.ask({ protocol: request.protocol, host, port: request.port })
      if (answer.type === "error") return yield* refuse(source, "not_allowed", REFUSALS.not_allowed)
      if (answer.type !== "allow") {
        return yield* refuse(source, answer.reason, { header: "blocked-by-policy", message: "Request blocked by network policy." }, {
          decision: answer.type
        })
      }
      decision = { _tag: "Allow", checkAddresses: decision.checkAddresses }
      overridden = true
    }
    if (decision._tag === "Refuse") return yield* refuse(source, decision.reason, REFUSALS[decision.reason])
    const addresses = yield* options.resolve(host)
    if (decision.checkAddresses) {
      const refused = addressRefusal(addresses, options.allowLocalBinding)
      // The address check is the baseline's, even after the client's allow (as the reference reports it).
      if (refused !== undefined) return yield* refuse("baseline_policy", refused, REFUSALS[refused])
    }
    // Whatever allowed it: the server's own listeners would take the proxy's connection for the server's.
    const isServerListener = options.isServerListener ?? servedByThisProcess
    const ipProtocol = request.protocol === "socks5_udp" ? "udp" : "tcp"
    if (addresses.some((address) => isServerListener(address, request.port, ipProtocol))) {
      return yield* refuse("baseline_policy", SERVER_LISTENER.reason, SERVER_LISTENER)
    }
    // Nor another exec-server's: it would take the connection for this server's (unconfined) and start processes for it.
    const isOtherExecServer = options.isOtherExecServerListener ?? isOtherExecServerListener
    if (ipProtocol === "tcp" && addresses.some((address) => isOtherExecServer(address, request.port))) {
      return yield* refuse("baseline_policy", EXEC_SERVER_LISTENER.reason, EXEC_SERVER_LISTENER)
    }
    // The reference reports a client's allow as overriding the baseline's not_allowed.
    yield* note(overridden ? { decision: "allow", source, reason: "not_allowed", policyOverride: true } : { decision: "allow", source, reason: "allow" })
    if (limited) {
      if (request.protocol === "https_connect" || request.protocol === "socks5_tcp") {
        return yield* refuse("mode_guard", "mitm_required", { header: "blocked-by-mitm-required", message: "MITM required for limited HTTPS." }, {
          scope: "non_domain",
          plainText: true
        })
      }
      if (request.protocol === "http" && !LIMITED_METHODS.has(request.method ?? "")) return yield* methodNotAllowed()
    }
    return { _tag: "Forward", addresses }
  })

/**
 * Starts evaluations in a proxy's scope: `onVerdict` is called with each
 * verdict, `onDrop` when one dies (a broken resolver or client: the one
 * request is dropped and the proxy goes on) or is interrupted; the
 * returned function interrupts it (its connection went away), and closing
 * the scope interrupts them all, so no verdict arrives once the proxy is
 * closed.
 */
export type Evaluator = ((request: ProxyRequest, onVerdict: (verdict: Verdict) => void, onDrop: () => void) => () => void) & {
  /** What looks into the allowed tunnels and requests masked credentials are bound to. */
  readonly interceptor?: Interceptor | undefined
  /** Registers an upstream socket opened for the proxy's process (sandbox/proxiedConnections.ts), until it closes. */
  readonly hold: (socket: Net.Socket) => void
}

/** An `Evaluator` of these options, for the current scope. */
export const makeEvaluator = (options: DecideOptions): Effect.Effect<Evaluator, never, Scope.Scope> =>
  Effect.map(FiberSet.makeRuntime<never, Verdict, never>(), (run): Evaluator => Object.assign((request: ProxyRequest, onVerdict: (verdict: Verdict) => void, onDrop: () => void) => {
    // Interruptible even when the proxy was made in an uninterruptible region
    // (a process's start): the fibers inherit its flags, and a question's
    // timeout or a gone connection must be able to end an evaluation.
    // Started in a later turn, as on Effect 3 (Effect 4 runs a forked fiber at
    // once): the verdict never arrives before the caller has its cancel.
    const fiber = run(Effect.andThen(Effect.yieldNow, Effect.interruptible(evaluate(options, request))))
    fiber.addObserver((exit) => {
      // Called on the fiber's completion: a throw here must not reach the scheduler.
      try {
        if (Exit.isSuccess(exit)) onVerdict(exit.value)
        else onDrop()
      } catch {
        onDrop()
      }
    })
    return () => {
      Effect.runFork(Fiber.interrupt(fiber))
    }
  }, {
    interceptor: options.interceptor,
    hold: (socket: Net.Socket) => {
      if (options.owner !== undefined) holdUpstream(socket, options.owner)
    }
  }))

/**
 * A lookup that answers with the addresses already resolved (and checked):
 * the connection never asks DNS again, and tries each in turn (a name's
 * IPv6 and IPv4 addresses, whichever answers).
 *
 * It answers on a later turn of the event loop, as DNS does: Node's HTTP
 * client listens for its socket's errors only on the tick after it made the
 * socket, so an answer given at once let a connect that fails at once
 * (ENETUNREACH: an IPv6-only name on an IPv4-only host) report its error
 * before anyone listened, an uncaught `'error'` that ended the server.
 */
export const lookupOf = (addresses: ReadonlyArray<string>): Net.LookupFunction =>
  ((_hostname: string, options: { readonly all?: boolean }, callback: (...args: ReadonlyArray<unknown>) => void) => {
    const entries = addresses.map((address) => ({ address, family: Net.isIPv6(address) ? 6 : 4 }))
    setImmediate(() => {
      if (entries.length === 0) return callback(Object.assign(new Error("the host did not resolve"), { code: "ENOTFOUND" }))
      if (options.all === true) return callback(null, entries)
      callback(null, entries[0]!.address, entries[0]!.family)
    })
  }) as unknown as Net.LookupFunction

/** A proxy's connections, however they came, and whether its scope has closed. */
export interface Connections {
  readonly sockets: Set<Duplex>
  readonly closed: () => boolean
}

/**
 * Listens with `server` on a free port of 127.0.0.1 until the scope
 * closes; then the server stops listening and every connection in
 * `sockets` (the proxy adds those it serves) is destroyed.
 */
export const listenOnLoopback = (server: Net.Server): Effect.Effect<Connections & { readonly port: number }, InternalError, Scope.Scope> =>
  Effect.gen(function*() {
    const sockets = new Set<Duplex>()
    let closed = false
    const port = yield* Effect.callback<number, InternalError>((resume) => {
      const failed = (error: Error) => resume(Effect.fail(internalErrorFrom(error, "network proxy: cannot listen on 127.0.0.1")))
      server.once("error", failed)
      server.listen(0, "127.0.0.1", () => {
        server.off("error", failed)
        // A failed accept (EMFILE: a process opened more connections than the
        // server has descriptors) loses that one connection; the listener goes
        // on, and an 'error' nobody listened to would end the server.
        server.on("error", () => {})
        resume(Effect.succeed((server.address() as Net.AddressInfo).port))
      })
      return Effect.sync(() => void server.close())
    })
    yield* Effect.addFinalizer(() =>
      Effect.callback<void>((resume) => {
        closed = true
        server.close(() => resume(Effect.void))
        for (const socket of sockets) socket.destroy()
      })
    )
    return { port, sockets, closed: () => closed }
  })
