/**
 * The spawner whose children are kept by holders (`--keep-processes`): each
 * child is started by an `exec-server-holder` of its own (src/holder/),
 * started as the server's child and attached from the start (Holder.spawnAttached:
 * its output read from the holder's shared ring); its socket, in the state
 * directory, is for the servers after this one. The child is not the server's:
 * a server that is killed leaves it running, held until its orphan TTL.
 * Pipes and terminals alike; the sandbox's launcher and the cgroups are
 * passed on as the other spawners pass them.
 */
import * as Effect from "effect/Effect"
import * as Latch from "effect/Latch"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Holder from "../holder/Holder.js"
import { InternalError, type SpawnNotFound } from "../protocol/errors.js"
import {
  ChildEvents,
  type ChildProcess,
  type KeptProcess,
  MAX_STDIN_BACKLOG_BYTES,
  type ProcessSpawner,
  type SequencedKind,
  type SpawnRequest,
  type StdinStatus
} from "./ChildProcess.js"
import { HeldReplay, type ReplayedEvent } from "./heldReplay.js"
import { claimRecord, IndexWriter, readIndex, recordFiles, removeRecord, serverIdentity, writeRecord } from "./heldRecords.js"
import { exitCodeOf, killProcessGroup, processGroupExists, signalChild } from "./signals.js"
import { commandPidOf } from "../sandbox/bubblewrap.js"
import type { SandboxedLaunch } from "../sandbox/Sandbox.js"
import { holderSocketPath } from "./stateDirectory.js"
import { checkArgumentSize, checkInterpreter, checkProgramName, checkWorkingDirectory, resolveExecutable } from "./spawnChecks.js"

/** Options of the held spawner. */
export interface HeldSpawnerOptions {
  /** The state directory: the holders' sockets are made in it (the caller made it the server's user's alone, 0700). */
  readonly stateDir: string
  /** How long a holder no server is attached to keeps its child before ending its group and exiting. */
  readonly orphanTtlMs: number
  /** Between SIGTERM and SIGKILL when a holder ends its child's group. */
  readonly killGraceMs: number
  /** The holder's executable (default: the one built beside the addon). */
  readonly holderPath?: string | undefined
}

/** The exit a holder that is gone is reported with: its child's group is killed (it had no keeper left). */
const LOST_HOLDER_EXIT = { exitCode: exitCodeOf(null, "SIGKILL"), signal: "SIGKILL" } as const

/** Builds the held spawner. */
export const make = (options: HeldSpawnerOptions): ProcessSpawner => ({
  spawn: (request) =>
    request.keep?.adoptSocket !== undefined ? adopt(request, request.keep, request.keep.adoptSocket) : start(options, request)
})

