/**
 * A process's managed network proxy (issue 46): its HTTP proxy and, when
 * asked for, its SOCKS5 proxy, on loopback ports of their own, deciding by
 * the process's rules, asking the session's client where they say to,
 * reporting every decision (`network/policyDecision`, a metric, a debug
 * line, the console's recent list), and the environment that points the
 * child at them, with the process's own credential (issue 67: no other
 * local process may use them). Everything lives in the scope it is made
 * in: the process's, so the proxies go with the process.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { Duplex } from "node:stream"
import { type ClientNotify, type ClientRequestFailed, requestOf } from "../jsonrpc/clientMessages.js"
import * as Metrics from "../observability/metrics.js"
import type { NetworkProxyLaunch, PolicyDecisionNotification } from "../protocol/networkSchema.js"
import { NetworkPolicyDecision, NetworkPolicyRequest } from "../protocol/rpcs.js"
import * as HttpProxy from "./HttpProxy.js"
import * as Socks5Proxy from "./Socks5Proxy.js"
import { type AskBudget, makeAsker } from "./policyAsks.js"
import { makePolicy } from "./hostPolicy.js"
import { makeCredential } from "./proxyCredential.js"
import { makeProxyShare } from "./proxyBudget.js"
import { proxyEnvironment } from "./proxyEnvironment.js"
import type { TcpUpstreamProxy } from "./tcpUpstream.js"
import { holdUpstream, type UpstreamOwner } from "../sandbox/proxiedConnections.js"
import { CA_VARIABLES } from "./credentials/caVariables.js"
import { DummyMemory } from "./credentials/dummyMemory.js"
import type { MaskedCredentials } from "./credentials/broker.js"
import type { CredentialSource } from "./credentials/providers.js"
import { protectMemory } from "../native/protectMemory.js"
import { InternalError } from "../protocol/errors.js"

/**
 * How the proxies resolve names: the system's resolver unless an
 * application (or a test) provides another, e.g. one that maps a name to
 * a chosen address with no DNS.
 */
export const HostResolver = Context.Reference<{ readonly resolve: (host: string) => Effect.Effect<ReadonlyArray<string>> }>(
  "effect-exec-server/HostResolver",
  { defaultValue: () => ({ resolve: HttpProxy.systemResolve }) }
)

/** The session's client, as a process's proxy reaches it (nobody while the session is detached). */
export interface ProxyClient {
  /** Sends a notification (`ConnectionService.notify` of the session's connection). */
  readonly notify: ClientNotify
  /** Sends a request of the server's; fails when there is no client or it answers an error. */
  readonly request: (method: string, params: unknown) => Effect.Effect<unknown, ClientRequestFailed>
}

/** What a managed proxy is made for. */
export interface ManagedProxyOptions {
  readonly processId: string
  readonly launch: NetworkProxyLaunch
  readonly client: ProxyClient
  /** The session's budget of questions in flight. */
  readonly asks: AskBudget
  /** The child's environment as resolved, before the proxy's. */
  readonly environment: Readonly<Record<string, string>>
  /** The session's dummies (credential masking). */
  readonly dummies: DummyMemory
  /** The server's own environment: where `CODEX_HOME` is, and the CAs it was told to trust. */
  readonly serverEnvironment: Readonly<Record<string, string | undefined>>
  /** The start's environment masked before its shell snapshot was captured (`maskBeforeHelpers`), whose dummies `environment` holds. */
  readonly premasked?: MaskedCredentials | undefined
  /** Whether the process runs in a sandbox: its proxied connections are refused by the server's listeners as it would be. */
  readonly sandboxed: boolean
  /** The operator's mandatory upstream for SOCKS5 TCP (`--tcp-upstream-proxy`), if any. */
  readonly tcpUpstream?: TcpUpstreamSettings | undefined
}

/** The server's `--tcp-upstream-proxy` and `--proxy-private-ips-via-upstream`. */
export interface TcpUpstreamSettings {
  readonly proxy: TcpUpstreamProxy
  readonly privateIps: boolean
}

/** One of a process's proxies, as the sandbox bridge hands it connections. */
export interface ProxyListener {
  readonly port: number
  /** Serves a connection that came another way (the bridge's Unix socket), reported as from `client`. */
  readonly serve: (socket: Duplex, client: string) => void
}

