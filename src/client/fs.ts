/**
 * The host filesystem through the server (`fs/*`) on the peer: whole files
 * and file handles, walks, and the two kinds of watch, whose notifications
 * it routes to their watchers.
 */
import type * as Rpc from "effect/rpc/Rpc"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { fileURLToPath } from "node:url"
import { WALK_MAXIMUMS, type WalkOptions, type WalkResult as WireWalkResult } from "../protocol/schema.js"
import type { ClientError, ProtocolError } from "./ClientError.js"
import { type SandboxInput, sandboxField, toBytes } from "./fields.js"
import type { JsonRpcPeer } from "./JsonRpcPeer.js"
import type { RpcOf } from "./methods.js"

/** What `fs/walk` found: paths as `file://` URIs. */
export type WalkResult = typeof WireWalkResult.Type

/**
 * An open file on the server (`fs/open`): blocks read or written at offsets.
 * `close` ends it (a replacing handle's file takes its target's place then);
 * a handle whose scope closes first is dropped, its target untouched.
 */
export interface ClientFileHandle {
  readonly handleId: string
  /** Up to `length` bytes from `offset` (fewer at the end, or above the server's block limit); `eof` at the end. */
  readonly readBlock: (offset: number, length: number) => Effect.Effect<{ readonly chunk: Uint8Array; readonly eof: boolean }, ClientError>
  readonly writeBlock: (offset: number, data: Uint8Array | string) => Effect.Effect<void, ClientError>
  readonly close: Effect.Effect<void, ClientError>
}

/** A batch of changes under a watched path: paths as `file://` URIs; `overflow` when some were left out (look again). */
export interface PathChanges {
  readonly changes: ReadonlyArray<{ readonly path: string; readonly kind: "created" | "modified" | "removed" }>
  readonly overflow: boolean
}

/** A missing-path watch (see `ClientFileSystem.watchMissing`). */
export interface MissingWatch {
  readonly watching: boolean
  readonly changed: Effect.Effect<void, ClientError>
}

/** The host filesystem through the server (`fs/*`). Paths are absolute or `file://` URIs. */
export interface ClientFileSystem {
  readonly readFile: (
    path: string,
    range?: { readonly offset?: number; readonly length?: number }
  ) => Effect.Effect<Uint8Array, ClientError>
  /**
   * Written atomically (temporary file and rename). Data too large for one
   * message goes in blocks through a replacing file handle, still atomic.
   */
  readonly writeFile: (path: string, data: Uint8Array | string) => Effect.Effect<void, ClientError>
  /** Opens a file handle for the scope: `read` (default) or `replace`. */
  readonly open: (
    path: string,
    options?: { readonly mode?: "read" | "replace" }
  ) => Effect.Effect<ClientFileHandle, ClientError, Scope.Scope>
  /** A file's contents as a stream of blocks, through a file handle (for files of any size). */
  readonly readFileStream: (path: string, options?: { readonly blockBytes?: number }) => Stream.Stream<Uint8Array, ClientError>
  /** The path with every symlink and `..` resolved. */
  readonly canonicalize: (path: string) => Effect.Effect<string, ClientError>
  /**
   * A tree, breadth first (`fs/walk`); the options default to the server's
   * maximums, links not followed, hidden directories descended.
   */
  readonly walk: (path: string, options?: Partial<WalkOptions>) => Effect.Effect<WalkResult, ClientError>
  /**
   * Watches paths believed missing (and one believed present) for the scope
   * (`fs/watchMissing`). `watching` is false when the server would not
   * watch (one of them exists already, `present` does not, too many paths);
   * `changed` completes once one of them may have appeared, the directory it
   * would appear in went away, or `present` changed (at once when not
   * watching). One watch per client: a new one replaces it.
   */
  readonly watchMissing: (
    missing: ReadonlyArray<string>,
    options?: { readonly present?: string }
  ) => Effect.Effect<MissingWatch, ClientError, Scope.Scope>
  /**
   * The changes under a path (`fs/watch`), in batches as the server
   * coalesces them; the watch starts when the stream is run (changes from
   * then on are seen) and ends with it.
   */
  readonly watch: (path: string, options?: { readonly recursive?: boolean }) => Stream.Stream<PathChanges, ClientError>
  readonly createDirectory: (path: string, options?: { readonly recursive?: boolean }) => Effect.Effect<void, ClientError>
  readonly getMetadata: (path: string) => Effect.Effect<Rpc.Success<RpcOf<"fs/getMetadata">>, ClientError>
  readonly readDirectory: (path: string) => Effect.Effect<Rpc.Success<RpcOf<"fs/readDirectory">>["entries"], ClientError>
  readonly remove: (
    path: string,
    options?: { readonly recursive?: boolean; readonly force?: boolean }
  ) => Effect.Effect<void, ClientError>
  readonly copy: (
    sourcePath: string,
    destinationPath: string,
    options?: { readonly recursive?: boolean }
  ) => Effect.Effect<void, ClientError>
}

