/**
 * `fs/*`: each request's backend is chosen once (the host's files, or the
 * sandboxed worker of the policy that confines it) and the method calls it;
 * watches run in the server, filtered by what the sandbox shows.
 */
import * as FileSystem from "effect/FileSystem"
import * as Effect from "effect/Effect"
import { pathToFileURL } from "node:url"
import * as FsBackend from "../../fs/FsBackend.js"
import { leadsToSecret, secretPathsOf } from "../../fs/readGuard.js"
import * as FileOperations from "../../fs/FileOperations.js"
import { InvalidParams, InvalidRequest, SandboxUnavailable } from "../../protocol/errors.js"
import type { SandboxRequest } from "../../protocol/sandbox.js"
import { backendFor, check as checkSandboxed, policyToEnforce, SandboxedFs } from "../../fs/SandboxedFs.js"
import { readsPath } from "../../fs/WorkerRpcs.js"
import { accessAt, type Confinement, realPathOf, showsAnythingAt } from "../../sandbox/policy.js"
import { Sandbox } from "../../sandbox/Sandbox.js"
import { FsRpcs, MissingChanged, PathsChanged } from "../../protocol/rpcs.js"
import { encodeNotificationOf } from "../../jsonrpc/clientMessages.js"
import { Connection } from "../../jsonrpc/Connection.js"
import { makeMissingWatcher, type MissingWatcher } from "../../fs/MissingWatch.js"
import { makePathWatcher } from "../../fs/PathWatch.js"
import { defaultPathWatchOptions, type PathWatcher, watchedDirectorySlots } from "../../fs/pathWatchContract.js"
import { ClientSession, type ConnectionResource } from "../ClientSessionService.js"
import { ServerConfig } from "../ServerConfig.js"

/** A connection's watchers of `fs/watchMissing` and of `fs/watch`. */
const MISSING_WATCHER: ConnectionResource<MissingWatcher> = { name: "missing-path watcher" }
const PATH_WATCHER: ConnectionResource<PathWatcher> = { name: "path watcher" }

/** The most one `fs/readBlock` returns (its answer stays well under the usual message limit). */
const MAX_BLOCK_BYTES = 8 * 1024 * 1024

