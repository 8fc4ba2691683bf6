import * as Layer from "effect/Layer";
import { PipeSpawner, type ProcessSpawner } from "./ChildProcess.js";
/** Options of the Node pipe spawner. */
export interface NodePipeSpawnerOptions {
    /**
     * How long to keep reading after the child exits before reporting the exit
     * while a descendant still holds its stdout or stderr open. Output the
     * child wrote before exiting is already in the pipe and is read well within
     * this window; when the pipes close sooner the exit is reported at once.
     */
    readonly exitFlushMs?: number;
    /**
     * How children are started: `posixSpawn` (the default where the addon is
     * built, not switched off by `EXEC_SERVER_NATIVE=0`, and the kernel has
     * pidfds) costs the same whatever the server's size; `childProcess` is
     * Node's fork-based spawn.
     */
    readonly spawnWith?: "posixSpawn" | "childProcess";
}
/** Builds the pipe spawner. */
export declare const make: (options?: NodePipeSpawnerOptions) => ProcessSpawner;
/** The pipe spawner with default options (which way it starts children is settled when the layer is built). */
export declare const layer: Layer.Layer<PipeSpawner>;
//# sourceMappingURL=NodePipeSpawner.d.ts.map