/** A process's proxies while they run. */
export interface ManagedProxy {
  /** The child's whole environment: its own, credentials masked when asked, and the proxies'. */
  readonly environment: Readonly<Record<string, string>>
  readonly listeners: ReadonlyArray<ProxyListener>
  /** The SOCKS5 proxy's port and the credential it takes (transparent TCP's relay uses them), when it runs. */
  readonly socks: { readonly port: number; readonly username: string; readonly password: string } | undefined
  /** The latest decisions, oldest first (the console shows them). */
  readonly recentDecisions: () => ReadonlyArray<PolicyDecisionNotification>
  /** Told the process's pid once it is spawned: only its tree's sockets may send a SOCKS5 association's datagrams. */
  readonly spawned: (pid: number) => void
}

/** Decisions a process keeps for the console. */
export const RECENT_DECISIONS = 50

/** The proxy's own variables, and the CA ones when masking: a CA variable the client set to a file of its own is kept. */
const proxiedEnvironment = (
  masked: Readonly<Record<string, string>>,
  proxyVariables: Readonly<Record<string, string>>,
  bundlePath: string | undefined,
  serverEnvironment: Readonly<Record<string, string | undefined>>
): Record<string, string> => {
  const environment = { ...masked, ...proxyVariables }
  if (bundlePath === undefined) return environment
  for (const name of CA_VARIABLES) {
    const given = masked[name]
    if (given === undefined || given === "" || given === serverEnvironment[name] || given === bundlePath) environment[name] = bundlePath
  }
  return environment
}

/** The custom providers that hold; why each other one does not (the reference drops it, and so do we). */
const customSources = (launch: NetworkProxyLaunch) =>
  Effect.map(Effect.promise(() => import("./credentials/providers.js")), (Providers) => {
    const sources: Array<CredentialSource> = []
    const dropped: Array<{ readonly provider: string; readonly error: string }> = []
    for (const [name, config] of Object.entries(launch.proxy.credentialProviders ?? {})) {
      const compiled = Providers.compileProvider(name, config)
      if (compiled._tag === "Ok") sources.push(compiled.source)
      else dropped.push({ provider: name, error: compiled.message })
    }
    return { sources, dropped }
  })

/**
 * A masked start's environment as what the server runs for it before the
 * process itself gets (its shell snapshot's capture, which runs login
 * files the process may have written): the dummies the process will have,
 * never a real value. The server's memory is protected first (see
 * protectMemory): the capture may run unsandboxed. The result seeds the
 * process's own masking (`premasked`), so its dummies and destinations are
 * these.
 */
export const maskBeforeHelpers = (options: {
  readonly environment: Readonly<Record<string, string>>
  readonly launch: NetworkProxyLaunch
  /** The session's (none: the start's own dummies, kept by its process all the same). */
  readonly dummies: DummyMemory | undefined
}): Effect.Effect<MaskedCredentials> =>
  Effect.gen(function*() {
    yield* protectMemory
    const [{ sources }, Broker] = yield* Effect.zip(customSources(options.launch), Effect.promise(() => import("./credentials/broker.js")))
    return Broker.maskEnvironment({
      env: options.environment,
      custom: sources,
      memory: options.dummies ?? new DummyMemory(),
      allowLocalBinding: options.launch.proxy.allowLocalBinding
    })
  })

/**
 * Masks the child's credentials (`proxy.credentialMasking`): the custom
 * providers checked (one that does not hold is dropped with a warning, as
 * the reference drops it), the environment masked (after the server's
 * memory is protected: the child must not read the real values there), the
 * process's authority made ready, and what looks into the tunnels started.
 */
const masking = (options: ManagedProxyOptions, owner: UpstreamOwner) =>
  Effect.gen(function*() {
    yield* protectMemory
    const [Broker, Authority, Interception, CodexHome] = yield* Effect.promise(() =>
      Promise.all([
        import("./credentials/broker.js"),
        import("./credentials/authority.js"),
        import("./credentials/interception.js"),
        import("../codexConfig/codexHome.js")
      ])
    )
    const { dropped, sources } = yield* customSources(options.launch)
    for (const { error, provider } of dropped) {
      yield* Effect.logWarning("ignoring invalid credential provider").pipe(Effect.annotateLogs({ provider, error }))
    }
    const masked = Broker.maskEnvironment({
      env: options.environment,
      custom: sources,
      memory: options.dummies,
      allowLocalBinding: options.launch.proxy.allowLocalBinding,
      seed: options.premasked?.seed
    })
    for (const warning of masked.warnings) yield* Effect.logWarning(warning).pipe(Effect.annotateLogs({ processId: options.processId }))
    const authority = yield* Effect.tryPromise({
      try: () =>
        CodexHome.codexHomeOf(options.serverEnvironment, null).then((home) => Authority.authorityFor(home, options.serverEnvironment)),
      catch: (error) =>
        new InternalError({
          message: `failed to prepare the managed MITM CA for credential masking: ${error instanceof Error ? error.message : String(error)}`
        })
    })
    const interceptor = yield* Interception.make(masked, authority, (socket) => holdUpstream(socket, owner))
    return { masked, authority, interceptor }
  })

