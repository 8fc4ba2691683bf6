/**
 * The filesystem methods, on `@effect/platform`'s `FileSystem` (so tests can
 * mock it), with the protocol's error codes: -32004 for a missing path,
 * -32600 for a request the path's kind or size rules out, -32603 with the
 * errno for other OS errors.
 *
 * Two things the platform's FileSystem cannot do are done with `node:fs`:
 * opening without blocking (a FIFO's open waits for a writer, for ever) so
 * that the opened descriptor itself is checked before a byte is read, and
 * listing a directory with its entries' kinds in one call.
 */
import * as FileSystem from "@effect/platform/FileSystem";
import * as Effect from "effect/Effect";
import * as Option from "effect/Option";
import * as NodeFs from "node:fs";
import * as NodeFsPromises from "node:fs/promises";
import * as Path from "node:path";
import { randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import { errnoOf, InternalError, InvalidRequest, NotFound } from "../protocol/errors.js";
import { WALK_MAXIMUMS } from "../protocol/schema.js";
const ERRNO_BY_REASON = {
    NotFound: "ENOENT",
    PermissionDenied: "EACCES",
    AlreadyExists: "EEXIST",
    BadResource: "EBADF",
    Busy: "EBUSY",
    InvalidData: "EINVAL",
    TimedOut: "ETIMEDOUT",
    WouldBlock: "EAGAIN",
    WriteZero: "EIO",
    UnexpectedEof: "EIO"
};
/** The protocol's error for an OS error (its errno and text) of an operation on `path`. */
const fsError = (operation, path, errno, detail) => errno === "ENOENT"
    ? new NotFound({ message: `${operation}: no such file or directory: ${path}` })
    : new InternalError({ message: `${operation} ${path}: ${detail}`, ...(errno === undefined ? {} : { errno }) });
/** Maps a platform error to the protocol's error for an operation on `path`. */
export const fromPlatformError = (operation, path) => (error) => {
    const cause = error._tag === "SystemError" ? error.cause : undefined;
    const reason = error._tag === "SystemError" ? error.reason : undefined;
    const errno = errnoOf(cause) ?? (reason === undefined ? undefined : ERRNO_BY_REASON[reason]);
    return fsError(operation, path, errno, cause instanceof Error ? cause.message : error.message);
};
/** Maps a Node error of an operation on `path` to the protocol's error. */
const fromNodeError = (operation, path) => (error) => fsError(operation, path, errnoOf(error), error instanceof Error ? error.message : String(error));
const millis = (date) => Option.match(date, { onNone: () => 0, onSome: (d) => d.getTime() });
/** What a path that is not a regular file is, for error messages. */
const kindOf = (stats) => stats.isDirectory()
    ? "a directory"
    : stats.isFIFO()
        ? "a FIFO"
        : stats.isCharacterDevice()
            ? "a character device"
            : stats.isBlockDevice()
                ? "a block device"
                : stats.isSocket()
                    ? "a socket"
                    : "not a regular file";
const notRegular = (path, stats) => new InvalidRequest({ message: `path ${path} is ${kindOf(stats)}, not a regular file` });
/**
 * Opens for reading without blocking (O_NONBLOCK: a FIFO's open would wait
 * for a writer) or becoming the controlling terminal, and hands the
 * descriptor to `use` only when it is a regular file: what is checked is
 * what is read, even if the path is swapped meanwhile.
 */
const withRegularFile = (operation, path, use) => Effect.acquireUseRelease(Effect.tryPromise({
    try: () => NodeFsPromises.open(path, NodeFs.constants.O_RDONLY | NodeFs.constants.O_NONBLOCK | NodeFs.constants.O_NOCTTY),
    catch: fromNodeError(operation, path)
}), (handle) => Effect.tryPromise({ try: () => handle.stat(), catch: fromNodeError(operation, path) }).pipe(Effect.filterOrFail((stats) => stats.isFile(), (stats) => notRegular(path, stats)), Effect.flatMap((stats) => Effect.tryPromise({ try: () => use(handle, stats), catch: fromNodeError(operation, path) }))), (handle) => Effect.promise(() => handle.close().catch(() => undefined)));
/**
 * Reads from `position` until the end of the file or `count` bytes,
 * whichever comes first: never more, whatever the file's size says (files in
 * /proc say 0, a file may grow while it is read). `sizeHint` sizes the first
 * buffer.
 */
const readUpTo = async (handle, position, count, sizeHint) => {
    let buffer = Buffer.allocUnsafe(Math.min(count, Math.max(sizeHint, 64 * 1024)));
    let filled = 0;
    while (filled < count) {
        if (filled === buffer.length) {
            const grown = Buffer.allocUnsafe(Math.min(count, buffer.length * 2));
            buffer.copy(grown, 0, 0, filled);
            buffer = grown;
        }
        const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position + filled);
        if (bytesRead === 0)
            break;
        filled += bytesRead;
    }
    return buffer.subarray(0, filled);
};
/**
 * Reads a regular file whole (up to `maxBytes`) or a range of it (of at most
 * `maxBytes`). Anything else (a FIFO, a device, a socket, a directory) is
 * refused, and no read takes more than `maxBytes` + 1 bytes from the file.
 */
