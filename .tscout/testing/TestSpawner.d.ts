/**
 * A scripted stand-in for the PTY and pipe spawners, for unit tests of
 * handlers and actors without real processes. Every spawn creates a
 * `FakeChild` the test drives (output, exit, close) and inspects (writes,
 * signals, resizes). A `behavior` can script children as they start.
 */
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import { type InternalError, SpawnNotFound } from "../protocol/errors.js";
import type { OutputStream, TerminalSize } from "../protocol/schema.js";
import { PipeSpawner, PtySpawner, type SpawnRequest } from "../process/ChildProcess.js";
/** A fake child: what it received, and controls to make it produce events. */
export interface FakeChild {
    readonly pid: number;
    readonly request: SpawnRequest;
    readonly tty: boolean;
    /** Bytes written to its stdin, in order. */
    readonly writes: Array<Uint8Array>;
    /** Signals sent to its group, in order. */
    readonly signals: Array<NodeJS.Signals>;
    readonly resizes: Array<TerminalSize>;
    /** Whether the server has paused reading its output (flow control). */
    readonly paused: () => boolean;
    readonly stdinClosed: () => boolean;
    readonly exited: () => boolean;
    /** Emits output on a stream (`"pty"` for terminal children). */
    readonly output: (data: string | Uint8Array, stream?: OutputStream) => void;
    /** Reports the exit; `signal` makes the exit code 128 + n. */
    readonly exit: (code: number, signal?: NodeJS.Signals) => void;
    /** Ends the output streams: the process is closed once it has also exited. */
    readonly close: () => void;
    /** `exit` then `close`. */
    readonly finish: (code: number, signal?: NodeJS.Signals) => void;
    /**
     * Whether some process holds the child's process group id apart from the
     * child itself: a background job that outlives it, or (after the group
     * emptied) an unrelated group that took the id. Signals are recorded
     * either way, as `kill(-pgid)` would deliver them.
     */
    readonly holdGroup: (held: boolean) => void;
}
/** How a fake child reacts to being started, written to and signalled. */
export interface FakeBehavior {
    readonly onSpawn?: (child: FakeChild) => void;
    readonly onWrite?: (child: FakeChild, bytes: Uint8Array) => void;
    /** Default: SIGTERM, SIGKILL, SIGINT, SIGHUP and SIGQUIT end the child with that signal. */
    readonly onSignal?: (child: FakeChild, signal: NodeJS.Signals) => void;
    /** Makes a spawn fail, as a missing binary would. */
    readonly failSpawn?: (request: SpawnRequest) => InternalError | SpawnNotFound | undefined;
}
/** The test spawner: its layer provides both spawner Tags. */
export interface TestSpawner {
    readonly layer: Layer.Layer<PtySpawner | PipeSpawner>;
    /** Every child spawned so far, in order. */
    readonly children: ReadonlyArray<FakeChild>;
    /** Waits for the next child to be spawned. */
    readonly nextChild: Effect.Effect<FakeChild>;
}
/** Makes a test spawner with an optional behavior for its children. */
export declare const make: (behavior?: FakeBehavior) => Effect.Effect<TestSpawner>;
/** A behavior whose children echo every write back as output. */
export declare const echo: FakeBehavior;
/** A behavior that fails every spawn as a missing binary does. */
export declare const missingBinary: FakeBehavior;
//# sourceMappingURL=TestSpawner.d.ts.map