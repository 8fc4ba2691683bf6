import * as Chunk from "effect/Chunk";
import * as Deferred from "effect/Deferred";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as FiberId from "effect/FiberId";
import * as Mailbox from "effect/Mailbox";
import * as Option from "effect/Option";
import * as Stream from "effect/Stream";
import { fileURLToPath } from "node:url";
import { WALK_MAXIMUMS } from "../protocol/schema.js";
import { sandboxField, toBytes } from "./fields.js";
// Handle ids live in the session, which two clients of this Node process may share (a resume): numbered process-wide.
let nextHandleNumber = 1;
/**
 * The fs API on `peer`, every request with the client's `sandbox`; it routes
 * the watch notifications to their watchers, which fail when the connection
 * they live on drops.
 */
export const make = (peer, sandbox) => Effect.map(sandboxField(undefined, sandbox), (fsSandbox) => {
    /** Where each path watch's changes go, by watch id. */
    const pathWatches = new Map();
    /** The missing-path watch waiting for its notification, by watch id. */
    const missingWatches = new Map();
    let lastWatchId = 0;
    let nextPathWatch = 1;
    peer.subscribe("fs/changed", (changed) => pathWatches.get(changed.watchId)?.unsafeOffer(changed));
    peer.subscribe("fs/missingChanged", (changed) => missingWatches.get(changed.watchId)?.(Exit.void));
    peer.listen({
        linkLost: (error) => {
            for (const settle of [...missingWatches.values()])
                settle(Exit.fail(error));
            missingWatches.clear();
            for (const changes of pathWatches.values())
                changes.unsafeDone(Exit.fail(error));
            pathWatches.clear();
        }
    });
    /** The largest block whose `fs/writeBlock` message fits the server's limit. */
    const blockBytesFor = () => Math.max(1, Math.min(4 * 1024 * 1024, Math.floor((peer.maxMessageBytes - 4096) * 3 / 4)));
    const open = (path, openOptions = {}) => Effect.acquireRelease(Effect.gen(function* () {
        const handleId = `h-${process.pid}-${nextHandleNumber++}`;
        yield* peer.call("fs/open", { handleId, path, mode: openOptions.mode ?? "read", ...fsSandbox });
        let closed = false;
        const handle = {
            handleId,
            closed: () => closed,
            readBlock: (offset, length) => Effect.map(peer.call("fs/readBlock", { handleId, offset, len: length }), ({ chunk, eof }) => ({ chunk, eof })),
            writeBlock: (offset, data) => Effect.asVoid(peer.call("fs/writeBlock", { handleId, offset, chunk: toBytes(data) })),
            close: Effect.suspend(() => {
                closed = true;
                return Effect.asVoid(peer.call("fs/close", { handleId, discard: false }));
            })
        };
        return handle;
    }), 
    // Not closed by its owner: dropped (a replacing handle leaves its target as it was).
    (handle) => handle.closed() || peer.closed !== undefined
        ? Effect.void
        : peer.call("fs/close", { handleId: handle.handleId, discard: true }).pipe(Effect.timeout("5 seconds"), Effect.ignore));
    const writeFileInBlocks = (path, data) => Effect.scoped(Effect.gen(function* () {
        const handle = yield* open(path, { mode: "replace" });
        const block = blockBytesFor();
        for (let offset = 0; offset < data.byteLength; offset += block) {
            yield* handle.writeBlock(offset, data.subarray(offset, offset + block));
        }
        yield* handle.close;
    }));
    const readFileStream = (path, streamOptions = {}) => Stream.unwrapScoped(Effect.map(open(path), (handle) => {
        const block = streamOptions.blockBytes ?? 4 * 1024 * 1024;
        return Stream.paginateChunkEffect(0, (offset) => Effect.map(handle.readBlock(offset, block), ({ chunk, eof }) => [
            chunk.byteLength === 0 ? Chunk.empty() : Chunk.of(chunk),
            eof ? Option.none() : Option.some(offset + chunk.byteLength)
        ]));
    }));
    const watchMissing = (missing, watchOptions = {}) => Effect.gen(function* () {
        const watchId = ++lastWatchId;
        const changed = Deferred.unsafeMake(FiberId.none);
        let settled = false;
        const settle = (outcome) => {
            settled = true;
            Deferred.unsafeDone(changed, outcome);
        };
        yield* Effect.acquireRelease(Effect.sync(() => missingWatches.set(watchId, settle)), 
        // Done with: a watch still installed is replaced by none.
        () => Effect.suspend(() => {
            missingWatches.delete(watchId);
            return lastWatchId !== watchId || settled || peer.closed !== undefined
                ? Effect.void
                : Effect.ignore(Effect.timeout(peer.call("fs/watchMissing", { watchId: ++lastWatchId, missing: [] }), "5 seconds"));
        }));
        const { watching } = yield* peer.call("fs/watchMissing", {
            watchId,
            missing,
            ...(watchOptions.present === undefined ? {} : { present: watchOptions.present })
        });
        if (!watching)
            settle(Exit.void);
        return { watching, changed: Deferred.await(changed) };
    });
    const watch = (path, watchOptions = {}) => Stream.unwrapScoped(Effect.gen(function* () {
        const watchId = `pw-${process.pid}-${nextPathWatch++}`;
        const changes = yield* Mailbox.make();
        yield* Effect.acquireRelease(Effect.sync(() => pathWatches.set(watchId, changes)), () => Effect.suspend(() => {
            pathWatches.delete(watchId);
            return peer.closed !== undefined
                ? Effect.void
                : Effect.ignore(Effect.timeout(peer.call("fs/unwatch", { watchId }), "5 seconds"));
        }));
        yield* peer.call("fs/watch", { watchId, path, recursive: watchOptions.recursive ?? false, ...fsSandbox });
        return Mailbox.toStream(changes).pipe(Stream.map((batch) => ({ changes: batch.changes, overflow: batch.overflow })));
    }));
    const fs = {
        watch,
        canonicalize: (path) => Effect.map(peer.call("fs/canonicalize", { path, ...fsSandbox }), (result) => result.path.startsWith("file:") ? fileURLToPath(result.path) : result.path),
        walk: (path, walkOptions = {}) => peer.call("fs/walk", {
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
        readFile: (path, range = {}) => Effect.map(peer.call("fs/readFile", { path, ...range, ...fsSandbox }), (result) => result.dataBase64),
        writeFile: (path, data) => {
            const bytes = toBytes(data);
            // Base64 takes 4 bytes for 3, and the message has a few hundred more.
            return Math.ceil(bytes.byteLength / 3) * 4 + 4096 > peer.maxMessageBytes
                ? writeFileInBlocks(path, bytes)
                : Effect.asVoid(peer.call("fs/writeFile", { path, dataBase64: bytes, ...fsSandbox }));
        },
        open,
        readFileStream,
        createDirectory: (path, createOptions = {}) => Effect.asVoid(peer.call("fs/createDirectory", { path, recursive: createOptions.recursive ?? true, ...fsSandbox })),
        getMetadata: (path) => peer.call("fs/getMetadata", { path, ...fsSandbox }),
        readDirectory: (path) => Effect.map(peer.call("fs/readDirectory", { path, ...fsSandbox }), (result) => result.entries),
        remove: (path, removeOptions = {}) => Effect.asVoid(peer.call("fs/remove", {
            path,
            recursive: removeOptions.recursive ?? false,
            force: removeOptions.force ?? false,
            ...fsSandbox
        })),
        copy: (sourcePath, destinationPath, copyOptions = {}) => Effect.asVoid(peer.call("fs/copy", { sourcePath, destinationPath, recursive: copyOptions.recursive ?? false, ...fsSandbox }))
    };
    return fs;
});
//# sourceMappingURL=fs.js.map