/**
 * The client's side of the managed network proxy (docs/PROTOCOL.md, "The
 * managed network proxy"): the `networkProxy` of a start, in the
 * reference's raw form or a short one with its required booleans filled in,
 * and the decider that answers the server's `network/policyRequest` (the
 * Effect client's, and the Promise client's made into one).
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type {
  AuditMetadata,
  DomainRule,
  NetworkProxyConfig,
  NetworkProxyLaunch,
  PolicyDecision,
  PolicyRequestParams
} from "../protocol/networkSchema.js"

/**
 * Decides a host the server asks about (`network/policyRequest`): `allow`,
 * or `deny` / `ask` with a reason (both block the connection). A failure
 * or a defect is answered as an error, which the server takes as a denial;
 * so is no answer within the launch's `policyDecisionTimeoutMs` + 5 s.
 */
export type PolicyDecider = (request: PolicyRequestParams) => Effect.Effect<PolicyDecision, unknown>

/**
 * Decides a host the server asks about (`network/policyRequest`), as the
 * Effect client's `networkPolicyDecider` does: a decision, a Promise of one
 * (a rejection is answered as an error, which the server takes as a
 * denial), or an Effect. `signal` aborts when the answer is no longer
 * wanted (the connection it was asked on dropped, or the client closed).
 */
export type PromisePolicyDecider = (
  request: PolicyRequestParams,
  signal: AbortSignal
) => PolicyDecision | PromiseLike<PolicyDecision> | Effect.Effect<PolicyDecision, unknown>

/** The Effect client's decider of a Promise one (the Promise client's `networkPolicyDecider`). */
export const effectDecider = (decide: PromisePolicyDecider): PolicyDecider => (request) =>
  Effect.suspend(() => {
    const controller = new AbortController()
    const decided = decide(request, controller.signal)
    // Effect 4's guard says only `Effect<unknown, unknown, unknown>`; the decider's type says the rest.
    if (Effect.isEffect(decided)) return decided as Effect.Effect<PolicyDecision, unknown>
    // The rejection as it is: its message is what the error answer says.
    return Effect.tryPromise({ try: () => Promise.resolve(decided), catch: (error) => error }).pipe(
      Effect.onInterrupt(() => Effect.sync(() => controller.abort()))
    )
  })

/**
 * The client's decider, for a composition that makes it in a Layer (with
 * the services it needs) rather than passing `networkPolicyDecider` to the
 * client: `make` uses it when present and the option is not given.
 */
export class NetworkPolicyDecider extends Context.Service<NetworkPolicyDecider, PolicyDecider>()("effect-exec-server/NetworkPolicyDecider") {}

/** A decider that needs services, as a Layer: each decision runs with the context the Layer was built in. */
export const layerNetworkPolicyDecider = <E, R>(
  decide: (request: PolicyRequestParams) => Effect.Effect<PolicyDecision, E, R>
): Layer.Layer<NetworkPolicyDecider, never, R> =>
  Layer.effect(
    NetworkPolicyDecider,
    Effect.map(Effect.context<R>(), (context) => (request: PolicyRequestParams) => Effect.provide(decide(request), context))
  )

/** The decisions, as values: `allow`, `deny(reason)`, `ask(reason)`. */
export const PolicyDecisions = {
  allow: { type: "allow" } as PolicyDecision,
  deny: (reason: string): PolicyDecision => ({ type: "deny", reason }),
  ask: (reason: string): PolicyDecision => ({ type: "ask", reason })
} as const

/**
 * The short form of a `networkProxy`: host patterns to allow and to deny
 * (`example.com`, `*.example.com` for its subdomains, `**.example.com` for
 * it and its subdomains), the mode, and the rest of the reference's fields
 * with defaults. A host that both lists name is denied.
 */
export interface ManagedNetworkOptions {
  readonly allow?: ReadonlyArray<string>
  readonly deny?: ReadonlyArray<string>
  /** `limited`: only GET, HEAD and OPTIONS, and no HTTPS tunnels. Default `full`. */
  readonly mode?: "limited" | "full"
  /** Hosts always asked of the client, even when a rule would decide them. */
  readonly reviewDomains?: ReadonlyArray<string>
  /**
   * Hosts no rule decides are asked of the client for this long (the server
   * waits 5 s more, then denies). Default: `DEFAULT_POLICY_DECISION_TIMEOUT_MS`
   * when the client has a decider, else none (the server denies them itself).
   */
  readonly policyDecisionTimeoutMs?: number
  /** Default false: loopback and private addresses are reached only through an exact `allow`. */
  readonly allowLocalBinding?: boolean
  /** A SOCKS5 proxy beside the HTTP one (`ALL_PROXY`). Default true. */
  readonly enableSocks5?: boolean
  /** Default false. */
  readonly enableSocks5Udp?: boolean
  /** Default false. */
  readonly allowUpstreamProxy?: boolean
  readonly unixSockets?: Readonly<Record<string, "allow" | "deny">>
  readonly auditMetadata?: typeof AuditMetadata.Type
  readonly executionId?: string
}

/** `networkProxy` as `start` takes it: the reference's form (with `proxy`), or the short one. */
export type NetworkProxyInput = NetworkProxyLaunch | ManagedNetworkOptions

/** How long a server asks the client by default when the client has a decider (a person may be the one asked). */
export const DEFAULT_POLICY_DECISION_TIMEOUT_MS = 60_000

/** The reference's form of the short one: every required field of `proxy` filled in. */
export const managedNetwork = (options: ManagedNetworkOptions): NetworkProxyLaunch => {
  const domains: Record<string, DomainRule> = {}
  for (const pattern of options.allow ?? []) domains[pattern] = "allow"
  // After the allows: a pattern in both lists is denied, as the proxy decides deny first.
  for (const pattern of options.deny ?? []) domains[pattern] = "deny"
  const proxy: NetworkProxyConfig = {
    enabled: true,
    enableSocks5: options.enableSocks5 ?? true,
    enableSocks5Udp: options.enableSocks5Udp ?? false,
    allowUpstreamProxy: options.allowUpstreamProxy ?? false,
    dangerouslyAllowAllUnixSockets: false,
    mode: options.mode ?? "full",
    allowLocalBinding: options.allowLocalBinding ?? false,
    domains,
    ...(options.unixSockets === undefined ? {} : { unixSockets: options.unixSockets }),
    ...(options.reviewDomains === undefined ? {} : { reviewDomains: options.reviewDomains })
  }
  return {
    proxy,
    ...(options.policyDecisionTimeoutMs === undefined ? {} : { policyDecisionTimeoutMs: options.policyDecisionTimeoutMs }),
    ...(options.auditMetadata === undefined ? {} : { auditMetadata: options.auditMetadata }),
    ...(options.executionId === undefined ? {} : { executionId: options.executionId })
  }
}

const isLaunch = (input: NetworkProxyInput): input is NetworkProxyLaunch => "proxy" in input

/**
 * The `networkProxy` of a start: the raw form as it is; the short one
 * completed, asking the client's decider (when it has one) unless it says
 * how long to ask.
 */
export const networkProxyOf = (input: NetworkProxyInput, hasDecider: boolean): NetworkProxyLaunch => {
  if (isLaunch(input)) return input
  const asked = input.policyDecisionTimeoutMs === undefined && hasDecider
    ? { ...input, policyDecisionTimeoutMs: DEFAULT_POLICY_DECISION_TIMEOUT_MS }
    : input
  return managedNetwork(asked)
}
