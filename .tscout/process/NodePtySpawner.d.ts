import * as Layer from "effect/Layer";
import { type ProcessSpawner, PtySpawner } from "./ChildProcess.js";
/** Builds the PTY spawner. */
export declare const make: () => ProcessSpawner;
/** The node-pty spawner. */
export declare const layer: Layer.Layer<PtySpawner>;
//# sourceMappingURL=NodePtySpawner.d.ts.map