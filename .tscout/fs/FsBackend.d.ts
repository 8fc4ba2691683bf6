/**
 * The file operations of `fs/*` behind one interface, wherever they run: on
 * the host (`host`), or confined by a policy in a sandboxed worker
 * (`SandboxedFs`'s `backend`). The handlers choose one per request and call
 * it; neither they nor the worker write an operation twice.
 */
import * as FileSystem from "@effect/platform/FileSystem";
import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import type { InvalidParams, SandboxDenied, SandboxUnavailable, ServerBusy } from "../protocol/errors.js";
import type { GetMetadataResult, ReadDirectoryResult, WalkOptions, WalkResult } from "../protocol/schema.js";
import * as FileOperations from "./FileOperations.js";
/** What an operation of a backend may fail with: the filesystem's errors, and a confined one's refusals. */
export type FsBackendError = FileOperations.FsError | SandboxDenied | SandboxUnavailable | InvalidParams | ServerBusy;
/** A handle's file: its blocks fail only as the file or the sandbox does. */
export type HandleFile = FileOperations.OpenFile<FileOperations.FsError | SandboxDenied>;
/** The file operations, as one backend performs them. */
export interface FsBackend<E = FsBackendError> {
    readonly readFile: (path: string, range: {
        readonly offset: number | undefined;
        readonly length: number | undefined;
    }, maxBytes: number) => Effect.Effect<Uint8Array, E>;
    readonly writeFile: (path: string, data: Uint8Array) => Effect.Effect<void, E>;
    readonly createDirectory: (path: string, recursive: boolean) => Effect.Effect<void, E>;
    readonly getMetadata: (path: string) => Effect.Effect<typeof GetMetadataResult.Type, E>;
    readonly readDirectory: (path: string) => Effect.Effect<typeof ReadDirectoryResult.Type, E>;
    readonly remove: (path: string, options: {
        readonly recursive: boolean;
        readonly force: boolean;
    }) => Effect.Effect<void, E>;
    readonly copy: (sourcePath: string, destinationPath: string, recursive: boolean) => Effect.Effect<void, E>;
    /** The path with every symlink and `..` resolved. */
    readonly canonicalize: (path: string) => Effect.Effect<string, E>;
    readonly walk: (path: string, options: WalkOptions) => Effect.Effect<typeof WalkResult.Type, E>;
    /** A file for a handle, open for the life of the scope. */
    readonly openFile: (path: string, mode: "read" | "replace", maxBlockBytes: number) => Effect.Effect<HandleFile, E, Scope.Scope>;
}
/** The host's files, as the server's own user sees them (on `fileSystem`, so tests can give theirs). */
export declare const host: (fileSystem: FileSystem.FileSystem) => FsBackend<FileOperations.FsError>;
//# sourceMappingURL=FsBackend.d.ts.map