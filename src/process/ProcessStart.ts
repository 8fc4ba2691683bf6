/**
 * A `process/start` decided before it reaches the table: its working
 * directory, its whole environment, and what confines it (the request's
 * sandbox and the operator's, as the sandbox service resolves them). The
 * table only claims, spawns and keeps.
 */
import * as Effect from "effect/Effect"
import { InternalError, InvalidParams, InvalidRequest, type SandboxUnavailable } from "../protocol/errors.js"
import {
  anyLimit,
  anyOperatorLimit,
  type LimitRefusal,
  processLimitsOf,
  processWithinSession,
  type Resources,
  type ResourceLimitsShape,
  type SessionCgroup,
  sessionLimitsOf
} from "../limits/ResourceLimits.js"
import * as Metrics from "../observability/metrics.js"
import { clientEndpointRefusal } from "../network/clientEndpoint.js"
import { type ClientProxies, clientProxies } from "../network/clientProxies.js"
import type { MaskedCredentials } from "../network/credentials/broker.js"
import type { DummyMemory } from "../network/credentials/dummyMemory.js"
import { policyProblem } from "../network/hostPolicy.js"
import type { StartParams } from "../protocol/schema.js"
import type { Confinement } from "../sandbox/policy.js"
import { Sandbox } from "../sandbox/Sandbox.js"
import { buildEnvironment } from "./environment.js"
import { checkSnapshot, qualifies, restoringCommand, type SnapshotCache } from "./shellSnapshot.js"
import { captureRunner } from "./shellSnapshotCapture.js"

/** What the table starts. */
export interface ProcessStart {
  readonly params: StartParams & { readonly cwd: string }
  /** The child's whole environment. */
  readonly env: Readonly<Record<string, string>>
  readonly confinement: Confinement
  /**
   * Under credential masking, the start's environment as it was masked
   * before its shell snapshot was captured: `env` holds its dummies, and
   * the process's own masking keeps them (ManagedProxy's `premasked`).
   */
  readonly premasked?: MaskedCredentials | undefined
  /**
   * A confined start whose network the client manages (`enforceManagedNetwork`
   * without `networkProxy`): the client's proxies it reaches, bridged into its sandbox.
   */
  readonly clientProxies?: ClientProxies | undefined
  /**
   * The limits it runs under (limits/): when any, in a cgroup of its own
   * below its session's; when empty, in its session's; when absent (limits
   * unavailable, or session cgroups turned off, and none asked), in none.
   */
  readonly resources?: Resources | undefined
  /** The socket of the holder whose process to adopt rather than start one (`--keep-processes`: a server that is gone started it). */
  readonly adopt?: string | undefined
}

/** How the server treats starts beyond what they ask. */
export interface StartOptions {
  /** `--tcp-upstream-proxy` is set: a start that must use the managed network must bring a `networkProxy`. */
  readonly tcpUpstreamRequired?: boolean | undefined
  /** `--linux-sandbox-transparent-tcp`: a network the client manages gets transparent TCP to its `ALL_PROXY`. */
  readonly transparentClientNetwork?: boolean | undefined
}

/** The reference's -32602 for a start that must use the managed network under `--tcp-upstream-proxy` but has no `networkProxy`. */
export const TCP_UPSTREAM_NEEDS_PROXY = "a mandatory TCP upstream requires an executor-local managed proxy"

/**
 * Decides a start: the environment an `envPolicy` builds on the server's,
 * and the confinement (a server without a sandbox refuses one when it
 * would launch: fail closed). With a shell snapshot (and the connection's
 * `snapshots`), `shell -lc SCRIPT` becomes the non-login command that
 * restores it, captured first when there is none for its scope yet. Under
 * credential masking the capture runs with the environment masked (the
 * session's `dummies`, so the very dummies the process gets): it runs login
 * files the process may have written, and must see no real value.
 */
