/**
 * The processes of one session, by client-chosen id. Each process runs in a
 * scope of its own under the table's scope: its record is removed (and the
 * id freed) a retention period after it closes, and closing the table
 * terminates every process at once (their grace periods run concurrently).
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as FiberSet from "effect/FiberSet"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import {
  InternalError,
  type InvalidParams,
  InvalidRequest,
  type SandboxUnavailable,
  type ServerBusy,
  type SpawnNotFound,
  withSpawnKind
} from "../protocol/errors.js"
import { Sandbox } from "../sandbox/Sandbox.js"
import { anyLimit, type CgroupError, ResourceLimits, type SessionCgroup } from "../limits/ResourceLimits.js"
import { logAnnotated } from "../observability/logLine.js"
import { LOOPBACK_SOCKETS } from "../sandbox/loopbackForwarder.js"
import type { BridgedPort } from "../sandbox/loopbackBridge.js"
import { carryToClientEndpoint } from "../network/clientEndpoint.js"
import { ClientRequestFailed } from "../jsonrpc/clientMessages.js"
import type { ProcessInfo } from "../protocol/schema.js"
import { Spawner } from "./ChildProcess.js"
import { OutputBuffers, type RetainedOutput } from "./OutputBuffers.js"
import type { LiveOutputBudget } from "./LiveOutputBudget.js"
import { makeProcessActor, type ProcessActor, type ProcessEvent } from "./ProcessActor.js"
import type { ObservedProcess, ProcessObserver } from "./ProcessObserver.js"
import { placeInSession, type ProcessStart, SessionPlacement } from "./ProcessStart.js"
import { makeExpiryQueue } from "./ExpiryQueue.js"
import { ProcessReaper } from "./ProcessReaper.js"
import { type HeldRecord, RetentionBudget } from "./RetentionBudget.js"
import type { Slots } from "../slots/Slots.js"
import type * as ManagedProxy from "../network/ManagedProxy.js"
import { AskBudget, MAX_ASKS_PER_SESSION } from "../network/policyAsks.js"
import { DummyMemory } from "../network/credentials/dummyMemory.js"

/** A client that is never there: what a proxy would ask is denied, what it reports goes nowhere. */
const NO_CLIENT: ManagedProxy.ProxyClient = {
  notify: () => {},
  request: () => Effect.fail(new ClientRequestFailed({ reason: "noClient" }))
}

/** Settings of a process table. */
export interface ProcessTableOptions {
  /** SIGTERM → SIGKILL grace period when processes are stopped by scope closure. */
  readonly graceMs: number
  /** Cap of the retained output of each process, in bytes. */
  readonly retainedOutputBytes: number
  /** How long a closed process stays readable before its id is freed. */
  readonly retentionMs: number
  /** The server's budget of closed records, which may free them before `retentionMs` (none: time only). */
  readonly retention?: RetentionBudget | undefined
  /** How long after a process's exit descendants may hold its output open before it is closed anyway. */
  readonly closeDrainMs: number
  /** Most processes that may be live (not yet closed) at once. */
  readonly maxProcesses: number
  /** The server's count of live processes over all sessions (none: only `maxProcesses` bounds them). */
  readonly serverProcesses?: Slots | undefined
  /** The server's budget of output retained by live processes (none: only each process's cap bounds it). */
  readonly liveOutput?: LiveOutputBudget | undefined
  /** Receives the events of every process, each process's in seq order. */
  readonly emit: (event: ProcessEvent) => void
  /** The session's client, as the processes' network proxies ask and tell it (nobody: they deny what they would ask). */
  readonly client?: ManagedProxy.ProxyClient | undefined
  /** Told about each process's spawn, start and close (its metrics, logs and span). */
  readonly observer: ProcessObserver
  /** The server's own environment (where `CODEX_HOME` is for credential masking); the process's when not given. */
  readonly serverEnvironment?: Readonly<Record<string, string | undefined>> | undefined
  /** The operator's mandatory upstream for the proxies' SOCKS5 TCP (`--tcp-upstream-proxy`), if any. */
  readonly tcpUpstream?: ManagedProxy.TcpUpstreamSettings | undefined
  /** With a spawner that keeps processes beyond the server: the session's key in their records, and its detach TTL now. */
  readonly kept?: { readonly sessionKey: string; readonly detachTtlMs: () => number } | undefined
}

