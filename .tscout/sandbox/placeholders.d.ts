/**
 * Placeholder directories: a protected path that does not exist yet (a
 * project without `.git`) must not be creatable from inside the sandbox, so
 * an empty read-only file system is mounted there, which needs a directory
 * to mount on. The server creates it, shares it among the sandboxes that
 * need it (removing it while one of them runs would detach that sandbox's
 * mount), removes it when the last one ends, and has the reaper remove it
 * if the server dies first. Only directories this server created are ever
 * removed, and only while empty.
 */
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import { InvalidParams, type InternalError } from "../protocol/errors.js";
declare const PlaceholderGuard_base: Context.TagClass<PlaceholderGuard, "effect-exec-server/PlaceholderGuard", {
    readonly register: (path: string) => Effect.Effect<void>;
    readonly unregister: (path: string) => Effect.Effect<void>;
}>;
/** Keeps placeholders from outliving a server that dies hard (the process reaper provides it). */
export declare class PlaceholderGuard extends PlaceholderGuard_base {
}
/** The placeholders of one server, counted by the sandboxes using them. */
export interface Placeholders {
    /** Makes sure each path exists (creating it as a placeholder if needed) until the scope closes. */
    readonly hold: (paths: ReadonlyArray<string>) => Effect.Effect<void, InternalError | InvalidParams, Scope.Scope>;
    /** The placeholders that exist now (for tests and diagnostics). */
    readonly current: () => ReadonlyArray<string>;
}
/** Makes the placeholder registry; the guard, when there is one, learns of each placeholder. */
export declare const makePlaceholders: Effect.Effect<Placeholders>;
export {};
//# sourceMappingURL=placeholders.d.ts.map