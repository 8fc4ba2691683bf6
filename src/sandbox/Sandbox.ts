/**
 * The sandbox service: resolves what confines a request (the operator's
 * policy and the client's, combined so that the client can only narrow the
 * operator's) and confines processes and file operations with bubblewrap.
 * It fails closed: a confinement that cannot be applied is an error, and
 * nothing runs.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Fs from "node:fs"
import { type InternalError, internalErrorFrom, InvalidParams, SandboxUnavailable } from "../protocol/errors.js"
import { SandboxPolicy, type SandboxRequest } from "../protocol/sandbox.js"
import {
  type BridgeFilter,
  bridgedPorts,
  commandPidOf,
  confinedArgv,
  findExecutable,
  type Launcher,
  LOOPBACK_SOCKETS,
  type LoopbackPort,
  probe,
  probeTransparent
} from "./bubblewrap.js"
import { namespaceTools, type NamespaceTools, readSandboxHosts, RESOLV_CONF, type RelayTarget, relayTargetText } from "./transparentTcp.js"
import { makePlaceholders, type PlaceholderGuard, type Placeholders } from "./placeholders.js"
import { sandboxedUpstreams } from "./proxiedConnections.js"
import { peerRefusal, proxiedPeerRefusal, type TcpEnds } from "./peers.js"
import { capsetNumber, filterPaths, heldFiles, prctlNumber, seccompFilter } from "./seccomp.js"
import {
  combine,
  type Confinement,
  type PathRule,
  resolve,
  type ResolveContext,
  type ResolvedSandbox,
  restrictsAnything,
  simplify,
  UNCONFINED
} from "./policy.js"

/** A command confined by the sandbox: what to execute instead, and where the command itself is. */
export interface SandboxedLaunch {
  /** The launcher's argv (bubblewrap, its options, the command with its argv[0]). */
  readonly argv: ReadonlyArray<string>
  /** The host pid of the confined command, once it runs (the launcher's pid is the child's). */
  readonly commandPid: (launcherPid: number) => number | undefined
}

/** What to confine. */
export interface ConfinedCommand {
  readonly argv: ReadonlyArray<string>
  readonly arg0: string | undefined
  readonly cwd: string
  /**
   * Host loopback ports the command reaches at 127.0.0.1:<port> in a sandbox
   * without network, each carried to its Unix socket (loopbackBridge.ts's
   * `bridge` makes them); with network they are the host's already and
   * nothing is bridged.
   */
  readonly loopbackPorts?: ReadonlyArray<LoopbackPort> | undefined
  /**
   * Transparent TCP (transparentTcp.ts): the command's direct TCP connects
   * go to the SOCKS5 proxy this names, which must be one of the bridged
   * ports. Refused (SandboxUnavailable) where it cannot be built.
   */
  readonly transparentTcp?: RelayTarget | undefined
}

/** The sandbox service. */
export interface SandboxService {
  /** The operator's policy applies to every request, with or without a `sandbox` of its own. */
  readonly confinementOf: (
    request: SandboxRequest | undefined,
    context: Omit<ResolveContext, "isPlaceholder">
  ) => Effect.Effect<Confinement, InvalidParams | SandboxUnavailable>
  /**
   * Confines a command until the scope closes (placeholders are held that
   * long). Fails with SandboxUnavailable when bubblewrap cannot run here.
   */
  readonly launch: (
    policy: ResolvedSandbox,
    command: ConfinedCommand
  ) => Effect.Effect<SandboxedLaunch, SandboxUnavailable | InvalidParams | InternalError, Scope.Scope>
  /** The bubblewrap options of a policy with its placeholders held until the scope closes (the fs worker's launch). */
  readonly prepare: (
    policy: ResolvedSandbox,
    extraReadable: ReadonlyArray<string>
  ) => Effect.Effect<{ readonly launcher: Launcher; readonly policy: ResolvedSandbox }, SandboxUnavailable | InvalidParams | InternalError, Scope.Scope>
  /** The placeholder directories this server holds now. */
  readonly placeholders: () => ReadonlyArray<string>
  /**
   * Why the other end of a TCP connection to this server may be a process in
   * one of its sandboxes (only one with network can reach it, or one's
   * managed proxy), or undefined when it is not: a listener refuses it, so a
   * sandbox cannot start unconfined processes through its own server (see
   * peers.ts).
   */
  readonly peerRefusal: (ends: TcpEnds) => string | undefined
}

