/**
 * `fs/*` under a sandbox. Every path is resolved first (symlinks and `..`)
 * and checked against the policy, so a refusal is a clear `SandboxDenied`;
 * then the operation runs in a worker process confined by bubblewrap with
 * the same policy, so what the kernel allows is what the policy allows, even
 * if a path is swapped for a symlink between the check and the operation.
 * One worker per policy, shared by its calls and its file handles, ended
 * after a while without requests or open handles.
 */
import type { RpcClientError } from "effect/rpc/RpcClientError"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import {
  InternalError,
  SandboxDenied,
  ServerBusy,
  SandboxUnavailable,
  type InvalidParams
} from "../protocol/errors.js"
import { withoutInherited } from "../native/inheritedDescriptors.js"
import type { SandboxRequest } from "../protocol/sandbox.js"
import { launcherArgv } from "../sandbox/bubblewrap.js"
import { accessAt, type Confinement, realPathOf, type ResolvedSandbox } from "../sandbox/policy.js"
import { Sandbox, type SandboxService } from "../sandbox/Sandbox.js"
import { ownMappedFiles } from "../procfs/processes.js"
import type { FsError, OpenFile } from "./FileOperations.js"
import { type FsBackend, pathOperations } from "./FsBackend.js"
import type { WorkerClient } from "./workerClient.js"
import { type Access, PATH_ACCESS, readsPath, type WorkerError, writesPath } from "./WorkerRpcs.js"

export type { Access } from "./WorkerRpcs.js"

/** File operations confined by a policy. */
export class SandboxedFs extends Context.Service<SandboxedFs, {
  /**
   * The operations under `policy`: each checks what it reads and writes,
   * then has the policy's worker perform it. A handle's file holds the
   * worker while it is open. SandboxUnavailable where the server has no
   * sandboxed file operations (`layerUnavailable`).
   */
  readonly backend: (policy: ResolvedSandbox) => Effect.Effect<FsBackend, SandboxUnavailable>
  /** Whether `backend` ever succeeds (the handshake's `sandboxedFileStreaming` capability). */
  readonly available: boolean
}>()("effect-exec-server/SandboxedFs") {}

/** No sandboxed file operations: an `fs/*` request that a sandbox confines is refused (SandboxUnavailable). */
export const layerUnavailable: Layer.Layer<SandboxedFs> = Layer.sync(SandboxedFs, () => ({
  available: false,
  backend: () =>
    Effect.fail(new SandboxUnavailable({ message: "sandbox unavailable, nothing was done: this server has no sandboxed file operations" }))
}))

/**
 * The policy a worker must enforce for a request so confined: none when
 * nothing confines, or when the policy leaves the whole file system
 * writable (the host's files are then what the worker would see).
 */
export const policyToEnforce = (confinement: Confinement): ResolvedSandbox | undefined =>
  confinement._tag === "Unconfined" || confinement.policy.rules.every((rule) => rule.access === "write")
    ? undefined
    : confinement.policy

/**
 * Where a request's file operations run: on the host (`onHost`), or in the
 * worker of the policy that confines it (the request's sandbox and the
 * operator's). What `fs/*` and the capability discoveries read through.
 */
export const backendFor = (
  sandbox: SandboxService,
  sandboxedFs: SandboxedFs["Service"],
  onHost: FsBackend
) =>
(request: SandboxRequest | undefined): Effect.Effect<FsBackend, InvalidParams | SandboxUnavailable> =>
  Effect.flatMap(sandbox.confinementOf(request, {}), (confinement) => {
    const policy = policyToEnforce(confinement)
    return policy === undefined ? Effect.succeed(onHost) : sandboxedFs.backend(policy)
  })

/** How long a worker without requests is kept. */
const IDLE_MS = 30_000
/**
 * The most workers at once (one per distinct policy, its handles' files
 * included): beyond it an idle one is stopped, and with none idle the
 * request is refused as busy.
 */
const MAX_WORKERS = 8
/** How long a stopped worker may take to drop its files and exit before it is killed. */
const STOP_GRACE_MS = 2000

/** The script given by `useWorkerScript`, in place of dist/fs/worker.js. */
let givenWorkerScript: string | undefined

/**
 * Runs the workers of the servers made after this from `script` (a bundle of
 * src/fs/worker.ts): for a server run from the sources, whose dist/ may be
 * stale or missing (the tests in process build one). Undefined: dist's again.
 */
export const useWorkerScript = (script: string | undefined): void => {
  givenWorkerScript = script
}

