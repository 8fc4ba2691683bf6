import * as Effect from "effect/Effect";
import * as Scope from "effect/Scope";
import { InvalidRequest, NotFound, type SandboxDenied, type ServerBusy } from "../protocol/errors.js";
import { Slots } from "../process/Slots.js";
/** How a path changed over a coalescing period. */
export type ChangeKind = "created" | "modified" | "removed";
/** An `fs/changed` payload. */
export interface Changes {
    readonly watchId: string;
    readonly changes: ReadonlyArray<{
        readonly path: string;
        readonly kind: ChangeKind;
    }>;
    /** More changed than one notification carries: what is under the watch should be looked at again. */
    readonly overflow: boolean;
}
export interface PathWatchOptions {
    /** Most watches one connection holds. */
    readonly maxWatches: number;
    /** Most paths one notification names. */
    readonly maxChanges: number;
    /** Changes are gathered this long before they are sent. */
    readonly coalesceMs: number;
    /**
     * Most directories one watch watches (each is a kernel watch and a
     * watcher object). A tree with more is refused when the watch starts;
     * directories that come later beyond it are not watched, and the next
     * notification says `overflow`.
     */
    readonly maxDirectories: number;
    /** The directories watched by all watches of the server: its slots are shared by every connection. */
    readonly budget: Slots;
}
/** Directories one watch may watch. */
export declare const DEFAULT_MAX_WATCH_DIRECTORIES = 4096;
/** Directories all watches of a server may watch. */
export declare const DEFAULT_MAX_SERVER_WATCH_DIRECTORIES = 32768;
/**
 * The server's count of watched directories: a watch that would go past it
 * is refused as busy (retryable once others end).
 */
export declare const watchedDirectorySlots: (limit?: number) => Slots;
export declare const defaultPathWatchOptions: (budget?: Slots) => PathWatchOptions;
/** Whether the client is behind (a connection's flow control, as a watcher sees it). */
export interface Backpressure {
    readonly paused: () => boolean;
    /** Calls `listener` on every change; returns the unsubscribe. */
    readonly subscribe: (listener: (paused: boolean) => void) => () => void;
}
/**
 * What a sandbox shows, as a watch sees it (real paths: symlinks and `..`
 * resolved). Without one, everything is shown.
 */
export interface WatchView {
    /** Whether a change of the path may be reported (that it changed, or its name). */
    readonly shows: (path: string) => boolean;
    /** Whether anything at or below a directory is shown: one that shows nothing is not watched at all. */
    readonly showsAnythingAt: (path: string) => boolean;
}
/** A connection's path watches. */
export interface PathWatcher {
    /**
     * Starts watching `path` under `watchId`. With a `view`, the path must be
     * shown once resolved, and only what it shows is reported.
     */
    readonly watch: (watchId: string, path: string, options: {
        readonly recursive: boolean;
        readonly view?: WatchView | undefined;
    }) => Effect.Effect<void, InvalidRequest | NotFound | SandboxDenied | ServerBusy>;
    /** Stops a watch; an id that is not watched is a no-op. */
    readonly unwatch: (watchId: string) => Effect.Effect<void>;
}
/**
 * Makes the path watcher of one connection; its watches end with the scope.
 * `notify` sends `fs/changed`; while `flow` says the client is behind,
 * changes are only gathered (a path once, `overflow` past the bound) and go
 * out when it catches up.
 */
export declare const makePathWatcher: (notify: (changes: Changes) => void, flow: Backpressure, options?: PathWatchOptions) => Effect.Effect<PathWatcher, never, Scope.Scope>;
//# sourceMappingURL=PathWatch.d.ts.map