/** The processes of one session. */
export interface ProcessTable {
  /**
   * Spawns a process whose environment and confinement are decided
   * (`resolveStart`); the id must not be taken. -32001 when the server runs
   * its most processes.
   */
  readonly start: (
    start: ProcessStart
  ) => Effect.Effect<
    ProcessActor,
    InvalidRequest | InvalidParams | InternalError | SandboxUnavailable | ServerBusy | SpawnNotFound
  >
  /** The process with this id, or -32600 `unknown process id`. */
  readonly get: (processId: string) => Effect.Effect<ProcessActor, InvalidRequest>
  readonly find: (processId: string) => Option.Option<ProcessActor>
  readonly list: Effect.Effect<ReadonlyArray<ProcessInfo>>
  /** The processes started (running, or closed and retained), in start order. */
  readonly actors: () => ReadonlyArray<ProcessActor>
  /** Flow control for every process, present and future: stop or resume reading output. */
  readonly setPaused: (paused: boolean) => void
  /** Tells every live process whether its session is detached (see ProcessActor.setDetached). */
  readonly setDetached: (detached: boolean) => void
  /** The session's dummies (credential masking): a start's shell snapshot is captured with them (`resolveStart`). */
  readonly dummies: DummyMemory
}

type Entry =
  | { readonly _tag: "Starting" }
  | {
    readonly _tag: "Running"
    readonly actor: ProcessActor
    readonly scope: Scope.Closeable
    readonly output: RetainedOutput
  }
  /** Closed and kept for the retention period: only the record of what reads and listings need. */
  | { readonly _tag: "Closed"; readonly actor: ProcessActor; readonly held: HeldRecord }

/** What a process table runs on, and the scope its processes live in. */
export type ProcessTableServices = Scope.Scope | Spawner | OutputBuffers | Sandbox | ProcessReaper

/** Makes a process table whose processes live in the current scope. */
export const makeProcessTable = (
  options: ProcessTableOptions
): Effect.Effect<ProcessTable, never, ProcessTableServices> =>
  Effect.flatMap(Effect.context<ProcessTableServices>(), (context) => makeProcessTableIn(options, context))

/**
 * Makes a process table in `tableContext`, which holds its services and the
 * scope its processes live in: what a session has at hand. No service is
 * looked up (two runtime steps each) and none provided (a copy of the
 * context): `initialize` ran 91 runtime steps when they were, 43 since.
 */