/** Confines processes and file operations. */
export class Sandbox extends Context.Service<Sandbox, SandboxService>()("effect-exec-server/Sandbox") {}

/** Options of the bubblewrap sandbox. */
export interface SandboxOptions {
  /** The operator's policy: every process and fs call of the server runs under it. */
  readonly operatorPolicy?: SandboxPolicy | undefined
  /** The bubblewrap executable (default: `bwrap` from PATH). */
  readonly bwrap?: string | undefined
  /** Files holding the server's own secrets: denied in every sandbox, whatever its policy allows. */
  readonly secretFiles?: ReadonlyArray<string> | undefined
  /** Why a sandbox with network is refused here (see ServerConfig.sandboxNetworkRefusal), or undefined. */
  readonly networkRefusal?: string | undefined
}

/** Decodes an operator policy given as JSON (the CLI's `--sandbox-policy` file, or flags gathered into one). */
export const decodeOperatorPolicy = Schema.decodeUnknownEffect(SandboxPolicy)

/** The bubblewrap sandbox. */
export const make = (options: SandboxOptions = {}): Effect.Effect<SandboxService, never, PlaceholderGuard> =>
  Effect.gen(function*() {
    const placeholders: Placeholders = yield* makePlaceholders
    const isPlaceholder = (path: string) => placeholders.current().includes(path)
    // Checked once, when a confinement is first asked for: bubblewrap, a
    // filter for this architecture, and a real sandbox built with them.
    let availability: ReturnType<typeof prepareLaunchers> | undefined
    const available = Effect.suspend(() => {
      // Made again when the filters' holder has gone (see seccomp.ts's filterPaths).
      if (availability !== undefined && "gone" in availability && availability.gone()) availability = undefined
      availability ??= prepareLaunchers(options.bwrap ?? "bwrap")
      return "launchers" in availability
        ? Effect.succeed(availability.launchers)
        : Effect.fail(new SandboxUnavailable({ message: `sandbox unavailable, nothing was run: ${availability.reason}` }))
    })
    const operator = options.operatorPolicy === undefined
      ? undefined
      : (context: ResolveContext) => resolve(options.operatorPolicy!, context)

    // The server's secrets by their real paths, denied as files are (an empty read-only file over each).
    const secrets: ReadonlyArray<PathRule> = (options.secretFiles ?? []).flatMap((file) => {
      try {
        return [{ path: Fs.realpathSync(file), access: "none" as const, missing: false }]
      } catch {
        return []
      }
    })
    const confinementOf: SandboxService["confinementOf"] = (request, context) =>
      Effect.gen(function*() {
        const resolveContext = { ...context, isPlaceholder }
        const client = request === undefined ? UNCONFINED : yield* resolve(request, resolveContext)
        const combined = operator === undefined ? client : combine(yield* operator(resolveContext), client)
        // A policy that allows everything needs no sandbox.
        if (combined._tag !== "Confined" || !restrictsAnything(combined.policy)) return UNCONFINED
        return secrets.length === 0 ? combined : {
          _tag: "Confined",
          policy: simplify({ ...combined.policy, rules: [...combined.policy.rules, ...secrets] })
        } as const
      })

    const prepare: SandboxService["prepare"] = (policy) =>
      Effect.gen(function*() {
        if (policy.network && options.networkRefusal !== undefined) {
          return yield* new SandboxUnavailable({ message: `sandbox with network refused, nothing was run: ${options.networkRefusal}` })
        }
        const launchers = yield* available
        yield* placeholders.hold(policy.rules.filter((rule) => rule.missing).map((rule) => rule.path))
        return { launcher: policy.network ? launchers.withNetwork : launchers.withoutNetwork, policy }
      })

    // Whether transparent sandboxes can be built here: found out by building one, at the first launch that asks.
    let transparency: NamespaceTools | string | undefined
    const transparentTools = (launchers: Launchers): Effect.Effect<NamespaceTools, SandboxUnavailable> =>
      Effect.suspend(() => {
        if (transparency === undefined) {
          const tools = namespaceTools()
          transparency = typeof tools === "string" ? tools : probeTransparent(launchers.withNetwork, launchers.bridge, tools) ?? tools
        }
        return typeof transparency === "string"
          ? Effect.fail(new SandboxUnavailable({ message: `transparent TCP is unavailable here, nothing was run: ${transparency}` }))
          : Effect.succeed(transparency)
      })

    // Sandboxes with network running now: without any, no sandbox can reach a listener of ours.
    let withNetwork = 0
    const countWithNetwork = Effect.acquireRelease(
      Effect.sync(() => void withNetwork++),
      () => Effect.sync(() => void withNetwork--)
    )

    return {
      confinementOf,
      prepare,
      launch: (policy, command) => {
        const bridged = bridgedPorts(policy, command.loopbackPorts)
        if (bridged.length === 0) {
          return Effect.map(
            Effect.tap(prepare(policy, []), () => policy.network ? countWithNetwork : Effect.void),
            ({ launcher }) => ({
              argv: confinedArgv(launcher, { policy, cwd: command.cwd }, command.argv, command.arg0),
              commandPid: commandPidOf
            })
          )
        }
        // No network, so not counted among the sandboxes with network: it
        // reaches nothing of the host's but the bridged sockets.
        return Effect.gen(function*() {
          yield* checkBridge(policy, bridged)
          yield* prepare(policy, [])
          const launchers = yield* available
          const bridge = { ...launchers.bridge, ports: bridged }
          const target = command.transparentTcp
          const transparent = target === undefined ? undefined : {
            tools: yield* transparentTools(launchers),
            // Held for this launch until it ends: the launcher opens it as a descriptor that reaches the sandbox's shim.
            ...yield* Effect.map(
              Effect.acquireRelease(
                Effect.try({
                  try: () => heldFiles([Buffer.from(relayTargetText(target))], "exec-server-relay-target"),
                  catch: (error) => internalErrorFrom(error, "transparent TCP: the relay's target")
                }),
                (held) => Effect.sync(held.release)
              ),
              (held) => ({ relayTarget: held.paths[0]!, relayTargetHolder: held.holder })
            )
          }
          return {
            argv: confinedArgv(launchers.withNetwork, { policy, cwd: command.cwd }, command.argv, command.arg0, bridge, transparent),
            commandPid: commandPidOf
          }
        })
      },
      placeholders: placeholders.current,
      // Without sandboxes with network, a sandboxed process reaches the host's
      // loopback only through its managed proxy: its connections are known.
      peerRefusal: (ends) =>
        withNetwork > 0 ? peerRefusal(ends, { ownSandboxes: true }) : sandboxedUpstreams() > 0 ? proxiedPeerRefusal(ends) : undefined
    }
  })