/** The worker's script: dist/fs/worker.js of this package, whether we run from dist, a bundle or the sources. */
const workerScript = (): string => {
  if (givenWorkerScript !== undefined) return givenWorkerScript
  let dir = Path.dirname(fileURLToPath(import.meta.url))
  while (true) {
    const candidate = Path.join(dir, "dist", "fs", "worker.js")
    if (Fs.existsSync(Path.join(dir, "package.json")) && Fs.existsSync(candidate)) return candidate
    const parent = Path.dirname(dir)
    if (parent === dir) return Path.join(Path.dirname(fileURLToPath(import.meta.url)), "worker.js")
    dir = parent
  }
}

/** The ELF interpreter a binary names (PT_INTERP), if it is a 64-bit little-endian ELF that names one. */
const elfInterpreter = (binary: string): string | undefined => {
  try {
    const fd = Fs.openSync(binary, "r")
    try {
      const header = Buffer.alloc(64)
      Fs.readSync(fd, header, 0, 64, 0)
      if (header.readUInt32BE(0) !== 0x7f454c46 || header[4] !== 2 || header[5] !== 1) return undefined
      const tableAt = Number(header.readBigUInt64LE(32))
      const entrySize = header.readUInt16LE(54)
      const entries = header.readUInt16LE(56)
      const table = Buffer.alloc(entrySize * entries)
      Fs.readSync(fd, table, 0, table.length, tableAt)
      for (let at = 0; at < table.length; at += entrySize) {
        if (table.readUInt32LE(at) !== 3) continue
        const name = Buffer.alloc(Number(table.readBigUInt64LE(at + 32)))
        Fs.readSync(fd, name, 0, name.length, Number(table.readBigUInt64LE(at + 8)))
        return name.toString("latin1").replace(/\0.*$/s, "")
      }
      return undefined
    } finally {
      Fs.closeSync(fd)
    }
  } catch {
    return undefined
  }
}

/**
 * What the worker's Node needs readable to start: its installation and the
 * worker's modules and, when Node is not the system's (under /usr), where
 * the system keeps what it links to: the directory of its ELF interpreter's
 * name and those of the shared libraries this process (the same binary)
 * has loaded. Without them a Node from nvm or npm cannot start under a
 * policy that hides /usr.
 */
const workerRuntime = (script: string): ReadonlyArray<string> => {
  const paths = [Path.dirname(Path.dirname(Fs.realpathSync(process.execPath))), Path.dirname(script)]
  const add = (path: string) => {
    if (!paths.some((known) => path === known || path.startsWith(`${known}/`))) paths.push(path)
  }
  const real = (path: string) => {
    try {
      return Fs.realpathSync(path)
    } catch {
      return undefined
    }
  }
  const interpreter = elfInterpreter(process.execPath)
  if (interpreter !== undefined) {
    // Its name's directory (/lib64 -> /usr/lib64, which holds a link to the file) and the file's own.
    const named = real(Path.dirname(interpreter))
    if (named !== undefined) add(named)
    const file = real(interpreter)
    if (file !== undefined) add(Path.dirname(file))
  }
  // None where /proc cannot be read (not Linux): the installation alone.
  for (const mapped of ownMappedFiles()) {
    if (!/\.so(\.[\d.]+)?$/.test(mapped)) continue
    const file = real(mapped)
    if (file !== undefined) add(Path.dirname(file))
  }
  return paths
}

/** The protocol's error for a refusal of the policy: writing where only reading is allowed, or touching a denied path. */
export const denied = (operation: string, path: string, readable: boolean) =>
  new SandboxDenied({
    message: `${operation} ${path}: the sandbox refused it (${readable ? "read-only file system" : "permission denied"})`,
    errno: readable ? "EROFS" : "EACCES"
  })

/** Checks every path of an operation against the policy, after resolving symlinks and `..`. */
export const check = (
  operation: string,
  policy: ResolvedSandbox,
  access: Access
): Effect.Effect<void, SandboxDenied> =>
  Effect.suspend(() => {
    for (const path of access.reads) {
      if (accessAt(policy, realPathOf(path)) === "none") return Effect.fail(denied(operation, path, false))
    }
    for (const path of access.entries ?? []) {
      if (accessAt(policy, realPathOf(path, false)) === "none") return Effect.fail(denied(operation, path, false))
    }
    for (const path of access.writes) {
      const real = realPathOf(path, false)
      const allowed = accessAt(policy, real)
      if (allowed !== "write") return Effect.fail(denied(operation, path, allowed === "read"))
    }
    return Effect.void
  })

interface Worker {
  readonly key: string
  readonly child: ChildProcess
  readonly scope: Scope.Closeable
  readonly client: WorkerClient
  /** Calls waiting for their answers. */
  inFlight: number
  /** Handles whose files the worker holds: it is not idle while it has any. */
  handles: number
  idleTimer: NodeJS.Timeout | undefined
  lastUsed: number
}