/** Starts a process's proxies in the current scope. */
export const make = (options: ManagedProxyOptions): Effect.Effect<ManagedProxy, InternalError, Scope.Scope> =>
  Effect.gen(function*() {
    const { launch, processId } = options
    const { proxy } = launch
    const resolver = yield* HostResolver
    const context = yield* Effect.context<never>()
    const askClient = launch.policyDecisionTimeoutMs !== undefined
    const ask = askClient
      ? yield* makeAsker({
        processId,
        timeoutMs: launch.policyDecisionTimeoutMs!,
        session: options.asks,
        request: (params) => requestOf(options.client.request, NetworkPolicyRequest, params)
      })
      : () => Effect.succeed({ type: "error" } as const)
    const recent: Array<PolicyDecisionNotification> = []
    const report = (note: HttpProxy.DecisionNote) => {
      const decision: PolicyDecisionNotification = { processId, ...note }
      recent.push(decision)
      if (recent.length > RECENT_DECISIONS) recent.shift()
      options.client.notify(NetworkPolicyDecision, decision)
      Metrics.bump(Metrics.networkDecisions, 1, Metrics.labelSet({ decision: note.decision, source: note.source, protocol: note.protocol }))
      Effect.runForkWith(context)(
        Effect.logDebug("network decision").pipe(
          Effect.annotateLogs({
            processId,
            decision: note.decision,
            source: note.source,
            reason: note.reason,
            protocol: note.protocol,
            host: note.host,
            port: note.port,
            ...(launch.executionId === undefined ? {} : { executionId: launch.executionId })
          })
        )
      )
    }
    const owner: UpstreamOwner = { processId, sandboxed: options.sandboxed }
    const credentials = proxy.credentialMasking === true ? yield* masking(options, owner) : undefined
    // The process's own: only what holds its environment uses its proxies.
    const credential = makeCredential()
    const decisions = {
      owner,
      credential,
      // One share of the proxies' descriptors for both proxies (and the bridge's and the relay's connections to them).
      share: makeProxyShare(),
      interceptor: credentials?.interceptor,
      decide: makePolicy({
        domains: proxy.domains ?? {},
        reviewDomains: proxy.reviewDomains ?? [],
        allowLocalBinding: proxy.allowLocalBinding,
        askClient
      }),
      allowLocalBinding: proxy.allowLocalBinding,
      mode: proxy.mode,
      ask,
      resolve: resolver.resolve,
      report
    }
    const http = yield* HttpProxy.make(decisions)
    // A mandatory upstream serves only the processes whose config allows one; the others' TCP is refused.
    const upstream = options.tcpUpstream === undefined
      ? undefined
      : { proxy: proxy.allowUpstreamProxy ? options.tcpUpstream.proxy : undefined, privateIps: options.tcpUpstream.privateIps }
    let pid: number | undefined
    const socks = proxy.enableSocks5
      ? yield* Socks5Proxy.make({ ...decisions, udp: proxy.enableSocks5Udp, upstream, processTree: () => pid })
      : undefined
    return {
      environment: proxiedEnvironment(
        credentials?.masked.environment ?? options.environment,
        proxyEnvironment({ httpPort: http.port, socksPort: socks?.port, allowLocalBinding: proxy.allowLocalBinding, credential }),
        credentials?.authority.bundlePath,
        options.serverEnvironment
      ),
      listeners: socks === undefined ? [http] : [http, socks],
      socks: socks === undefined ? undefined : { port: socks.port, username: credential.username, password: credential.password },
      recentDecisions: () => [...recent],
      spawned: (spawnedPid) => void (pid = spawnedPid)
    }
  })