/** The launchers of sandboxes with and without network (their seccomp filters differ), and what a bridged one adds. */
interface Launchers {
  readonly withNetwork: Launcher
  readonly withoutNetwork: Launcher
  /** A sandbox without network with loopback ports bridged in (see bubblewrap's `confinedArgv`). */
  readonly bridge: BridgeFilter
}

/**
 * Refuses ports that cannot be bridged: not a port number, one twice, a
 * socket path that is not absolute, or a policy with a rule on /dev, whose
 * mount would replace the sandbox's own /dev where the sockets go.
 */
const checkBridge = (policy: ResolvedSandbox, ports: ReadonlyArray<LoopbackPort>): Effect.Effect<void, InvalidParams> => {
  const refuse = (why: string) => Effect.fail(new InvalidParams({ message: `sandbox: cannot bridge loopback ports: ${why}` }))
  const seen = new Set<number>()
  for (const { port, socketPath } of ports) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) return refuse(`${port} is not a port`)
    if (seen.has(port)) return refuse(`port ${port} given twice`)
    seen.add(port)
    if (!socketPath.startsWith("/") || socketPath.includes("\0")) return refuse(`${JSON.stringify(socketPath)} is not an absolute path`)
  }
  const covering = policy.rules.find((rule) => rule.path !== "/" && LOOPBACK_SOCKETS.startsWith(`${rule.path}/`))
  return covering === undefined ? Effect.void : refuse(`the policy has a rule on ${covering.path}`)
}

