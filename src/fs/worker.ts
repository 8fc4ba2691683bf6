/**
 * The file-operation worker: runs `fs/*` operations inside a sandbox (the
 * server starts it under bubblewrap with the request's policy), so that the
 * kernel, not a check made before the operation, decides what may be read
 * and written: no symlink swapped in after a check, no rename, no `..`
 * escapes it.
 *
 * An `RpcServer` of `WorkerRpcs` on stdin and stdout (schema-binary). The end
 * of stdin ends it: files of handles never closed are dropped, not put in
 * place, and the process exits. Logs go to stderr: stdout is the wire.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeStdio from "@effect/platform-node/NodeStdio"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FileSystem from "effect/FileSystem"
import * as Logger from "effect/Logger"
import * as RpcSerialization from "effect/rpc/RpcSerialization"
import * as RpcServer from "effect/rpc/RpcServer"
import * as Scope from "effect/Scope"
import { InternalError, InvalidRequest, SandboxDenied } from "../protocol/errors.js"
import type * as FileOperations from "./FileOperations.js"
import * as FsBackend from "./FsBackend.js"
import { type WorkerError, WorkerRpcs } from "./WorkerRpcs.js"
import { workerSerialization } from "./workerSerialization.js"

/** An operation's failure as it is answered: the kernel's refusals are the sandbox's, a defect is an internal error. */
const answered = <A, R>(effect: Effect.Effect<A, FileOperations.FsError | SandboxDenied, R>): Effect.Effect<A, WorkerError, R> =>
  effect.pipe(
    Effect.mapError((error) =>
      error._tag === "ExecServer/InternalError" &&
        (error.errno === "EROFS" || error.errno === "EACCES" || error.errno === "EPERM")
        ? new SandboxDenied({ message: `${error.message} (refused by the sandbox)`, errno: error.errno })
        : error
    ),
    Effect.catchDefect((defect) => new InternalError({ message: `fs worker: ${Cause.pretty(Cause.die(defect))}` }))
  )

const handlers = WorkerRpcs.toHandlers(Effect.gen(function*() {
  const files = FsBackend.host(yield* FileSystem.FileSystem)
  /** The open files of handles, with the scopes that close them. */
  const openFiles = new Map<number, { readonly file: FsBackend.HandleFile; readonly scope: Scope.Closeable }>()

  /** Closes a handle's file; `commit` first when the client closed it (else a replacing file is dropped). */
  const closeOpenFile = (handle: number, commit: boolean): Effect.Effect<void, FileOperations.FsError | SandboxDenied> =>
    Effect.suspend(() => {
      const current = openFiles.get(handle)
      openFiles.delete(handle)
      if (current === undefined) return Effect.void
      return Effect.ensuring(commit ? current.file.commit : Effect.void, Scope.close(current.scope, Exit.void))
    })

  /** A handle's file, or the error that it has none. */
  const fileOf = (handle: number): Effect.Effect<FsBackend.HandleFile, InvalidRequest> => {
    const current = openFiles.get(handle)
    return current === undefined
      ? Effect.fail(new InvalidRequest({ message: `no file ${handle} is open in this worker` }))
      : Effect.succeed(current.file)
  }

  // The server is gone (or stopped the worker): files that were never closed are dropped, not put in place.
  yield* Effect.addFinalizer(() =>
    Effect.forEach([...openFiles.keys()], (handle) => Effect.exit(closeOpenFile(handle, false)), { discard: true })
  )

  return {
    // Every operation on paths is the host backend's, answered as the worker answers.
    ...FsBackend.pathOperations((tag) => (payload) => answered(files[tag](payload))),
    openFile: ({ handle, maxBlockBytes, mode, path }) =>
      answered(Effect.gen(function*() {
        if (openFiles.has(handle)) return yield* new InvalidRequest({ message: `file ${handle} is open already` })
        const scope = yield* Scope.make()
        const file = yield* files.openFile(path, mode, maxBlockBytes).pipe(
          Scope.provide(scope),
          // Failed or interrupted while opening: nothing stays open.
          Effect.onError(() => Scope.close(scope, Exit.void))
        )
        openFiles.set(handle, { file, scope })
      })),
    readBlock: ({ handle, length, offset }) =>
      answered(Effect.flatMap(fileOf(handle), (file) => file.readBlock(offset, length))),
    writeBlock: ({ data, handle, offset }) =>
      answered(Effect.flatMap(fileOf(handle), (file) => file.writeBlock(offset, data))),
    closeFile: ({ commit, handle }) => answered(closeOpenFile(handle, commit))
  }
}))

/**
 * Serves until stdin ends. The protocol is made in the main fiber: the end
 * of its input interrupts this fiber, which closes its scope: the protocol
 * first, then the handlers (made before it), whose files never closed are
 * dropped. What it needs is provided without layers (but Node's file
 * system's): each costs a build at start, and a worker starts at a
 * sandboxed request.
 */
const main = Effect.gen(function*() {
  const handlerContext = yield* handlers
  const protocol = yield* RpcServer.makeProtocolStdio
  return yield* RpcServer.make(WorkerRpcs, { disableTracing: true }).pipe(
    Effect.provideService(RpcServer.Protocol, protocol),
    Effect.provide(handlerContext)
  )
}).pipe(
  Effect.scoped,
  Effect.provideService(RpcSerialization.RpcSerialization, workerSerialization),
  Effect.provide([NodeFileSystem.layer, NodeStdio.layer]),
  // Logs go to stderr only: stdout is the wire.
  Effect.provide(Logger.layer([Logger.withConsoleError(Logger.formatLogFmt)]))
)

// Ended by the server (stdin closed, main interrupted): exit 0, as before
// Effect 4 (whose default is 130 for an interruption).
NodeRuntime.runMain(main, {
  teardown: (exit, onExit) => onExit(Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause) ? 1 : 0)
})