export const readFile = (path, range, maxBytes) => Effect.gen(function* () {
    const whole = range.offset === undefined && range.length === undefined;
    if (range.length !== undefined && range.length > maxBytes) {
        return yield* new InvalidRequest({
            message: `a read of ${range.length} bytes is over the read limit of ${maxBytes} bytes`
        });
    }
    const offset = range.offset ?? 0;
    const result = yield* withRegularFile("fs/readFile", path, async (handle, stats) => {
        const size = Number(stats.size);
        if (whole && size > maxBytes)
            return { tooLarge: size };
        const expected = Math.max(0, size - offset);
        if (range.length !== undefined)
            return { bytes: await readUpTo(handle, offset, range.length, expected) };
        // Open-ended: one byte past the limit tells a read that would be too large.
        const bytes = await readUpTo(handle, offset, maxBytes + 1, Math.min(expected, maxBytes));
        return bytes.length > maxBytes ? { tooLarge: size > maxBytes ? size : undefined } : { bytes };
    });
    if ("bytes" in result)
        return result.bytes;
    return yield* new InvalidRequest({
        message: whole
            ? `file ${path} has ${result.tooLarge ?? `more than ${maxBytes}`} bytes, over the read limit of ${maxBytes} bytes: read it in ranges with offset and length`
            : `a read of more than ${maxBytes} bytes is over the read limit of ${maxBytes} bytes: give a length`
    });
});
/**
 * Writes a file atomically: a temporary file in the same directory, then a
 * rename over the target. A target that exists and is not a regular file (a
 * device, a FIFO, a directory) is refused rather than replaced.
 */