/** Finds bubblewrap, writes the filters and builds a sandbox with them; the reason when it cannot. */
const prepareLaunchers = (
  bwrapName: string
): { readonly launchers: Launchers; readonly gone: () => boolean } | { readonly reason: string } => {
  const bwrap = findExecutable(bwrapName)
  if (bwrap === undefined) return { reason: "bubblewrap (bwrap) is not installed (Debian: apt-get install bubblewrap)" }
  const withNetwork = seccompFilter({ denyUnixSockets: false })
  const withoutNetwork = seccompFilter({ denyUnixSockets: true })
  const prctl = prctlNumber()
  const capset = capsetNumber()
  if (withNetwork === undefined || withoutNetwork === undefined || prctl === undefined || capset === undefined) {
    return { reason: `no seccomp filter for this architecture (${process.arch})` }
  }
  let launchers: Launchers
  let gone: () => boolean
  try {
    // The resolv.conf and hosts of transparent sandboxes are held with the filters: the same files for all (the host's read now).
    const held = filterPaths([withNetwork, withoutNetwork, Buffer.from(RESOLV_CONF), Buffer.from(readSandboxHosts())])
    gone = held.gone
    launchers = {
      withNetwork: { bwrap, seccompFilter: held.paths[0]!, transparentFiles: { resolvConf: held.paths[2]!, hosts: held.paths[3]! }, holder: held.holder, prctl, capset },
      withoutNetwork: { bwrap, seccompFilter: held.paths[1]!, holder: held.holder, prctl, capset },
      bridge: { commandFilter: withoutNetwork, prctl, capset }
    }
  } catch (error) {
    return { reason: `the seccomp filter cannot be written: ${(error as Error).message}` }
  }
  const reason = probe(launchers.withoutNetwork)
  return reason === undefined ? { launchers, gone } : { reason }
}

/** The bubblewrap sandbox, with the operator's policy if given. */
export const layer = (options: SandboxOptions = {}): Layer.Layer<Sandbox, never, PlaceholderGuard> => Layer.effect(Sandbox, make(options))

/**
 * No sandbox at all (a server, or a test, without bubblewrap's): a request
 * is resolved as usual, and one that asks for any confinement is refused
 * (fail closed); one that confines nothing runs.
 */
export const unavailable = (reason = "this server has no sandbox service"): SandboxService => {
  const refuse = Effect.suspend(() => Effect.fail(new SandboxUnavailable({ message: `sandbox unavailable, nothing was run: ${reason}` })))
  return {
    confinementOf: (request, context) =>
      request === undefined
        ? Effect.succeed(UNCONFINED)
        : Effect.flatMap(resolve(request, context), (confinement) =>
          confinement._tag === "Confined" && restrictsAnything(confinement.policy) ? refuse : Effect.succeed(UNCONFINED)),
    launch: () => refuse,
    prepare: () => refuse,
    placeholders: () => [],
    peerRefusal: () => undefined
  }
}

/** The sandbox that refuses every confinement (see `unavailable`). */
export const layerUnavailable: Layer.Layer<Sandbox> = Layer.sync(Sandbox, () => unavailable())

/**
 * No sandboxes of its own, and no peer on this host that runs in anyone's
 * sandbox (see peers.ts): for a listener that serves no processes but that
 * executors' sandboxes on this host could reach (the gateway).
 */
export const layerRefusingConfinedPeers = (reason: string): Layer.Layer<Sandbox> =>
  Layer.sync(Sandbox, () => ({ ...unavailable(reason), peerRefusal: (ends) => peerRefusal(ends, { ownSandboxes: false }) }))
