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
import type { PlatformError } from "@effect/platform/Error";
import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import { InternalError, InvalidRequest, NotFound } from "../protocol/errors.js";
import { type WalkOptions } from "../protocol/schema.js";
/** What a filesystem method fails with. */
export type FsError = NotFound | InvalidRequest | InternalError;
/** Maps a platform error to the protocol's error for an operation on `path`. */
export declare const fromPlatformError: (operation: string, path: string) => (error: PlatformError) => FsError;
/**
 * Reads a regular file whole (up to `maxBytes`) or a range of it (of at most
 * `maxBytes`). Anything else (a FIFO, a device, a socket, a directory) is
 * refused, and no read takes more than `maxBytes` + 1 bytes from the file.
 */
export declare const readFile: (path: string, range: {
    readonly offset: number | undefined;
    readonly length: number | undefined;
}, maxBytes: number) => Effect.Effect<Uint8Array, FsError>;
/**
 * Writes a file atomically: a temporary file in the same directory, then a
 * rename over the target. A target that exists and is not a regular file (a
 * device, a FIFO, a directory) is refused rather than replaced.
 */
export declare const writeFile: (path: string, data: Uint8Array) => Effect.Effect<void, FsError, FileSystem.FileSystem>;
/** Creates a directory (and its parents when `recursive`). */
export declare const createDirectory: (path: string, recursive: boolean) => Effect.Effect<void, FsError, FileSystem.FileSystem>;
/** Kind, size and times of the path's target, and whether the path itself is a symlink. */
export declare const getMetadata: (path: string) => Effect.Effect<{
    isDirectory: boolean;
    isFile: boolean;
    isSymlink: boolean;
    size: number;
    createdAtMs: number;
    modifiedAtMs: number;
}, FsError, FileSystem.FileSystem>;
/**
 * The entries of a directory, each with its (symlink-followed) kind. One
 * listing with the entries' types; only symlinks (and entries whose type the
 * filesystem does not report) are stat'ed to follow them.
 */
export declare const readDirectory: (path: string) => Effect.Effect<{
    entries: {
        fileName: string;
        isDirectory: boolean;
        isFile: boolean;
    }[];
}, FsError, never>;
/** Removes a file, or a directory tree when `recursive`; `force` ignores a missing path. */
export declare const remove: (path: string, options: {
    readonly recursive: boolean;
    readonly force: boolean;
}) => Effect.Effect<void, FsError, FileSystem.FileSystem>;
/** Copies a file, or a directory tree when `recursive`. */
export declare const copy: (sourcePath: string, destinationPath: string, recursive: boolean) => Effect.Effect<void, FsError, FileSystem.FileSystem>;
/** The absolute path with every symlink and `..` resolved; -32004 when it does not exist. */
export declare const canonicalize: (path: string) => Effect.Effect<string, FsError>;
/** The file of an open handle: blocks read or written at an offset. */
export interface OpenFile<E = FsError> {
    readonly mode: "read" | "replace";
    /** Up to `length` bytes from `offset` (fewer at the end of the file); `eof` once the end is reached. */
    readonly readBlock: (offset: number, length: number) => Effect.Effect<{
        readonly chunk: Uint8Array;
        readonly eof: boolean;
    }, E>;
    readonly writeBlock: (offset: number, data: Uint8Array) => Effect.Effect<void, E>;
    /** The handle is done: a replacing handle's file takes its target's place now. */
    readonly commit: Effect.Effect<void, E>;
}
/**
 * Opens a file for a handle, for the life of the scope. `read`: a regular
 * file only (opened without blocking, checked on the descriptor, as
 * `readFile`). `replace`: written to a temporary file in the target's
 * directory and renamed over the target by `commit`, so that readers never
 * see half a file; a handle whose scope closes uncommitted leaves the target
 * as it was and no temporary file behind. Blocks read are at most
 * `maxBlockBytes`.
 */
export declare const openFile: (path: string, mode: "read" | "replace", maxBlockBytes: number) => Effect.Effect<OpenFile, FsError, Scope.Scope>;
/** What a walk found: entries as `file://` URIs, directories it could not list, and whether a bound stopped it. */
export interface WalkResult {
    readonly entries: Array<{
        readonly path: string;
        readonly kind: "directory" | "file";
    }>;
    readonly errors: Array<{
        readonly path: string;
        readonly message: string;
    }>;
    truncated: boolean;
}
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
export declare const walk: (root: string, options: WalkOptions) => Effect.Effect<WalkResult, FsError>;
//# sourceMappingURL=FileOperations.d.ts.map