const isIdle = (worker: Worker) => worker.inFlight === 0 && worker.handles === 0

/** The sandboxed file operations, on the sandbox service; their workers end with the scope. */
export const make: Effect.Effect<SandboxedFs["Service"], never, Sandbox | Scope.Scope> =
  Effect.gen(function*() {
    const sandbox = yield* Sandbox
    const layerScope = yield* Effect.scope
    const script = workerScript()
    // The worker's own runtime must be readable even under a policy that hides most of the system.
    const runtime = workerRuntime(script)
    const workers = new Map<string, Worker>()
    const starting = new Map<string, Deferred.Deferred<Worker, SandboxUnavailable | InvalidParams | InternalError | ServerBusy>>()

    /**
     * Stops a worker: with its stdin closed it drops the files of handles
     * never closed and exits; one that does not is killed. A worker is
     * stopped when idle, or when the server stops: calls still waiting then
     * fail as with a worker that ended, or are interrupted with the scope.
     */
    const stop = (worker: Worker) =>
      Effect.callback<void>((resume) => {
        if (workers.get(worker.key) === worker) workers.delete(worker.key)
        if (worker.idleTimer !== undefined) clearTimeout(worker.idleTimer)
        if (worker.child.exitCode !== null || worker.child.signalCode !== null) return resume(Effect.void)
        const timer = setTimeout(() => worker.child.kill("SIGKILL"), STOP_GRACE_MS)
        worker.child.once("exit", () => {
          clearTimeout(timer)
          resume(Effect.void)
        })
        worker.child.stdin?.end()
      }).pipe(Effect.andThen(Scope.close(worker.scope, Exit.void)))

    /** Stops a worker once it has had nothing to do for IDLE_MS. */
    const whenIdle = (worker: Worker) => {
      if (!isIdle(worker) || workers.get(worker.key) !== worker) return
      worker.idleTimer = setTimeout(() => Effect.runFork(stop(worker)), IDLE_MS)
      worker.idleTimer.unref()
    }

    yield* Effect.addFinalizer(() => Effect.forEach([...workers.values()], stop, { discard: true }))

    /** Starts a worker confined by `policy`, living in `scope`, which closes when it exits. */
    const launch = (key: string, policy: ResolvedSandbox, scope: Scope.Closeable) =>
      Effect.gen(function*() {
        // The worker needs no network whatever the policy says.
        const prepared = yield* sandbox.prepare({ ...policy, network: false }, runtime).pipe(Scope.provide(scope))
        const [command, ...args] = launcherArgv(
          prepared.launcher,
          { policy: prepared.policy, cwd: "/", extraReadable: runtime },
          [process.execPath, script]
        )
        const { makeWorkerClient } = yield* Effect.promise(() => import("./workerClient.js"))
        const child = spawn(...withoutInherited(command!, args), {
          stdio: ["pipe", "pipe", "inherit"],
          // Not the server's environment (its tokens): the worker's is readable as /proc/self/environ
          // (and bubblewrap's as /proc/1/environ) by the fs calls it makes.
          env: { PATH: process.env.PATH ?? "/usr/bin:/bin" }
        })
        child.stdin!.on("error", () => {})
        child.on("error", () => {})
        // In a later turn, as on Effect 3 (Effect 4 runs a fiber at once): the
        // client's reader, which calls this as it ends, lives in this scope.
        const close = () => void Effect.runFork(Effect.andThen(Effect.yieldNow, Scope.close(scope, Exit.void)))
        // Closed once its stdout has ended and what waited has failed; after
        // the exit, at the latest when the grace to end it has passed.
        const client = yield* makeWorkerClient(child, close).pipe(Scope.provide(scope))
        const worker: Worker = { key, child, scope, client, inFlight: 0, handles: 0, idleTimer: undefined, lastUsed: Date.now() }
        child.on("exit", () => {
          if (workers.get(key) === worker) workers.delete(key)
          setTimeout(close, STOP_GRACE_MS).unref()
        })
        return worker
      }).pipe(Effect.tapError(() => Scope.close(scope, Exit.void)))

    const startWorker = (key: string, policy: ResolvedSandbox) =>
      Effect.gen(function*() {
        // At the limit, the least recently used idle worker makes room.
        if (workers.size >= MAX_WORKERS) {
          const idle = [...workers.values()].filter(isIdle).sort((a, b) => a.lastUsed - b.lastUsed)[0]
          if (idle === undefined) {
            return yield* new ServerBusy({
              message: `all ${MAX_WORKERS} sandboxed file workers are busy or hold open handles; retry when one is closed`
            })
          }
          yield* stop(idle)
        }
        const scope = yield* Scope.fork(layerScope, "sequential")
        const worker = yield* launch(key, policy, scope)
        workers.set(key, worker)
        return worker
      })

    /** The worker of a policy: the running one, the one being started, or a new one. */
    const workerFor = (policy: ResolvedSandbox) =>
      Effect.suspend(() => {
        const key = JSON.stringify(policy.rules)
        const running = workers.get(key)
        if (running !== undefined) return Effect.succeed(running)
        const inFlight = starting.get(key)
        if (inFlight !== undefined) return Deferred.await(inFlight)
        const started = Deferred.makeUnsafe<Worker, SandboxUnavailable | InvalidParams | InternalError | ServerBusy>()
        starting.set(key, started)
        return startWorker(key, policy).pipe(
          Effect.exit,
          Effect.flatMap((exit) => {
            starting.delete(key)
            return Effect.andThen(Deferred.done(started, exit), exit)
          })
        )
      })

    /**
     * Has a worker run `call`; the worker is not idle meanwhile. Its end
     * (or a failure of the wire) is an internal error of the operation.
     */
    const perform = <A>(
      worker: Worker,
      operation: string,
      call: (client: WorkerClient) => Effect.Effect<A, WorkerError | RpcClientError>
    ): Effect.Effect<A, WorkerError> =>
      Effect.acquireUseRelease(
        Effect.sync(() => {
          if (worker.idleTimer !== undefined) clearTimeout(worker.idleTimer)
          worker.idleTimer = undefined
          worker.lastUsed = Date.now()
          worker.inFlight++
        }),
        () =>
          Effect.catchTag(call(worker.client), "RpcClientError", () =>
            new InternalError({ message: `${operation}: the sandboxed file worker ended unexpectedly` })),
        () =>
          Effect.sync(() => {
            worker.inFlight--
            whenIdle(worker)
          })
      )

    let nextHandle = 0

    /** Holds the worker for a handle until the scope closes, then has it drop the file unless it was committed. */
    const holdFor = (worker: Worker) =>
      Effect.acquireRelease(
        Effect.sync(() => {
          worker.handles++
          if (worker.idleTimer !== undefined) clearTimeout(worker.idleTimer)
          worker.idleTimer = undefined
          return { handle: ++nextHandle, closed: false }
        }),
        (held) =>
          Effect.ensuring(
            held.closed
              ? Effect.void
              : Effect.ignore(perform(worker, "fs/close", (client) => client.closeFile({ handle: held.handle, commit: false }))),
            Effect.sync(() => {
              worker.handles--
              whenIdle(worker)
            })
          )
      )

    /** Checks `access`, then has the policy's worker run `call` (`operation` names it in errors). */
    const run = <A>(
      policy: ResolvedSandbox,
      access: Access,
      operation: string,
      call: (worker: WorkerClient) => Effect.Effect<A, WorkerError | RpcClientError>
    ) =>
      Effect.gen(function*() {
        yield* check(operation, policy, access)
        const worker = yield* workerFor(policy)
        return yield* perform(worker, operation, call)
      })

    const openFile = (policy: ResolvedSandbox, path: string, mode: "read" | "replace", maxBlockBytes: number) =>
      Effect.gen(function*() {
        yield* check("fs/open", policy, (mode === "read" ? readsPath : writesPath)({ path }))
        const worker = yield* workerFor(policy)
        const held = yield* holdFor(worker)
        const { handle } = held
        yield* perform(worker, "fs/open", (client) => client.openFile({ handle, path, mode, maxBlockBytes }))
        const file: OpenFile<FsError | SandboxDenied> = {
          mode,
          readBlock: (offset, length) =>
            perform(worker, "fs/readBlock", (client) => client.readBlock({ handle, offset, length })),
          writeBlock: (offset, data) =>
            perform(worker, "fs/writeBlock", (client) => client.writeBlock({ handle, offset, data })),
          commit: Effect.suspend(() => {
            held.closed = true
            return perform(worker, "fs/close", (client) => client.closeFile({ handle, commit: true }))
          })
        }
        return file
      })

    return {
      available: true,
      backend: (policy) => Effect.succeed<FsBackend>({
        // Each operation on paths: checked for what it reads and writes, then run by the policy's worker.
        ...pathOperations((tag) => (payload) =>
          run(policy, PATH_ACCESS[tag](payload), `fs/${tag}`, (worker) => worker[tag](payload as never))),
        openFile: (path, mode, maxBlockBytes) => openFile(policy, path, mode, maxBlockBytes)
      })
    }
  })

/** The sandboxed file operations, on the sandbox service. */
export const layer: Layer.Layer<SandboxedFs, never, Sandbox> = Layer.effect(SandboxedFs, make)
