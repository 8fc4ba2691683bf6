/**
 * A session's open file handles (`fs/open` ... `fs/close`), by the ids its
 * client chose. Each handle's file lives in a scope of its own under the
 * table's: closing the session closes every handle (a replacing handle that
 * was never closed leaves its target untouched and no temporary file).
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import type { Slots } from "../slots/Slots.js"
import { InvalidRequest, type SandboxDenied, type ServerBusy } from "../protocol/errors.js"
import type { FsError, OpenFile as AnyOpenFile } from "./FileOperations.js"

/** A handle's file, on the host or in a sandboxed worker. */
type OpenFile = AnyOpenFile<FsError | SandboxDenied>

/** The open handles of one session. */
export interface FileHandleTable {
  /** Opens `handleId` with the file `acquire` opens in the handle's scope; -32001 when the server has its most handles open. */
  readonly open: <E>(
    handleId: string,
    acquire: Effect.Effect<OpenFile, E, Scope.Scope>
  ) => Effect.Effect<void, E | InvalidRequest | ServerBusy>
  /** The file of an open handle; -32600 for an id that is not open. */
  readonly get: (handleId: string) => Effect.Effect<OpenFile, InvalidRequest>
  /**
   * Closes a handle: a replacing one puts its file in place, unless
   * `discard`. An id that is not open is a no-op.
   */
  readonly close: (handleId: string, discard?: boolean) => Effect.Effect<void, FsError | SandboxDenied>
  /** How many handles are open. */
  readonly size: () => number
}

type Entry =
  | { readonly _tag: "Opening" }
  | { readonly _tag: "Open"; readonly file: OpenFile; readonly scope: Scope.Closeable }

/** Settings of a session's file handles. */
export interface FileHandleTableOptions {
  /** Most handles open at once in this table. */
  readonly maxHandles: number
  /** The server's count of open handles over all sessions (none: only `maxHandles` bounds them). */
  readonly serverHandles?: Slots | undefined
}

/** A table whose handles close with the current scope; at most `maxHandles` open at once. */
export const makeFileHandleTable = (options: FileHandleTableOptions): Effect.Effect<FileHandleTable, never, Scope.Scope> =>
  Effect.flatMap(Effect.scope, (scope) => makeFileHandleTableIn(options, scope))

/** A table whose handles close with `tableScope` (a session's, given rather than provided: see makeProcessTableIn). */
export const makeFileHandleTableIn = (options: FileHandleTableOptions, tableScope: Scope.Scope): Effect.Effect<FileHandleTable> =>
  Effect.gen(function*() {
    const entries = new Map<string, Entry>()
    const serverHandles = options.serverHandles
    /** Once the table's scope is closing: it opens nothing more, and has given back every slot. */
    let tableClosed = false
    // Added first, so run last, once the handles' scopes have closed: every
    // handle still in the table (open or opening) gives its slot back.
    yield* Scope.addFinalizer(
      tableScope,
      Effect.sync(() => {
        tableClosed = true
        serverHandles?.release(entries.size)
      })
    )
    /** Forgets a handle and gives its slot back. */
    const forget = (handleId: string) => {
      if (entries.delete(handleId) && !tableClosed) serverHandles?.release()
    }

    const open = <E>(handleId: string, acquire: Effect.Effect<OpenFile, E, Scope.Scope>) =>
      Effect.gen(function*() {
        // The checks and the claims they guard, with nothing that yields between them.
        if (tableClosed) return yield* new InvalidRequest({ message: "the session is closed", reason: "sessionClosed" })
        if (entries.has(handleId)) {
          return yield* new InvalidRequest({ message: `file handle ${handleId} is already open`, reason: "fileHandleInUse" })
        }
        if (entries.size >= options.maxHandles) {
          return yield* new InvalidRequest({
            message: `this session already has ${entries.size} open file handles, the most allowed; close one first`
          })
        }
        if (serverHandles !== undefined && !serverHandles.tryTake()) {
          return yield* serverHandles.refusal(`the server already has ${serverHandles.inUse} file handles open over all sessions`)
        }
        entries.set(handleId, { _tag: "Opening" })
        const scope = yield* Scope.fork(tableScope, "sequential")
        const opened = yield* Effect.exit(Scope.provide(acquire, scope))
        if (Exit.isFailure(opened) || tableClosed) {
          forget(handleId)
          yield* Scope.close(scope, Exit.void)
          return yield* Exit.isFailure(opened)
            ? Effect.failCause(opened.cause)
            : new InvalidRequest({ message: "the session is closed", reason: "sessionClosed" })
        }
        entries.set(handleId, { _tag: "Open", file: opened.value, scope })
      }).pipe(Effect.uninterruptible)

    const get = (handleId: string): Effect.Effect<OpenFile, InvalidRequest> =>
      Effect.suspend(() => {
        const entry = entries.get(handleId)
        return entry?._tag === "Open"
          ? Effect.succeed(entry.file)
          : Effect.fail(new InvalidRequest({ message: `unknown file handle ${handleId}`, reason: "unknownFileHandle" }))
      })

    const close = (handleId: string, discard = false): Effect.Effect<void, FsError | SandboxDenied> =>
      Effect.suspend(() => {
        const entry = entries.get(handleId)
        if (entry?._tag !== "Open") return Effect.void
        forget(handleId)
        // Closing the scope without a commit drops what a replacing handle wrote.
        return Effect.ensuring(discard ? Effect.void : entry.file.commit, Scope.close(entry.scope, Exit.void))
      }).pipe(Effect.uninterruptible)

    return { open, get, close, size: () => entries.size }
  })