/** `fs/*`, on the host's `FileSystem`, or in a sandboxed worker when a sandbox applies. */
export const fsHandlers = FsRpcs.toHandlers(Effect.gen(function*() {
  const config = yield* ServerConfig
  const fileSystem = yield* FileSystem.FileSystem
  const sandbox = yield* Sandbox
  const sandboxedFs = yield* SandboxedFs
  const files = Effect.flatMap(ClientSession, (session) => session.files)
  // Every connection's watches draw on one budget of directories: what is bounded is the server.
  const watchBudget = watchedDirectorySlots()
  /** The request's sandbox and the operator's. */
  const confinementOf = (request: SandboxRequest | undefined): Effect.Effect<Confinement, InvalidParams | SandboxUnavailable> =>
    sandbox.confinementOf(request, {})
  const onHost = FsBackend.host(fileSystem)
  /** Where the request's operation runs: on the host, or in the worker of the policy that confines it. */
  const backendOf = backendFor(sandbox, sandboxedFs, onHost)
  // The server's own secrets (token and credential files by file identity, hard links and symlinks
  // included; the console key's directory with all under it).
  const secrets = secretPathsOf(config.secretFiles ?? [])
  /** Refuses a path that leads to one of the server's secrets (under a sandbox they are denied anyway). */
  const notASecret = (paths: ReadonlyArray<string>) =>
    secrets.empty ? Effect.void : Effect.forEach(paths, (path) =>
      Effect.flatMap(
        Effect.promise(() => leadsToSecret(secrets, path)),
        (secret) => secret
          ? Effect.fail(new InvalidRequest({ message: `${path} holds a secret of this server's: fs/* never reads or writes it` }))
          : Effect.void
      ), { discard: true })
  /** `operation` on the request's backend, once the handshake is complete (and `guarded` paths are none of the server's secrets). */
  const run = <A>(
    request: SandboxRequest | undefined,
    operation: (backend: FsBackend.FsBackend) => Effect.Effect<A, FsBackend.FsBackendError>,
    guarded: ReadonlyArray<string> = []
  ) => Effect.andThen(notASecret(guarded), Effect.flatMap(backendOf(request), operation))
  /**
   * `operation` unless `followSymlinks: false` finds a symlink on the way to
   * the path, looked for once the sandbox (when there is one) let the path be
   * read, so that a hidden path's links say nothing.
   */
  const unlessSymlinked = <A>(
    name: string,
    path: string,
    followSymlinks: boolean | undefined,
    request: SandboxRequest | undefined,
    refusal: (link: { readonly at: string; readonly last: boolean }) => FsBackend.FsBackendError,
    operation: (backend: FsBackend.FsBackend) => Effect.Effect<A, FsBackend.FsBackendError>
  ) =>
    followSymlinks !== false ? run(request, operation, [path]) : run(request, (backend) =>
      Effect.gen(function*() {
        const confinement = yield* confinementOf(request)
        const policy = policyToEnforce(confinement)
        if (policy !== undefined) yield* checkSandboxed(name, policy, readsPath({ path }))
        const link = yield* FileOperations.firstSymlinkOn(path)
        if (link !== undefined) return yield* Effect.fail(refusal(link))
        return yield* operation(backend)
      }), [path])
  const fileOf = (handleId: string) => Effect.flatMap(files, (table) => table.get(handleId))
  // Each connection's watchers, made when it first watches something.
  const missingWatcher = Effect.flatMap(Effect.zip(ClientSession, Connection), ([session, connection]) =>
    session.resource(
      MISSING_WATCHER,
      makeMissingWatcher((watchId) => connection.send(encodeNotificationOf(MissingChanged, { watchId }))).pipe(
        Effect.provideService(FileSystem.FileSystem, fileSystem)
      )
    ))
  const pathWatcher = Effect.flatMap(Effect.zip(ClientSession, Connection), ([session, connection]) =>
    session.resource(
      PATH_WATCHER,
      makePathWatcher(
        (changes) => connection.send(encodeNotificationOf(PathsChanged, changes)),
        connection.flow,
        defaultPathWatchOptions(watchBudget)
      )
    ))
  return {
    "fs/readFile": ({ followSymlinks, length, offset, path, sandbox }) =>
      Effect.map(
        unlessSymlinked(
          "fs/readFile",
          path,
          followSymlinks,
          sandbox,
          (link) => FileOperations.symlinkRefusal("fs/readFile", path, link),
          (backend) => backend.readFile({ path, offset, length, maxBytes: config.maxReadFileBytes })
        ),
        (dataBase64) => ({ dataBase64 })
      ),
    "fs/writeFile": ({ dataBase64, followSymlinks, path, sandbox }) =>
      Effect.as(
        unlessSymlinked(
          "fs/writeFile",
          path,
          followSymlinks,
          sandbox,
          (link) => FileOperations.symlinkRefusal("fs/writeFile", path, link),
          (backend) => backend.writeFile({ path, data: dataBase64 })
        ),
        {}
      ),
    "fs/createDirectory": ({ path, recursive, sandbox }) =>
      Effect.as(run(sandbox, (backend) => backend.createDirectory({ path, recursive })), {}),
    // As the reference: -32600 for a path with a symlink anywhere on it.
    "fs/getMetadata": ({ followSymlinks, path, sandbox }) =>
      unlessSymlinked(
        "fs/getMetadata",
        path,
        followSymlinks,
        sandbox,
        (link) => new InvalidRequest({ message: `path contains a symbolic link: ${link.at}` }),
        (backend) => backend.getMetadata({ path })
      ),
    "fs/readDirectory": ({ path, sandbox }) => run(sandbox, (backend) => backend.readDirectory({ path })),
    "fs/remove": ({ force, path, recursive, sandbox }) =>
      Effect.as(run(sandbox, (backend) => backend.remove({ path, recursive, force }), [path]), {}),
    "fs/copy": ({ destinationPath, recursive, sandbox, sourcePath }) =>
      Effect.as(run(sandbox, (backend) => backend.copy({ sourcePath, destinationPath, recursive }), [sourcePath, destinationPath]), {}),
    "fs/watch": ({ path, recursive, sandbox, watchId }) =>
      Effect.gen(function*() {
        const confinement = yield* confinementOf(sandbox)
        if (confinement._tag === "Unconfined") {
          yield* (yield* pathWatcher).watch(watchId, path, { recursive })
          return { watchId }
        }
        const policy = confinement.policy
        // As fs/getMetadata: checked resolved before anything is looked at;
        // the watcher checks the root again as it resolves, and what a
        // sandbox hides (by real path) is neither watched nor reported.
        yield* checkSandboxed("fs/watch", policy, readsPath({ path }))
        yield* (yield* pathWatcher).watch(watchId, path, {
          recursive,
          view: {
            shows: (real) => accessAt(policy, real) !== "none",
            showsAnythingAt: (real) => showsAnythingAt(policy, real)
          }
        })
        return { watchId }
      }),
    "fs/unwatch": ({ watchId }) =>
      Effect.as(Effect.flatMap(pathWatcher, (watcher) => watcher.unwatch(watchId)), {}),
    "fs/watchMissing": ({ missing, present, sandbox, watchId }) =>
      Effect.gen(function*() {
        const confinement = yield* confinementOf(sandbox)
        const watcher = yield* missingWatcher
        if (confinement._tag === "Unconfined") return { watching: yield* watcher.watch({ watchId, missing, present }) }
        const policy = confinement.policy
        // Checked before anything is looked at (a refusal changes nothing, the
        // watch in place stays): that a denied path exists, appears or changes
        // is not the caller's to know. A missing path is watched as resolved
        // (symlinks, `..`), so what is watched is what was checked; the present
        // one is watched as an entry (a symlink itself), which must be visible
        // as well as what it leads to.
        yield* checkSandboxed("fs/watchMissing", policy, {
          reads: present === undefined ? missing : [...missing, present],
          writes: [],
          entries: present === undefined ? [] : [present]
        })
        const watching = yield* watcher.watch({
          watchId,
          missing: missing.map((path) => realPathOf(path)),
          present: present === undefined ? undefined : realPathOf(present, false),
          visible: (path) => accessAt(policy, realPathOf(path)) !== "none"
        })
        return { watching }
      }),
    "fs/walk": ({ options, path, sandbox }) =>
      run(sandbox, (backend) => Effect.map(backend.walk({ path, options }), ({ entries, errors, truncated }) => ({ entries, errors, truncated }))),
    "fs/canonicalize": ({ path, sandbox }) =>
      Effect.map(run(sandbox, (backend) => backend.canonicalize({ path })), (real) => ({ path: pathToFileURL(real).href })),
    "fs/open": ({ handleId, mode, path, sandbox }) =>
      Effect.gen(function*() {
        const table = yield* files
        yield* notASecret([path])
        const backend = yield* backendOf(sandbox)
        yield* table.open(handleId, backend.openFile(path, mode, MAX_BLOCK_BYTES))
        return { handleId }
      }),
    "fs/readBlock": ({ handleId, len, offset }) =>
      Effect.flatMap(fileOf(handleId), (file) => file.readBlock(offset, len)),
    "fs/writeBlock": ({ chunk, handleId, offset }) =>
      Effect.as(Effect.flatMap(fileOf(handleId), (file) => file.writeBlock(offset, chunk)), {}),
    "fs/close": ({ discard, handleId }) => Effect.as(Effect.flatMap(files, (table) => table.close(handleId, discard)), {})
  }
}))

