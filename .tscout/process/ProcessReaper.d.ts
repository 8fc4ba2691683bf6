/**
 * Kills the process groups of a server that dies without cleaning up (such
 * as under SIGKILL), and removes the sandbox's placeholder directories. Node
 * cannot ask the kernel to signal children when their parent dies, so a tiny
 * helper process holds a pipe from the server, keeps the list of live groups
 * and placeholders, and cleans up when the pipe closes.
 */
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import { PlaceholderGuard } from "../sandbox/placeholders.js";
declare const ProcessReaper_base: Context.TagClass<ProcessReaper, "effect-exec-server/ProcessReaper", {
    readonly register: (pgid: number) => Effect.Effect<void>;
    readonly unregister: (pgid: number) => Effect.Effect<void>;
    /** A directory to remove (if still empty) should the server die. */
    readonly registerPlaceholder: (path: string) => Effect.Effect<void>;
    readonly unregisterPlaceholder: (path: string) => Effect.Effect<void>;
}>;
/** Keeps the list of process groups to kill if the server dies. */
export declare class ProcessReaper extends ProcessReaper_base {
}
/**
 * The helper: reads `+PGID` / `-PGID` lines and `dPATH` / `uPATH` lines
 * (placeholder directories); at end of input (the server is gone) it sends
 * SIGTERM to every group still registered, then SIGKILL, then removes the
 * placeholders that are still empty. POSIX sh, so that Debian's dash runs it
 * in under 2 MB. Each live group is a shell variable (`pg` and its id), set
 * and unset in constant time and listed with `set` at the end: removing a
 * word from one long string costs dash time quadratic in its length, and
 * with thousands of groups the helper would fall behind the server. Only digits
 * reach `eval` and `unset` (an invalid name would end the shell). The
 * placeholders, one per protected path whatever the number of sandboxes,
 * stay in one newline-separated string.
 */
export declare const REAPER_SCRIPT = "\ntrap '' INT HUP\nnl='\n'\ndirs=$nl\nwhile IFS= read -r line; do\n  case $line in\n    [+-][0-9]*)\n      g=${line#?}\n      case $g in\n        *[!0-9]*) ;;\n        *) case $line in +*) eval \"pg$g=1\" ;; *) unset \"pg$g\" ;; esac ;;\n      esac ;;\n    d/*) dirs=\"$dirs${line#d}$nl\" ;;\n    u/*)\n      d=${line#u}\n      case $dirs in *\"$nl$d$nl\"*) dirs=\"${dirs%%\"$nl$d$nl\"*}$nl${dirs#*\"$nl$d$nl\"}\" ;; esac ;;\n  esac\ndone\ngroups=$(set | while IFS= read -r v; do case $v in pg[0-9]*=*) v=${v%%=*}; printf '%s ' \"${v#pg}\" ;; esac; done)\nif [ -n \"$groups\" ]; then\n  for g in $groups; do kill -s TERM -- \"-$g\" 2>/dev/null; done\n  sleep 0.5\n  for g in $groups; do kill -s KILL -- \"-$g\" 2>/dev/null; done\nfi\nprintf %s \"$dirs\" | while IFS= read -r d; do [ -n \"$d\" ] && rmdir -- \"$d\" 2>/dev/null; done\nexit 0\n";
/**
 * Provides the helper for the lifetime of the layer, started with the first
 * process (a server that runs none needs none). Without a shell the layer
 * provides nothing-doing registration and logs a warning.
 */
export declare const layerNode: Layer.Layer<ProcessReaper>;
/** The reaper as the sandbox's placeholder guard. */
export declare const layerPlaceholderGuard: Layer.Layer<PlaceholderGuard, never, ProcessReaper>;
export {};
//# sourceMappingURL=ProcessReaper.d.ts.map