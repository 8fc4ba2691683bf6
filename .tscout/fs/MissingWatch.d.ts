/**
 * `fs/watchMissing`, as the reference has it: a connection watches paths it
 * believes missing (and, optionally, one it believes present) and is told
 * once, by `fs/missingChanged {watchId}`, when that belief may be wrong: a
 * missing path, or its first missing ancestor, appears; the directory it
 * would appear in goes away; the present path changes, moves or goes. One
 * watch per connection: a request with a higher `watchId` replaces it (and a
 * stale id changes nothing). Built on the platform's file watching, with the
 * condition checked on the file system at each event, so what an event says
 * is never trusted on its own.
 */
import * as FileSystem from "@effect/platform/FileSystem";
import * as Effect from "effect/Effect";
import * as Scope from "effect/Scope";
import * as NodeFs from "node:fs";
/** The most paths one watch takes, and the most directories it watches for them (as the reference). */
export declare const MAX_WATCHED = 64;
export interface MissingWatchRequest {
    readonly watchId: number;
    readonly missing: ReadonlyArray<string>;
    readonly present?: string | undefined;
    /**
     * A sandbox's view, when one applies: whether the caller may look at a
     * (real) path. The directories a missing path would appear in must pass,
     * or nothing is watched. The paths themselves are checked (and resolved)
     * by the caller, before anything on the file system is looked at.
     */
    readonly visible?: ((path: string) => boolean) | undefined;
}
/** A connection's missing-path watch. */
export interface MissingWatcher {
    /** Replaces the watch when `watchId` is higher than any before; true when a watch is now installed. */
    readonly watch: (request: MissingWatchRequest) => Effect.Effect<boolean>;
}
/** What is at `path` itself (a symlink not followed), or undefined when nothing is. */
export declare const lstatOf: (path: string) => NodeFs.Stats | undefined;
/** Makes the watcher of one connection; its watch ends with the scope. `notify` sends `fs/missingChanged`. */
export declare const makeMissingWatcher: (notify: (watchId: number) => void) => Effect.Effect<MissingWatcher, never, Scope.Scope | FileSystem.FileSystem>;
//# sourceMappingURL=MissingWatch.d.ts.map