// Handle ids live in the session, which two clients of this Node process may share (a resume): numbered process-wide.
let nextHandleNumber = 1

/**
 * The fs API on `peer`, every request with the client's `sandbox`; it routes
 * the watch notifications to their watchers, which fail when the connection
 * they live on drops.
 */
export const make = (peer: JsonRpcPeer, sandbox: SandboxInput | undefined): Effect.Effect<ClientFileSystem, ProtocolError> =>
  Effect.map(sandboxField(undefined, sandbox), (fsSandbox) => {
    /** Where each path watch's changes go, by watch id. */
    const pathWatches = new Map<string, Queue.Queue<PathChanges, ClientError | Cause.Done>>()
    /** The missing-path watch waiting for its notification, by watch id. */
    const missingWatches = new Map<number, (outcome: Exit.Exit<void, ClientError>) => void>()
    let lastWatchId = 0
    let nextPathWatch = 1

    peer.subscribe("fs/changed", (changed) => {
      const changes = pathWatches.get(changed.watchId)
      if (changes !== undefined) Queue.offerUnsafe(changes, changed)
    })
    peer.subscribe("fs/missingChanged", (changed) => missingWatches.get(changed.watchId)?.(Exit.void))
    peer.listen({
      linkLost: (error) => {
        for (const settle of [...missingWatches.values()]) settle(Exit.fail(error))
        missingWatches.clear()
        for (const changes of pathWatches.values()) Queue.failCauseUnsafe(changes, Cause.fail(error))
        pathWatches.clear()
      }
    })

    /** The largest block whose `fs/writeBlock` message fits the server's limit. */
    const blockBytesFor = () => Math.max(1, Math.min(4 * 1024 * 1024, Math.floor((peer.maxMessageBytes - 4096) * 3 / 4)))

    const open = (path: string, openOptions: { readonly mode?: "read" | "replace" } = {}) =>
      Effect.acquireRelease(
        Effect.gen(function*() {
          const handleId = `h-${process.pid}-${nextHandleNumber++}`
          yield* peer.call("fs/open", { handleId, path, mode: openOptions.mode ?? "read", ...fsSandbox })
          let closed = false
          const handle: ClientFileHandle & { readonly closed: () => boolean } = {
            handleId,
            closed: () => closed,
            readBlock: (offset, length) =>
              Effect.map(peer.call("fs/readBlock", { handleId, offset, len: length }), ({ chunk, eof }) => ({ chunk, eof })),
            writeBlock: (offset, data) => Effect.asVoid(peer.call("fs/writeBlock", { handleId, offset, chunk: toBytes(data) })),
            close: Effect.suspend(() => {
              closed = true
              return Effect.asVoid(peer.call("fs/close", { handleId, discard: false }))
            })
          }
          return handle
        }),
        // Not closed by its owner: dropped (a replacing handle leaves its target as it was).
        (handle) =>
          handle.closed() || peer.closed !== undefined
            ? Effect.void
            : peer.call("fs/close", { handleId: handle.handleId, discard: true }).pipe(Effect.timeout("5 seconds"), Effect.ignore)
      )

    const writeFileInBlocks = (path: string, data: Uint8Array) =>
      Effect.scoped(Effect.gen(function*() {
        const handle = yield* open(path, { mode: "replace" })
        const block = blockBytesFor()
        for (let offset = 0; offset < data.byteLength; offset += block) {
          yield* handle.writeBlock(offset, data.subarray(offset, offset + block))
        }
        yield* handle.close
      }))

    const readFileStream = (path: string, streamOptions: { readonly blockBytes?: number } = {}) =>
      Stream.unwrap(Effect.map(open(path), (handle) => {
        const block = streamOptions.blockBytes ?? 4 * 1024 * 1024
        return Stream.paginate(0, (offset: number) =>
          Effect.map(handle.readBlock(offset, block), ({ chunk, eof }) =>
            [
              chunk.byteLength === 0 ? [] : [chunk],
              eof ? Option.none<number>() : Option.some(offset + chunk.byteLength)
            ] as const))
      }))

    const watchMissing = (missing: ReadonlyArray<string>, watchOptions: { readonly present?: string } = {}) =>
      Effect.gen(function*() {
        const watchId = ++lastWatchId
        const changed = Deferred.makeUnsafe<void, ClientError>()
        let settled = false
        const settle = (outcome: Exit.Exit<void, ClientError>) => {
          settled = true
          Deferred.doneUnsafe(changed, outcome)
        }
        yield* Effect.acquireRelease(
          Effect.sync(() => missingWatches.set(watchId, settle)),
          // Done with: a watch still installed is replaced by none.
          () =>
            Effect.suspend(() => {
              missingWatches.delete(watchId)
              return lastWatchId !== watchId || settled || peer.closed !== undefined
                ? Effect.void
                : Effect.ignore(Effect.timeout(peer.call("fs/watchMissing", { watchId: ++lastWatchId, missing: [] }), "5 seconds"))
            })
        )
        const { watching } = yield* peer.call("fs/watchMissing", {
          watchId,
          missing,
          ...(watchOptions.present === undefined ? {} : { present: watchOptions.present })
        })
        if (!watching) settle(Exit.void)
        return { watching, changed: Deferred.await(changed) }
      })

    const watch = (path: string, watchOptions: { readonly recursive?: boolean } = {}) =>
      Stream.unwrap(Effect.gen(function*() {
        const watchId = `pw-${process.pid}-${nextPathWatch++}`
        const changes = yield* Queue.make<PathChanges, ClientError | Cause.Done>()
        yield* Effect.acquireRelease(
          Effect.sync(() => pathWatches.set(watchId, changes)),
          () =>
            Effect.suspend(() => {
              pathWatches.delete(watchId)
              return peer.closed !== undefined
                ? Effect.void
                : Effect.ignore(Effect.timeout(peer.call("fs/unwatch", { watchId }), "5 seconds"))
            })
        )
        yield* peer.call("fs/watch", { watchId, path, recursive: watchOptions.recursive ?? false, ...fsSandbox })
        return Stream.fromQueue(changes).pipe(
          Stream.map((batch): PathChanges => ({ changes: batch.changes, overflow: batch.overflow }))
        )
      }))

    const fs: ClientFileSystem = {
      watch,
      canonicalize: (path) =>
        Effect.map(peer.call("fs/canonicalize", { path, ...fsSandbox }), (result) =>
          result.path.startsWith("file:") ? fileURLToPath(result.path) : result.path),
      walk: (path, walkOptions = {}) =>
        peer.call("fs/walk", {
          path,
          options: {
            maxDepth: walkOptions.maxDepth ?? WALK_MAXIMUMS.maxDepth,
            maxDirectories: walkOptions.maxDirectories ?? WALK_MAXIMUMS.maxDirectories,
            maxEntries: walkOptions.maxEntries ?? WALK_MAXIMUMS.maxEntries,
            followDirectorySymlinks: walkOptions.followDirectorySymlinks ?? false,
            pruneHiddenDirectories: walkOptions.pruneHiddenDirectories ?? false
          },
          ...fsSandbox
        }),
      watchMissing,
      readFile: (path, range = {}) =>
        Effect.map(peer.call("fs/readFile", { path, ...range, ...fsSandbox }), (result) => result.dataBase64),
      writeFile: (path, data) => {
        const bytes = toBytes(data)
        // Base64 takes 4 bytes for 3, and the message has a few hundred more.
        return Math.ceil(bytes.byteLength / 3) * 4 + 4096 > peer.maxMessageBytes
          ? writeFileInBlocks(path, bytes)
          : Effect.asVoid(peer.call("fs/writeFile", { path, dataBase64: bytes, ...fsSandbox }))
      },
      open,
      readFileStream,
      createDirectory: (path, createOptions = {}) =>
        Effect.asVoid(peer.call("fs/createDirectory", { path, recursive: createOptions.recursive ?? true, ...fsSandbox })),
      getMetadata: (path) => peer.call("fs/getMetadata", { path, ...fsSandbox }),
      readDirectory: (path) => Effect.map(peer.call("fs/readDirectory", { path, ...fsSandbox }), (result) => result.entries),
      remove: (path, removeOptions = {}) =>
        Effect.asVoid(peer.call("fs/remove", {
          path,
          recursive: removeOptions.recursive ?? false,
          force: removeOptions.force ?? false,
          ...fsSandbox
        })),
      copy: (sourcePath, destinationPath, copyOptions = {}) =>
        Effect.asVoid(peer.call("fs/copy", { sourcePath, destinationPath, recursive: copyOptions.recursive ?? false, ...fsSandbox }))
    }
    return fs
  })