const start = (options: HeldSpawnerOptions, request: SpawnRequest) =>
  Effect.gen(function*() {
    const argv = request.sandbox?.argv ?? request.argv
    yield* checkProgramName(request.argv[0]!)
    yield* checkArgumentSize(argv, request.env)
    const [program, ...args] = request.argv
    // A confined command gets its argv[0] from the sandbox's launcher.
    const [file, childArgv] = request.sandbox !== undefined
      ? [undefined, request.sandbox.argv]
      : request.arg0 !== undefined
      ? [program!, [request.arg0, ...args]]
      : [undefined, request.argv]
    const socketPath = holderSocketPath(options.stateDir)
    const scope = yield* Effect.scope
    // Started attached: the holder is this server's child until the server is gone, its first
    // connection a socketpair (no connect or HELLO before the first byte).
    const { connection, started } = yield* Holder.spawnAttached({
      socketPath,
      argv: childArgv,
      file,
      env: request.env,
      cwd: request.cwd,
      terminal: request.tty ? request.size : undefined,
      pipeStdin: request.pipeStdin,
      joinCgroups: request.joinCgroups,
      orphanTtlMs: options.orphanTtlMs,
      killGraceMs: options.killGraceMs,
      stdinBacklogBytes: MAX_STDIN_BACKLOG_BYTES,
      removeOnExit: request.keep === undefined ? undefined : recordFiles(socketPath),
      // Its exit and retained output outlive this server too, for the retention period.
      lingerMs: request.keep?.retentionMs,
      holderPath: options.holderPath
    }).pipe(
      Scope.provide(scope),
      Effect.catchTags({
        "effect-exec-server/HolderUnavailable": (unavailable) =>
          Effect.fail(new InternalError({ message: `cannot keep processes: ${unavailable.message}` })),
        // The same errors as the other spawners: theirs are made by the same checks, run once the start failed.
        "effect-exec-server/HolderSpawnFailed": (failure) =>
          Effect.andThen(failureChecks(request.sandbox === undefined, failure, request.cwd, program!, request.env), Effect.fail(Holder.spawnErrorOf(failure)))
      })
    )
    const keep = request.keep
    if (keep !== undefined) {
      yield* Effect.try({
        try: () =>
          writeRecord(socketPath, {
            sessionKey: keep.sessionKey,
            processId: keep.processId,
            tty: request.tty,
            argv: request.argv,
            cwd: request.cwd,
            detachTtlMs: keep.detachTtlMs,
            startedAtMs: Date.now(),
            owner: serverIdentity(),
            confined: request.sandbox !== undefined
          }),
        catch: (error) => new InternalError({ message: `cannot record a kept process: ${(error as Error).message}` })
      }).pipe(Effect.tapError(() => connection.done))
    }
    return yield* held(connection, started.childPid, request, keep, socketPath, scope, undefined)
  })

/** Takes over the holder at `socketPath`, whose process a server that is gone started (its record says whose). */
const adopt = (request: SpawnRequest, keep: KeptProcess, socketPath: string) =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const connection = yield* Holder.attach(socketPath, { from: 0, takeover: true }).pipe(
      Scope.provide(scope),
      Effect.mapError((error) => new InternalError({ message: `cannot adopt the process kept at ${socketPath}: ${error.message}` }))
    )
    const replay = new HeldReplay(readIndex(socketPath), connection.oldest)
    // This server's from now: a server started beside it leaves it alone.
    const record = claimRecord(socketPath)
    // A confined command is signalled in its own group, as by the server that started it.
    const launch: SandboxedLaunch | undefined = record?.confined === true ? { argv: [], commandPid: commandPidOf } : undefined
    return yield* held(connection, connection.childPid, { ...request, sandbox: launch }, keep, socketPath, scope, replay)
  })