export const writeFile = (path, data) => Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem;
    const existing = yield* fs.stat(path).pipe(Effect.option);
    if (Option.isSome(existing) && existing.value.type !== "File") {
        return yield* new InvalidRequest({
            message: `path ${path} is ${existing.value.type === "Directory" ? "a directory" : "not a regular file"}; fs/writeFile replaces regular files only`
        });
    }
    const temporary = Path.join(Path.dirname(path), `.${Path.basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
    yield* fs.writeFile(temporary, data).pipe(Effect.zipRight(fs.rename(temporary, path)), Effect.tapError(() => Effect.ignore(fs.remove(temporary))), Effect.mapError(fromPlatformError("fs/writeFile", path)));
});
/** Creates a directory (and its parents when `recursive`). */
export const createDirectory = (path, recursive) => Effect.flatMap(FileSystem.FileSystem, (fs) => Effect.mapError(fs.makeDirectory(path, { recursive }), fromPlatformError("fs/createDirectory", path)));
/** Kind, size and times of the path's target, and whether the path itself is a symlink. */
export const getMetadata = (path) => Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem;
    const info = yield* Effect.mapError(fs.stat(path), fromPlatformError("fs/getMetadata", path));
    const isSymlink = yield* fs.readLink(path).pipe(Effect.as(true), Effect.orElseSucceed(() => false));
    return {
        isDirectory: info.type === "Directory",
        isFile: info.type === "File",
        isSymlink,
        size: Number(info.size),
        createdAtMs: millis(info.birthtime),
        modifiedAtMs: millis(info.mtime)
    };
});
/**
 * The entries of a directory, each with its (symlink-followed) kind. One
 * listing with the entries' types; only symlinks (and entries whose type the
 * filesystem does not report) are stat'ed to follow them.
 */
export const readDirectory = (path) => Effect.gen(function* () {
    const fail = fromNodeError("fs/readDirectory", path);
    const dirents = yield* Effect.tryPromise({ try: () => NodeFsPromises.readdir(path, { withFileTypes: true }), catch: fail }).pipe(Effect.catchIf((error) => error._tag === "InternalError" && error.errno === "ENOTDIR", () => new InvalidRequest({ message: `path ${path} is not a directory` })));
    const followed = dirents.filter((dirent) => dirent.isSymbolicLink() || kindUnknown(dirent));
    const kinds = new Map();
    yield* Effect.forEach(followed, (dirent) => Effect.promise(() => NodeFsPromises.stat(Path.join(path, dirent.name)).then((stats) => ({ isDirectory: stats.isDirectory(), isFile: stats.isFile() }), 
    // A dangling symlink, or an entry removed meanwhile: neither file nor directory.
    () => ({ isDirectory: false, isFile: false }))).pipe(Effect.map((kind) => void kinds.set(dirent.name, kind))), { concurrency: 16, discard: true });
    const entries = dirents.map((dirent) => {
        const kind = kinds.get(dirent.name);
        return kind === undefined
            ? { fileName: dirent.name, isDirectory: dirent.isDirectory(), isFile: dirent.isFile() }
            : { fileName: dirent.name, ...kind };
    });
    return { entries };
});
/** A directory entry whose kind the filesystem did not report (DT_UNKNOWN). */
const kindUnknown = (dirent) => !dirent.isFile() && !dirent.isDirectory() && !dirent.isSymbolicLink() && !dirent.isFIFO() &&
    !dirent.isSocket() && !dirent.isCharacterDevice() && !dirent.isBlockDevice();
/** Removes a file, or a directory tree when `recursive`; `force` ignores a missing path. */
export const remove = (path, options) => Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem;
    const fail = fromPlatformError("fs/remove", path);
    const exists = yield* Effect.mapError(fs.exists(path), fail);
    if (!exists) {
        if (options.force)
            return;
        return yield* new NotFound({ message: `fs/remove: no such file or directory: ${path}` });
    }
    yield* Effect.mapError(fs.remove(path, { recursive: options.recursive }), fail);
});
/** Copies a file, or a directory tree when `recursive`. */
export const copy = (sourcePath, destinationPath, recursive) => Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem;
    const fail = fromPlatformError("fs/copy", sourcePath);
    const info = yield* Effect.mapError(fs.stat(sourcePath), fail);
    if (info.type === "Directory") {
        if (!recursive) {
            return yield* new InvalidRequest({ message: "fs/copy requires recursive: true when sourcePath is a directory" });
        }
        return yield* copyTree(sourcePath, destinationPath);
    }
    // A FIFO would block the copy for ever, a device (/dev/zero) would never end.
    if (info.type !== "File") {
        return yield* new InvalidRequest({ message: `path ${sourcePath} is not a regular file or a directory; fs/copy copies only those` });
    }
    yield* Effect.mapError(fs.copyFile(sourcePath, destinationPath), fail);
});
/**
 * Copies a directory tree (symlinks as symlinks). Node's `cp` would copy a
 * device node's endless content as a file; a tree holding anything but
 * files, directories and symlinks is refused.
 */
const copyTree = (sourcePath, destinationPath) => Effect.tryPromise({
    try: () => NodeFsPromises.cp(sourcePath, destinationPath, {
        recursive: true,
        // As the platform's FileSystem.copy: files already at the destination are kept.
        force: false,
        filter: async (source) => {
            const stats = await NodeFsPromises.lstat(source);
            if (stats.isFile() || stats.isDirectory() || stats.isSymbolicLink())
                return true;
            throw new SpecialFileInTree(source, kindOf(stats));
        }
    }),
    catch: (error) => error instanceof SpecialFileInTree
        ? new InvalidRequest({ message: `fs/copy: ${error.path} is ${error.kind}; only files, directories and symlinks are copied` })
        : fromNodeError("fs/copy", sourcePath)(error)
});
class SpecialFileInTree extends Error {
    path;
    kind;
    constructor(path, kind) {
        super(`${path} is ${kind}`);
        this.path = path;
        this.kind = kind;
    }
}
/** The absolute path with every symlink and `..` resolved; -32004 when it does not exist. */
export const canonicalize = (path) => Effect.tryPromise({ try: () => NodeFsPromises.realpath(path), catch: fromNodeError("fs/canonicalize", path) });
/**
 * Opens a file for a handle, for the life of the scope. `read`: a regular
 * file only (opened without blocking, checked on the descriptor, as
 * `readFile`). `replace`: written to a temporary file in the target's
 * directory and renamed over the target by `commit`, so that readers never
 * see half a file; a handle whose scope closes uncommitted leaves the target
 * as it was and no temporary file behind. Blocks read are at most
 * `maxBlockBytes`.
 */
export const openFile = (path, mode, maxBlockBytes) => Effect.gen(function* () {
    const operation = "fs/open";
    const fail = fromNodeError(operation, path);
    if (mode === "read") {
        const handle = yield* Effect.acquireRelease(Effect.tryPromise({
            try: () => NodeFsPromises.open(path, NodeFs.constants.O_RDONLY | NodeFs.constants.O_NONBLOCK | NodeFs.constants.O_NOCTTY),
            catch: fail
        }), (handle) => Effect.promise(() => handle.close().catch(() => undefined)));
        const stats = yield* Effect.tryPromise({ try: () => handle.stat(), catch: fail });
        if (!stats.isFile())
            return yield* notRegular(path, stats);
        return {
            mode,
            readBlock: (offset, length) => {
                const wanted = Math.min(length, maxBlockBytes);
                return Effect.tryPromise({
                    try: () => readUpTo(handle, offset, wanted, wanted),
                    catch: fromNodeError("fs/readBlock", path)
                }).pipe(Effect.map((chunk) => ({ chunk, eof: chunk.length < wanted || wanted === 0 && offset >= stats.size })));
            },
            writeBlock: () => Effect.fail(new InvalidRequest({ message: `the handle of ${path} is open for reading; open it with mode "replace" to write` })),
            commit: Effect.void
        };
    }
    const existing = yield* Effect.tryPromise({ try: () => NodeFsPromises.stat(path), catch: fail }).pipe(Effect.catchIf((error) => error._tag === "NotFound", () => Effect.succeed(undefined)));
    if (existing !== undefined && !existing.isFile()) {
        return yield* new InvalidRequest({ message: `path ${path} is ${kindOf(existing)}; a "replace" handle replaces regular files only` });
    }
    const temporary = Path.join(Path.dirname(path), `.${Path.basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
    let committed = false;
    const handle = yield* Effect.acquireRelease(Effect.tryPromise({ try: () => NodeFsPromises.open(temporary, "wx"), catch: fail }), (handle) => Effect.promise(async () => {
        await handle.close().catch(() => undefined);
        if (!committed)
            await NodeFsPromises.rm(temporary, { force: true }).catch(() => undefined);
    }));
    let closed = false;
    const notOpen = () => new InvalidRequest({ message: `the handle of ${path} is closed` });
    return {
        mode,
        readBlock: () => Effect.fail(new InvalidRequest({ message: `the handle of ${path} is open for replacing; open it with mode "read" to read` })),
        writeBlock: (offset, data) => closed ? Effect.fail(notOpen()) : Effect.tryPromise({
            try: async () => {
                let written = 0;
                while (written < data.byteLength) {
                    const { bytesWritten } = await handle.write(data, written, data.byteLength - written, offset + written);
                    written += bytesWritten;
                }
            },
            catch: fromNodeError("fs/writeBlock", path)
        }),
        commit: Effect.suspend(() => {
            if (closed)
                return Effect.void;
            closed = true;
            return Effect.tryPromise({
                try: async () => {
                    await handle.close();
                    await NodeFsPromises.rename(temporary, path);
                    committed = true;
                },
                catch: fromNodeError("fs/close", path)
            });
        })
    };
});
const byteOrder = (a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name));
/**
 * Walks a directory tree breadth first, each directory's entries in byte
 * order of their names, as the reference does: files and directories are
 * listed (symlinks only when followed to a directory; a dangling link, a
 * loop or a FIFO is left out); a directory is descended above `maxDepth`,
 * unless hidden and pruned or already seen (by its real path when links are
 * followed); `maxEntries` stops the walk, `maxDirectories` stops the
 * descent, and so does an answer that would pass 4 MiB (`truncated`). A
 * directory that cannot be listed is reported in `errors` and the walk goes
 * on. A root that is not a directory (or a link, unless followed) has nothing.
 */
