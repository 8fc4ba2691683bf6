/**
 * The host filesystem through the server (`fs/*`) on the peer: whole files
 * and file handles, walks, and the two kinds of watch, whose notifications
 * it routes to their watchers.
 */
import type * as Rpc from "@effect/rpc/Rpc";
import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import * as Stream from "effect/Stream";
import { type WalkOptions, type WalkResult as WireWalkResult } from "../protocol/schema.js";
import type { ClientError, ProtocolError } from "./ClientError.js";
import { type SandboxInput } from "./fields.js";
import type { JsonRpcPeer, RpcOf } from "./JsonRpcPeer.js";
/** What `fs/walk` found: paths as `file://` URIs. */
export type WalkResult = typeof WireWalkResult.Type;
/**
 * An open file on the server (`fs/open`): blocks read or written at offsets.
 * `close` ends it (a replacing handle's file takes its target's place then);
 * a handle whose scope closes first is dropped, its target untouched.
 */
export interface ClientFileHandle {
    readonly handleId: string;
    /** Up to `length` bytes from `offset` (fewer at the end, or above the server's block limit); `eof` at the end. */
    readonly readBlock: (offset: number, length: number) => Effect.Effect<{
        readonly chunk: Uint8Array;
        readonly eof: boolean;
    }, ClientError>;
    readonly writeBlock: (offset: number, data: Uint8Array | string) => Effect.Effect<void, ClientError>;
    readonly close: Effect.Effect<void, ClientError>;
}
/** A batch of changes under a watched path: paths as `file://` URIs; `overflow` when some were left out (look again). */
export interface PathChanges {
    readonly changes: ReadonlyArray<{
        readonly path: string;
        readonly kind: "created" | "modified" | "removed";
    }>;
    readonly overflow: boolean;
}
/** A missing-path watch (see `ClientFileSystem.watchMissing`). */
export interface MissingWatch {
    readonly watching: boolean;
    readonly changed: Effect.Effect<void, ClientError>;
}
/** The host filesystem through the server (`fs/*`). Paths are absolute or `file://` URIs. */
export interface ClientFileSystem {
    readonly readFile: (path: string, range?: {
        readonly offset?: number;
        readonly length?: number;
    }) => Effect.Effect<Uint8Array, ClientError>;
    /**
     * Written atomically (temporary file and rename). Data too large for one
     * message goes in blocks through a replacing file handle, still atomic.
     */
    readonly writeFile: (path: string, data: Uint8Array | string) => Effect.Effect<void, ClientError>;
    /** Opens a file handle for the scope: `read` (default) or `replace`. */
    readonly open: (path: string, options?: {
        readonly mode?: "read" | "replace";
    }) => Effect.Effect<ClientFileHandle, ClientError, Scope.Scope>;
    /** A file's contents as a stream of blocks, through a file handle (for files of any size). */
    readonly readFileStream: (path: string, options?: {
        readonly blockBytes?: number;
    }) => Stream.Stream<Uint8Array, ClientError>;
    /** The path with every symlink and `..` resolved. */
    readonly canonicalize: (path: string) => Effect.Effect<string, ClientError>;
    /**
     * A tree, breadth first (`fs/walk`); the options default to the server's
     * maximums, links not followed, hidden directories descended.
     */
    readonly walk: (path: string, options?: Partial<WalkOptions>) => Effect.Effect<WalkResult, ClientError>;
    /**
     * Watches paths believed missing (and one believed present) for the scope
     * (`fs/watchMissing`). `watching` is false when the server would not
     * watch (one of them exists already, `present` does not, too many paths);
     * `changed` completes once one of them may have appeared, the directory it
     * would appear in went away, or `present` changed (at once when not
     * watching). One watch per client: a new one replaces it.
     */
    readonly watchMissing: (missing: ReadonlyArray<string>, options?: {
        readonly present?: string;
    }) => Effect.Effect<MissingWatch, ClientError, Scope.Scope>;
    /**
     * The changes under a path (`fs/watch`), in batches as the server
     * coalesces them; the watch starts when the stream is run (changes from
     * then on are seen) and ends with it.
     */
    readonly watch: (path: string, options?: {
        readonly recursive?: boolean;
    }) => Stream.Stream<PathChanges, ClientError>;
    readonly createDirectory: (path: string, options?: {
        readonly recursive?: boolean;
    }) => Effect.Effect<void, ClientError>;
    readonly getMetadata: (path: string) => Effect.Effect<Rpc.Success<RpcOf<"fs/getMetadata">>, ClientError>;
    readonly readDirectory: (path: string) => Effect.Effect<Rpc.Success<RpcOf<"fs/readDirectory">>["entries"], ClientError>;
    readonly remove: (path: string, options?: {
        readonly recursive?: boolean;
        readonly force?: boolean;
    }) => Effect.Effect<void, ClientError>;
    readonly copy: (sourcePath: string, destinationPath: string, options?: {
        readonly recursive?: boolean;
    }) => Effect.Effect<void, ClientError>;
}
/**
 * The fs API on `peer`, every request with the client's `sandbox`; it routes
 * the watch notifications to their watchers, which fail when the connection
 * they live on drops.
 */
export declare const make: (peer: JsonRpcPeer, sandbox: SandboxInput | undefined) => Effect.Effect<ClientFileSystem, ProtocolError>;
//# sourceMappingURL=fs.d.ts.map