export const resolveStart = (
  request: StartParams,
  serverEnvironment: Readonly<Record<string, string | undefined>>,
  snapshots?: SnapshotCache,
  dummies?: DummyMemory,
  options: StartOptions = {}
): Effect.Effect<ProcessStart, InvalidParams | SandboxUnavailable, Sandbox> =>
  Effect.gen(function*() {
    const sandbox = yield* Sandbox
    // The operator's upstream is reached only through a managed proxy: a start that must use
    // the managed network and brings none could not honour it (the reference's check and words).
    if (options.tcpUpstreamRequired === true && request.enforceManagedNetwork === true && request.networkProxy == null) {
      return yield* new InvalidParams({ message: TCP_UPSTREAM_NEEDS_PROXY })
    }
    yield* checkSnapshot(request.shellSnapshot, request.argv)
    const params = { ...request, cwd: request.cwd ?? process.cwd() }
    const problem = params.networkProxy === undefined ? undefined : policyProblem(params.networkProxy.proxy.domains ?? {})
    if (problem !== undefined) return yield* new InvalidParams({ message: problem })
    const env = buildEnvironment(serverEnvironment, params.envPolicy, params.env)
    const resolved = yield* sandbox.confinementOf(params.sandbox, { cwd: params.cwd, env })
    // A confined process reaches the network only through its managed proxy,
    // or the client's proxies when it must use a managed network and brings
    // none (either bridged into its own network namespace).
    const confinement: Confinement =
      resolved._tag === "Confined" && (params.enforceManagedNetwork === true || params.networkProxy !== undefined)
        ? { _tag: "Confined", policy: { ...resolved.policy, network: false } }
        : resolved
    const clientNetwork = confinement._tag === "Confined" && params.enforceManagedNetwork === true && params.networkProxy === undefined
      ? yield* clientNetworkOf(env, params.managedNetwork?.loopbackPorts ?? [], options.transparentClientNetwork === true)
      : undefined
    // The reference's checks, in its order (after the type, which the schema checks).
    if (params.networkProxy?.proxy.transparentTcp === true) {
      if (confinement._tag !== "Confined") return yield* new InvalidParams({ message: "transparent TCP requires a managed Linux sandbox" })
      if (!params.networkProxy.proxy.enableSocks5) {
        return yield* new InvalidParams({ message: "invalid network proxy config: transparent_tcp requires an enabled managed SOCKS5 proxy" })
      }
    }
    const snapshotRequest = params.shellSnapshot
    if (snapshotRequest == null || snapshots === undefined || !qualifies(snapshotRequest, params.argv)) {
      return { params, env, confinement, clientProxies: clientNetwork }
    }
    const proxy = params.networkProxy?.proxy
    const masking = proxy?.credentialMasking === true
      ? { providers: proxy.credentialProviders ?? null, allowLocalBinding: proxy.allowLocalBinding }
      : null
    // What makes a snapshot differ (the start's `env` does not: the reference keeps one per scope),
    // and masking: a masked capture's snapshot holds dummies, which an unmasked start must not get.
    const key = JSON.stringify([snapshotRequest, params.cwd, params.envPolicy ?? null, params.sandbox ?? null, masking])
    const premasked = masking === null ? undefined : yield* Effect.flatMap(
      Effect.promise(() => import("../network/ManagedProxy.js")),
      (ManagedProxy) => ManagedProxy.maskBeforeHelpers({ environment: env, launch: params.networkProxy!, dummies })
    )
    const run = yield* captureRunner({ cwd: params.cwd, env: premasked?.environment ?? env, arg0: params.arg0 ?? undefined, confinement })
    const snapshot = yield* snapshots.snapshotOf(key, snapshotRequest.shell, run)
    if (snapshot === undefined) return { params, env, confinement, premasked, clientProxies: clientNetwork }
    const clientEnv = Object.fromEntries(Object.keys(params.env).flatMap((name) => (name in env ? [[name, env[name]!]] : [])))
    const restoring = restoringCommand(params.argv, env, clientEnv, snapshot, snapshotRequest.shell.name)
    if (restoring === undefined) return { params, env, confinement, premasked, clientProxies: clientNetwork }
    return { params: { ...params, argv: restoring.argv }, env: restoring.env, confinement, premasked, clientProxies: clientNetwork }
  })