export const makeProcessTableIn = (
  options: ProcessTableOptions,
  tableContext: Context.Context<ProcessTableServices>
): Effect.Effect<ProcessTable> =>
  Effect.gen(function*() {
    const services = tableContext
    const spawner = Context.get(services, Spawner)
    const outputBuffer = Context.get(services, OutputBuffers)
    const reaper = Context.get(services, ProcessReaper)
    const sandbox = Context.get(services, Sandbox)
    const tableScope = Context.get(services, Scope.Scope)
    const limits = Context.get(services, ResourceLimits)
    // The session's cgroup, made with its first process in a cgroup and killed and removed as the table closes,
    // after its processes' scopes (made after it) have; its memo then too (a session of no process: 2.6 KB less).
    let sessionCgroupOnce: Effect.Effect<SessionCgroup, CgroupError> | undefined
    const sessionCgroup = Effect.suspend(() =>
      sessionCgroupOnce ??= Effect.runSync(Effect.cached(limits.session(limits.operator.session).pipe(Scope.provide(tableScope))))
    ).pipe(Effect.mapError((error) =>
      new InternalError({ message: error.message, ...(error.errno === undefined ? {} : { errno: error.errno }), kind: "sandboxPreparation" })
    ))
    const placement = new SessionPlacement()
    let sessionCgroupWarned = false
    const entries = new Map<string, Entry>()
    /** Processes started and not yet closed (each holds a slot of the server's, when it counts them). */
    let live = 0
    let paused = false
    /** Whether the session is detached: a process that finishes starting then is paced as the others are. */
    let detached = false
    /** Once the table's scope is closing: it starts nothing more, and has given back every slot. */
    let tableClosed = false
    /** Once its processes are being ended with the table: their records are not kept. */
    let ending = false
    const serverProcesses = options.serverProcesses
    const client = options.client ?? NO_CLIENT
    // Questions to the client in flight, over all of the session's processes.
    const asks = new AskBudget(MAX_ASKS_PER_SESSION)
    // One dummy per credential over the session's processes.
    const dummies = new DummyMemory()

    // Without the server's budget, records are kept for the retention period only.
    const retention = options.retention ?? new RetentionBudget({ maxRecords: Infinity, maxBytes: Infinity })
    /** What kept closed processes hold beyond the server (their holders), let go with their records. */
    const keptReleases = new Map<string, () => void>()
    const releaseKept = (processId: string) => {
      const release = keptReleases.get(processId)
      keptReleases.delete(processId)
      release?.()
    }
    /** Frees a closed record's id, unless the id has been taken again since. */
    const forget = (held: HeldRecord) => {
      const entry = entries.get(held.key)
      if (entry?._tag === "Closed" && entry.held === held) {
        entries.delete(held.key)
        releaseKept(held.key)
      }
    }

    // Scope.addFinalizer: nothing of the acquiring fiber's context is needed (Effect 3 restored it, per session).
    // Added first, so run last: after the processes' scopes have closed and
    // whatever retired meanwhile has, what is still counted is given back.
    yield* Scope.addFinalizer(
      tableScope,
      Effect.sync(() => {
        tableClosed = true
        serverProcesses?.release(live)
        for (const processId of [...keptReleases.keys()]) releaseKept(processId)
        for (const entry of entries.values()) {
          if (entry._tag === "Closed") retention.release(entry.held)
          else if (entry._tag === "Running") entry.output.seal()
        }
      })
    )

    // Made at the first start, since most sessions start no process.
    // Each process's retirement runs as a root fiber of the table's: one
    // forked from the request would keep the finished request fiber alive.
    let runInTable: ((effect: Effect.Effect<void>) => Fiber.Fiber<void>) | undefined
    // Each process's scope is a child of this one, which closes them all at
    // once: every SIGTERM goes out together, every SIGKILL a grace period
    // later (children of the table's own scope would close one after the
    // other, a grace period each). Made after the retirements' fiber set, so
    // that it closes first and the processes it ends still retire.
    let processesScope: Scope.Closeable | undefined
    const processesScopeNow = (): Scope.Closeable => {
      if (processesScope !== undefined) return processesScope
      const run = Effect.runSyncWith(tableContext)(FiberSet.makeRuntime<never, void, never>())
      // Started in a later turn (Effect 4 starts a forked fiber at once): the
      // retirement must not run inside the spawner's callback that reports the close.
      // The wait is uninterruptible too: a process ended by its table's closing
      // reports its close just before the fiber set is interrupted, and must still
      // retire (its log line, its metrics), as on Effect 3.
      runInTable = (effect) => run(Effect.uninterruptible(Effect.andThen(Effect.yieldNow, effect)))
      processesScope = Effect.runSync(Scope.fork(tableScope, "parallel"))
      // Added after the processes' scope, so run before it closes: what they leave is not kept for a later server.
      Effect.runSync(Scope.addFinalizer(tableScope, Effect.sync(() => {
        ending = true
      })))
      return processesScope
    }

    // Every record is kept for the same period, so records expire in the
    // order they closed.
    const expiries = makeExpiryQueue(tableContext, tableScope)
    // Made out here: a closure made in a retirement would keep its actor and
    // output (the retirement's variables) until the record expires.
    const expireRecord = (held: HeldRecord) => () => {
      retention.release(held)
      forget(held)
    }

    // A closed process keeps only its record; its actor, child and scope are
    // let go now (which also ends what is left of its process group).
    const retire = (
      processId: string,
      actor: ProcessActor,
      output: RetainedOutput,
      scope: Scope.Closeable,
      observed: ObservedProcess
    ) =>
      Effect.gen(function*() {
        output.seal()
        const record = actor.closedRecord()
        const now = yield* Clock.currentTimeMillis
        yield* observed.closed(record, now - actor.startedAtMs)
        // Over the budget, the oldest records go now: this one too, when its output alone is over it.
        const held = retention.hold(processId, output.retainedBytes, forget)
        if (held.held) entries.set(processId, { _tag: "Closed", actor: record, held })
        else entries.delete(processId)
        expiries.add(now + options.retentionMs, expireRecord(held))
        yield* Scope.close(scope, Exit.void)
        // Its child's scope kept it for a later server only as long as the record: one not held goes now.
        const entry = entries.get(processId)
        if (entry?._tag !== "Closed" || entry.held !== held) releaseKept(processId)
      })

    // A start runs to its end once begun: one cut short between its claims
    // and its registration would hold its id and its slots until the session ends.
    const kept = options.kept
    const start = ({ adopt, clientProxies, confinement, env, params, premasked, resources }: ProcessStart) =>
      Effect.gen(function*() {
        // The checks and the claims they guard, with nothing that yields between them.
        if (tableClosed) return yield* new InvalidRequest({ message: "the session is closed", reason: "sessionClosed" })
        if (entries.has(params.processId)) {
          return yield* new InvalidRequest({ message: `process id ${params.processId} is already in use`, reason: "processIdInUse" })
        }
        if (live >= options.maxProcesses) {
          return yield* new InvalidRequest({
            message: `this session already runs ${live} processes, the most allowed (--max-processes)`
          })
        }
        if (serverProcesses !== undefined && !serverProcesses.tryTake()) {
          return yield* serverProcesses.refusal(`the server already runs ${serverProcesses.inUse} processes over all sessions`)
        }
        entries.set(params.processId, { _tag: "Starting" })
        live++
        // Given back once: when the process closes (in the turn its `closed` is
        // sent, so a client that saw it may start another) or its start fails.
        let counted = true
        let leftOutside: (() => void) | undefined
        const uncount = () => {
          if (!counted) return
          counted = false
          live--
          leftOutside?.()
          if (!tableClosed) serverProcesses?.release()
        }
        const spawnStartedAt = yield* Clock.currentTimeMillis
        // Before the processes' scope is first made, so that it closes first.
        const placed = yield* placeInSession(params, resources, placement, sessionCgroup, (error) => {
          if (sessionCgroupWarned) return Effect.void
          sessionCgroupWarned = true
          return logAnnotated("Warn", "processes run outside their session's cgroup", { reason: error.message })
        }).pipe(
          Effect.tapError(() =>
            Effect.sync(() => {
              entries.delete(params.processId)
              uncount()
            })
          )
        )
        const session: SessionCgroup | undefined = placed.session
        // Out of the reach of its session's limits: a request for them waits until it has closed.
        if (placed.outside === true) leftOutside = placement.leftOutside
        const scope = yield* Scope.fork(processesScopeNow(), "sequential")
        const observed = yield* options.observer.spawning({
          processId: params.processId,
          argv0: params.argv[0]!,
          tty: params.tty
        }, scope)
        const output = yield* outputBuffer.make({ maxBytes: options.retainedOutputBytes, budget: options.liveOutput })
        // The process retires when it closes, in a fiber of the table's (not in
        // the spawner's callback that reports the close), and never before its
        // start has registered it: a process that closes while starting
        // retires once the start is done.
        let registered = false
        let closedWhileStarting = false
        const retireLater = () =>
          runInTable!(Effect.uninterruptible(retire(params.processId, actor, output, scope, observed)))
        const actor: ProcessActor = yield* Effect.gen(function*() {
          // The proxies first: the child's environment names their ports.
          // Loaded with the first proxy: node:http cannot be in the startup snapshot, and most servers never need it.
          const network = params.networkProxy === undefined
            ? undefined
            : yield* Effect.flatMap(
              Effect.promise(() => import("../network/ManagedProxy.js")),
              (ManagedProxy) =>
                ManagedProxy.make({
                  processId: params.processId,
                  launch: params.networkProxy!,
                  client,
                  asks,
                  environment: env,
                  dummies,
                  serverEnvironment: options.serverEnvironment ?? process.env,
                  premasked,
                  sandboxed: confinement._tag !== "Unconfined",
                  tcpUpstream: options.tcpUpstream
                })
            )
          // A confined process without network reaches its proxies (or the
          // client's), and nothing else of the host's loopback, through a
          // bridge into its namespace.
          const owner = { processId: params.processId, sandboxed: true }
          const bridgedPorts = confinement._tag === "Unconfined" || confinement.policy.network
            ? undefined
            : network !== undefined
            ? network.listeners.map((listener): BridgedPort => ({
              port: listener.port,
              // The forwarder inside does not say which port its client used.
              accept: (socket) => listener.serve(socket, `127.0.0.1:0`)
            }))
            : clientProxies?.ports.map((port): BridgedPort => ({ port, accept: (socket) => carryToClientEndpoint(socket, port, owner) }))
          const loopbackPorts = bridgedPorts === undefined
            ? undefined
            : yield* Effect.flatMap(
              Effect.promise(() => import("../sandbox/loopbackBridge.js")),
              (LoopbackBridge) => LoopbackBridge.bridge(bridgedPorts).pipe(Effect.mapError(withSpawnKind("sandboxPreparation")))
            )
          // Transparent TCP: the relay in the sandbox reaches the SOCKS5 proxy
          // (its own, with its credential, or the client's, without one)
          // through its bridged socket.
          const socks = params.networkProxy?.proxy.transparentTcp === true
            ? network?.socks
            : clientProxies?.socksPort === undefined
            ? undefined
            : { port: clientProxies.socksPort, username: "", password: "" }
          const bridged = socks !== undefined && loopbackPorts?.some((port) => port.port === socks.port) === true
          const transparentTcp = socks === undefined || !bridged
            ? undefined
            : { socketPath: `${LOOPBACK_SOCKETS}/${socks.port}`, username: socks.username, password: socks.password }
          // A limited process's own cgroup, removed when its scope closes (after its child is gone);
          // an unlimited one joins its session's (nothing made or removed per process), unless the
          // session's memory is limited: a cgroup of its own then says whether the OOM killer ended it.
          const own = placed.resources ?? {}
          const cgroup = session === undefined || (!anyLimit(own) && session.limits().memoryBytes === undefined)
            ? undefined
            : yield* session.process(own).pipe(
              Effect.mapError((error) =>
                new InternalError({ message: error.message, ...(error.errno === undefined ? {} : { errno: error.errno }), kind: "sandboxPreparation" })
              )
            )
          const launch = confinement._tag === "Unconfined"
            ? undefined
            : yield* sandbox.launch(confinement.policy, {
              argv: params.argv,
              arg0: params.arg0 ?? undefined,
              cwd: params.cwd,
              loopbackPorts,
              transparentTcp
            }).pipe(Effect.mapError(withSpawnKind("sandboxPreparation")))
          return yield* makeProcessActor({
            processId: params.processId,
            request: {
              tty: params.tty,
              argv: params.argv,
              cwd: params.cwd,
              env: network === undefined ? env : network.environment,
              arg0: params.arg0 ?? undefined,
              pipeStdin: params.pipeStdin,
              size: params.size ?? { rows: 24, cols: 80 },
              sandbox: launch,
              joinCgroups: cgroup?.joinFiles ?? session?.joinFiles,
              keep: kept === undefined ? undefined : {
                sessionKey: kept.sessionKey,
                processId: params.processId,
                detachTtlMs: kept.detachTtlMs(),
                retentionMs: options.retentionMs,
                retained: (release) => {
                  if (ending) return false
                  keptReleases.set(params.processId, release)
                  return true
                },
                adoptSocket: adopt
              }
            },
            spawner,
            output,
            graceMs: options.graceMs,
            closeDrainMs: options.closeDrainMs,
            emit: options.emit,
            reaper,
            sandbox: confinement._tag === "Unconfined" ? undefined : { network: confinement.policy.network },
            // Told of a limited process only: an unlimited one's exit reads as it always has.
            usage: cgroup?.usage,
            liveUsage: cgroup?.current,
            networkDecisions: network?.recentDecisions,
            onSpawned: network?.spawned,
            onClosed: () => {
              uncount()
              if (registered) retireLater()
              else closedWhileStarting = true
            }
          })
        }).pipe(
          Scope.provide(scope),
          Effect.tapCause(() =>
            Effect.andThen(
              Effect.sync(() => {
                entries.delete(params.processId)
                output.seal()
                uncount()
              }),
              Scope.close(scope, Exit.void)
            )
          )
        )
        entries.set(params.processId, { _tag: "Running", actor, scope, output })
        yield* observed.started(actor, (yield* Clock.currentTimeMillis) - spawnStartedAt)
        if (paused) actor.setPaused(true)
        if (detached) actor.setDetached(true)
        registered = true
        if (closedWhileStarting) retireLater()
        return actor
      }).pipe(Effect.uninterruptible)

    const find = (processId: string): Option.Option<ProcessActor> => {
      const entry = entries.get(processId)
      return entry === undefined || entry._tag === "Starting" ? Option.none() : Option.some(entry.actor)
    }

    const actors = (): Array<ProcessActor> =>
      [...entries.values()].flatMap((entry) => entry._tag === "Starting" ? [] : [entry.actor])

    return {
      start,
      find,
      dummies,
      setPaused: (next) => {
        paused = next
        for (const entry of entries.values()) if (entry._tag === "Running") entry.actor.setPaused(next)
      },
      setDetached: (next) => {
        detached = next
        for (const entry of entries.values()) if (entry._tag === "Running") entry.actor.setDetached(next)
      },
      get: (processId) =>
        Option.match(find(processId), {
          onNone: () => Effect.fail(new InvalidRequest({ message: `unknown process id ${processId}`, reason: "unknownProcess" })),
          onSome: Effect.succeed
        }),
      list: Effect.suspend(() => Effect.forEach(actors(), (actor) => actor.info)),
      actors
    }
  })