export const walk = (root, options) => Effect.gen(function* () {
    if (options.maxDirectories === 0 || options.maxEntries === 0) {
        return yield* new InvalidRequest({ message: "filesystem walk limits must be greater than zero" });
    }
    if (options.maxDepth > WALK_MAXIMUMS.maxDepth || options.maxDirectories > WALK_MAXIMUMS.maxDirectories ||
        options.maxEntries > WALK_MAXIMUMS.maxEntries) {
        return yield* new InvalidRequest({
            message: `filesystem walk limits exceed maximums: depth=${WALK_MAXIMUMS.maxDepth}, directories=${WALK_MAXIMUMS.maxDirectories}, entries=${WALK_MAXIMUMS.maxEntries}`
        });
    }
    const fail = fromNodeError("fs/walk", root);
    const rootStats = yield* Effect.tryPromise({ try: () => NodeFsPromises.stat(root), catch: fail });
    const result = { entries: [], errors: [], truncated: false };
    const rootIsLink = (yield* Effect.tryPromise({ try: () => NodeFsPromises.lstat(root), catch: fail })).isSymbolicLink();
    if (!rootStats.isDirectory() || rootIsLink && !options.followDirectorySymlinks)
        return result;
    return yield* Effect.promise(() => walkFrom(root, options, result));
});
const walkFrom = async (root, options, result) => {
    const identity = async (path) => options.followDirectorySymlinks ? await NodeFsPromises.realpath(path).catch(() => path) : path;
    const visited = new Set([await identity(root)]);
    const queue = [{ path: root, depth: 0 }];
    let directories = 1;
    let entries = 0;
    let answerBytes = 0;
    const fits = (bytes) => {
        if (answerBytes + bytes > WALK_MAXIMUMS.answerBytes) {
            result.truncated = true;
            return false;
        }
        answerBytes += bytes;
        return true;
    };
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        let dirents;
        try {
            dirents = await NodeFsPromises.readdir(next.path, { withFileTypes: true });
        }
        catch (error) {
            const path = pathToFileURL(next.path).href;
            const message = error instanceof Error ? error.message : String(error);
            if (!fits(path.length + message.length + 64))
                return result;
            result.errors.push({ path, message });
            continue;
        }
        for (const dirent of dirents.sort(byteOrder)) {
            const path = Path.join(next.path, dirent.name);
            let kind;
            let isLink = dirent.isSymbolicLink();
            if (isLink || !(dirent.isFile() || dirent.isDirectory() || dirent.isFIFO() || dirent.isSocket() || dirent.isCharacterDevice() || dirent.isBlockDevice())) {
                // A link (or an entry whose type the file system does not report): what it leads to, if anything.
                const stats = await NodeFsPromises.stat(path).catch(() => undefined);
                if (stats === undefined)
                    continue;
                if (!isLink)
                    isLink = (await NodeFsPromises.lstat(path).catch(() => undefined))?.isSymbolicLink() ?? false;
                kind = stats.isDirectory() ? "directory" : stats.isFile() ? "file" : "other";
            }
            else {
                kind = dirent.isDirectory() ? "directory" : dirent.isFile() ? "file" : "other";
            }
            if (entries === options.maxEntries) {
                result.truncated = true;
                return result;
            }
            entries++;
            if (kind === "other" || isLink && (!options.followDirectorySymlinks || kind !== "directory"))
                continue;
            const uri = pathToFileURL(path).href;
            if (!fits(uri.length + 64))
                return result;
            result.entries.push({ path: uri, kind });
            if (kind !== "directory" || next.depth >= options.maxDepth)
                continue;
            if (options.pruneHiddenDirectories && dirent.name.startsWith("."))
                continue;
            const id = await identity(path);
            if (visited.has(id))
                continue;
            visited.add(id);
            if (directories === options.maxDirectories) {
                result.truncated = true;
                continue;
            }
            directories++;
            queue.push({ path, depth: next.depth + 1 });
        }
    }
    return result;
};
//# sourceMappingURL=FileOperations.js.map