/**
 * The client's proxies a start reaches (network/clientProxies.ts), or -32602
 * in the reference's words; a port that is this server's own listener or
 * another exec-server's is refused too.
 */
const clientNetworkOf = (
  env: Readonly<Record<string, string>>,
  loopbackPorts: ReadonlyArray<number>,
  transparent: boolean
): Effect.Effect<ClientProxies, InvalidParams> => {
  const proxies = clientProxies(env, loopbackPorts, transparent)
  if (typeof proxies === "string") return Effect.fail(new InvalidParams({ message: proxies }))
  for (const port of proxies.ports) {
    const refusal = clientEndpointRefusal(port)
    if (refusal !== undefined) return Effect.fail(new InvalidParams({ message: refusal }))
  }
  return Effect.succeed(proxies)
}

/**
 * The limits a start runs under (`ProcessStart.resources`): the client's,
 * narrowed from the operator's, or the operator's; when neither the client
 * nor the operator sets any, empty (its session's cgroup, no leaf of its
 * own) by default and none (no cgroup) under `--no-session-cgroups`; -32600
 * when it asks above
 * a ceiling, or asks for limits (or the operator does) where they cannot be
 * enforced: a limited start never runs unlimited.
 */
export const limitsOfStart = (
  request: StartParams,
  limits: ResourceLimitsShape
): Effect.Effect<Resources | undefined, InvalidRequest> => {
  const asked = request.resources ?? undefined
  if (limits.availability._tag === "Unavailable") {
    const operatorAsks = anyOperatorLimit(limits.operator)
    const clientAsks = asked !== undefined && (anyLimit(asked) || (asked.session !== undefined && anyLimit(asked.session)))
    // Unlimited: in its session's cgroup where there are groups without limits (containment only).
    if (!operatorAsks && !clientAsks) return Effect.succeed(limits.sessionCgroups ? {} : undefined)
    Metrics.bump(Metrics.resourceRefusals, 1, Metrics.label("reason", "resourcesUnavailable"))
    return Effect.fail(
      new InvalidRequest({
        message: `resource limits are unavailable on this server (${limits.availability.reason}), so ${
          operatorAsks ? "the operator's limits" : "process/start.resources"
        } cannot be enforced`,
        reason: "resourcesUnavailable"
      })
    )
  }
  const resources = processLimitsOf(asked, limits.operator)
  if (typeof resources === "string") {
    Metrics.bump(Metrics.resourceRefusals, 1, Metrics.label("reason", "resourcesAboveCeiling"))
    return Effect.fail(new InvalidRequest({ message: resources, reason: "resourcesAboveCeiling" }))
  }
  // The session's limits against the operator's ceiling here; against the session's own (narrowed
  // by earlier requests) where the session's table places the process (placeInSession).
  const session = asked?.session === undefined ? undefined : sessionLimitsOf(asked.session, limits.operator.session, limits.operator)
  if (session !== undefined && "reason" in session) return refuse(session)
  // Unlimited (nothing asked, no operator limit): in its session's cgroup (so that the
  // session's end kills what it leaves behind) unless --no-session-cgroups and no session limit.
  return Effect.succeed(anyLimit(resources) || limits.sessionCgroups ? resources : undefined)
}

/** -32600 for a refused request for limits, counted by its reason. */
const refuse = (
  refusal: LimitRefusal | { readonly reason: "sessionProcessesOutsideCgroup" | "resourcesBelowSessionUsage"; readonly message: string }
): Effect.Effect<never, InvalidRequest> => {
  Metrics.bump(Metrics.resourceRefusals, 1, Metrics.label("reason", refusal.reason))
  return Effect.fail(new InvalidRequest({ message: refusal.message, reason: refusal.reason }))
}