/** A child kept by the holder on `connection`, numbered on from the replay's index when adopted. */
const held = (
  connection: Holder.HolderConnection,
  pid: number,
  request: SpawnRequest,
  keep: KeptProcess | undefined,
  socketPath: string,
  scope: Scope.Scope,
  replay: HeldReplay | undefined
) =>
  Effect.gen(function*() {
    const events = new ChildEvents()
    let exited = false
    let closed = false
    /** One past the last output position handed on. */
    let position = connection.oldest
    /** The output ends of the events handed on and not yet numbered by the actor. */
    const outputEnds: Array<number> = []
    const lastIndexedSeq = replay?.lastIndexedSeq ?? 0
    const index = keep === undefined
      ? undefined
      : yield* Effect.try({
        // What the ring can no longer give back is dropped from the index when it is rewritten.
        try: () => new IndexWriter(socketPath, () => position - connection.ringBytes),
        catch: (error) => new InternalError({ message: `cannot index a kept process: ${(error as Error).message}` })
      }).pipe(Effect.tapError(() => replay === undefined ? connection.done : Effect.void))
    const sequenced = index === undefined ? undefined : (kind: SequencedKind, seq: number) => {
      const end = kind === "output" ? outputEnds.shift() ?? position : position
      // The replayed events are in the index already.
      if (seq > lastIndexedSeq) index.append(kind, seq, end)
    }
    // Flow control: while the latch is shut no event is taken, so none is acknowledged and the holder stops reading the child.
    const flowing = Latch.makeUnsafe(true)
    const handOn = (event: ReplayedEvent) => {
      switch (event._tag) {
        case "Output":
          position = event.end
          outputEnds.push(event.end)
          events.emit({ _tag: "Output", stream: event.stream, bytes: event.bytes })
          break
        case "Exited":
          exited = true
          events.emit({ _tag: "Exited", exitCode: exitCodeOf(event.exit.code, event.exit.signal), signal: event.exit.signal })
          break
        case "Closed":
          closed = true
          events.emit({ _tag: "Closed" })
          break
      }
    }
    const deliver = (event: Holder.HolderEvent) => {
      if (replay !== undefined) return replay.push(event, handOn)
      switch (event._tag) {
        case "Output":
          handOn({ _tag: "Output", stream: event.stream, bytes: event.bytes, end: event.position + event.bytes.byteLength })
          break
        case "Exited":
          handOn({ _tag: "Exited", exit: event, end: position })
          break
        case "Closed":
          handOn({ _tag: "Closed", end: position })
          break
        case "Lost":
          // Never while attached from the start: the holder overwrites nothing unacknowledged.
          break
      }
    }
    const pump = connection.events.pipe(
      Stream.runForEach((event) => Effect.andThen(flowing.await, Effect.sync(() => deliver(event)))),
      Effect.catch((error) =>
        Effect.sync(() => {
          // Another server took the process over (a handover, or an adoption): it is that server's now.
          if (error._tag === "effect-exec-server/HolderRefused" && error.reason === "displaced") return
          // The holder is gone (killed, or it failed): nothing keeps the child now, so it is ended with it.
          if (closed) return
          killProcessGroup(pid, "SIGKILL")
          if (!exited) events.emit({ _tag: "Exited", ...LOST_HOLDER_EXIT })
          closed = true
          events.emit({ _tag: "Closed" })
        })
      )
    )
    yield* Scope.addFinalizer(
      scope,
      Effect.suspend(() => {
        events.close()
        index?.close()
        // Closed and its record kept: the holder keeps the exit and the output for a later server, the
        // retention period long. Else released by the server: the holder ends the child's group, and exits.
        if (closed && keep !== undefined && keep.retained(() => release(socketPath))) return connection.detach
        if (keep !== undefined) removeRecord(socketPath)
        return connection.done
      })
    )
    yield* Effect.forkIn(pump, scope)

    const handle: ChildProcess = {
      pid,
      outlivesServer: true,
      sequenced,
      // Retained as much as the holder kept: what a client resuming it has not read yet is there.
      adopted: replay === undefined ? undefined : { lastSeq: replay.firstSeq, retainBytes: connection.ringBytes },
      listen: (sink) => events.listen(sink),
      write: (bytes) => connection.write(bytes).pipe(Effect.catch(() => Effect.succeed<StdinStatus>("stdinClosed"))),
      closeStdin: connection.closeStdin.pipe(Effect.catch(() => Effect.succeed("stdinClosed" as const))),
      resize: (size) => connection.terminal ? Effect.ignore(connection.resize(size.rows, size.cols)) : Effect.void,
      signal: (signal) => signalChild(pid, request.sandbox, signal),
      groupExists: () => processGroupExists(pid),
      endOutput: Effect.ignore(connection.endOutput),
      setPaused: (paused) => {
        if (paused) flowing.closeUnsafe()
        else flowing.openUnsafe()
      }
    }
    return handle
  })

/** A closed process's record is gone: so are its files, and its holder (which would otherwise wait out its linger). */
const release = (socketPath: string) => {
  removeRecord(socketPath)
  Holder.dismiss(socketPath)
}

/**
 * After a failed start: the checks the pipe spawner makes, so that a missing
 * cwd or program is the same SpawnNotFound (a confined command's program is
 * the sandbox's to find).
 */
const failureChecks = (
  unconfined: boolean,
  failure: Holder.HolderSpawnFailed,
  cwd: string,
  program: string,
  env: Readonly<Record<string, string>>
): Effect.Effect<void, InternalError | SpawnNotFound> =>
  Effect.andThen(
    checkWorkingDirectory(cwd),
    unconfined && failure.errno === "ENOENT" && failure.stage !== "cgroup"
      ? Effect.flatMap(resolveExecutable(program, cwd, env), checkInterpreter)
      : Effect.void
  )