/**
 * Where a session's processes are, for `placeInSession`: whether a client
 * asked for the session's limits (then every later process joins the
 * session's cgroup), and how many of its live processes run outside it.
 * Read and written without a yield between, so that no start is placed
 * outside once a request for the session's limits has been taken.
 */
export class SessionPlacement {
  /** A client asked for the session's limits (whether or not it was granted). */
  limited = false
  /** The session's live processes out of the reach of its limits (started unlimited before it was limited: in no cgroup, or in v1's freezer group alone). */
  outside = 0
  /** A process placed outside has closed. */
  readonly leftOutside = (): void => {
    this.outside--
  }
}

/**
 * Where a start runs and under which limits of its own: in its session's
 * cgroup when it has limits (its own, or its session's: asked now or
 * before), after narrowing the session as `resources.session` asks (a
 * request no wider than the session's current limits, and only while no
 * process of the session runs outside its cgroup, where those limits would
 * not reach); its own limits held within the session's. Outside any cgroup
 * (`session` undefined) when nothing limits it.
 */
export const placeInSession = (
  request: StartParams,
  resources: Resources | undefined,
  placement: SessionPlacement,
  sessionCgroup: Effect.Effect<SessionCgroup, InternalError>,
  unplaced: (error: InternalError) => Effect.Effect<void>
): Effect.Effect<
  { readonly session?: SessionCgroup; readonly resources?: Resources; readonly outside?: true },
  InvalidRequest | InternalError
> =>
  Effect.gen(function*() {
    const asked = request.resources?.session
    if (resources !== undefined && !anyLimit(resources) && asked === undefined && !placement.limited) {
      // No limit (in its session's cgroup by default, which ends it with the session): counted outside
      // before the first yield, and inside once it joins where the session's limits reach (v2's shared
      // leaf; v1's groups once the session is limited, its freezer's alone before). Where the session's
      // group cannot be made it runs outside rather than be refused.
      placement.outside++
      const session = yield* sessionCgroup.pipe(Effect.catch((error) => Effect.as(unplaced(error), undefined)))
      if (session === undefined) return { outside: true }
      if (!session.joinsLimits) return { session, resources: {}, outside: true }
      placement.outside--
      return { session, resources: {} }
    }
    // Decided before the first yield: a start placed outside counts at once, and one that asks for
    // the session's limits makes every start after it join the session's cgroup.
    if (resources === undefined && asked === undefined && !placement.limited) {
      placement.outside++
      return { outside: true }
    }
    if (asked !== undefined && placement.outside > 0) {
      return yield* refuse({
        reason: "sessionProcessesOutsideCgroup",
        message: `resources.session cannot be enforced: ${placement.outside} process${placement.outside === 1 ? "" : "es"} of this session ` +
          `started without limits run${placement.outside === 1 ? "s" : ""} where its limits do not reach (outside its cgroup, or in its freezer group alone on cgroup v1); ask with the session's first process, ` +
          `or once those have exited (every later process then joins the session's cgroup)`
      })
    }
    // Taken even if refused below: a start beside it then joins the session's cgroup, which is always safe.
    if (asked !== undefined) placement.limited = true
    const session = yield* sessionCgroup
    if (asked !== undefined) {
      yield* session.narrow(asked).pipe(
        Effect.catch((error): Effect.Effect<never, InvalidRequest | InternalError> =>
          error._tag === "effect-exec-server/SessionLimitRefused"
            ? refuse(error)
            : error.errno === "EBUSY"
            ? refuse({
              reason: "resourcesBelowSessionUsage",
              message: `resources.session.memoryBytes ${asked.memoryBytes} is below what the session's processes hold, ` +
                `and the kernel could not reclaim it (cgroup v1 refuses such a limit: EBUSY); the session's limits are as they were`
            })
            : Effect.fail(new InternalError({ message: error.message, ...(error.errno === undefined ? {} : { errno: error.errno }), kind: "sandboxPreparation" }))
        )
      )
    }
    const own = processWithinSession(resources ?? {}, request.resources ?? undefined, session.limits())
    if ("reason" in own) return yield* refuse(own)
    return { session, resources: own }
  })
