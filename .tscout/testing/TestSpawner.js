/**
 * A scripted stand-in for the PTY and pipe spawners, for unit tests of
 * handlers and actors without real processes. Every spawn creates a
 * `FakeChild` the test drives (output, exit, close) and inspects (writes,
 * signals, resizes). A `behavior` can script children as they start.
 */
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import * as Queue from "effect/Queue";
import { SpawnNotFound } from "../protocol/errors.js";
import { ChildEvents, PipeSpawner, PtySpawner } from "../process/ChildProcess.js";
import { exitCodeOf, signalNumber } from "../process/signals.js";
const FATAL_BY_DEFAULT = new Set(["SIGTERM", "SIGKILL", "SIGINT", "SIGHUP", "SIGQUIT"]);
let nextFakePid = 100_000;
/** Makes a test spawner with an optional behavior for its children. */
export const make = (behavior = {}) => Effect.gen(function* () {
    const spawned = yield* Queue.unbounded();
    const children = [];
    const spawner = (tty) => ({
        spawn: (request) => Effect.gen(function* () {
            const failure = behavior.failSpawn?.(request);
            if (failure !== undefined)
                return yield* failure;
            const events = new ChildEvents();
            yield* Effect.addFinalizer(() => Effect.sync(() => events.close()));
            let exited = false;
            let closed = false;
            let stdinOpen = tty || request.pipeStdin;
            let paused = false;
            let groupHeld = false;
            const child = {
                pid: nextFakePid++,
                request,
                tty,
                writes: [],
                signals: [],
                resizes: [],
                paused: () => paused,
                stdinClosed: () => !stdinOpen,
                exited: () => exited,
                output: (data, stream = tty ? "pty" : "stdout") => {
                    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
                    events.emit({ _tag: "Output", stream, bytes });
                },
                exit: (code, signal) => {
                    if (exited)
                        return;
                    exited = true;
                    stdinOpen = false;
                    events.emit({ _tag: "Exited", exitCode: exitCodeOf(code, signal ?? null), signal: signal ?? null });
                },
                close: () => {
                    if (closed)
                        return;
                    closed = true;
                    events.emit({ _tag: "Closed" });
                },
                finish: (code, signal) => {
                    child.exit(code, signal);
                    child.close();
                },
                holdGroup: (held) => {
                    groupHeld = held;
                }
            };
            const handle = {
                pid: child.pid,
                listen: (sink) => events.listen(sink),
                write: (bytes) => Effect.sync(() => {
                    if (!stdinOpen)
                        return "stdinClosed";
                    child.writes.push(bytes);
                    behavior.onWrite?.(child, bytes);
                    return "accepted";
                }),
                closeStdin: Effect.sync(() => {
                    if (!stdinOpen)
                        return "stdinClosed";
                    stdinOpen = tty;
                    return "accepted";
                }),
                resize: (size) => Effect.sync(() => void child.resizes.push(size)),
                signal: (signal) => Effect.sync(() => {
                    if (exited && !groupHeld)
                        return false;
                    child.signals.push(signal);
                    if (behavior.onSignal !== undefined)
                        behavior.onSignal(child, signal);
                    else if (FATAL_BY_DEFAULT.has(signal) && signalNumber(signal) !== undefined)
                        child.finish(0, signal);
                    return true;
                }),
                groupExists: () => !exited || groupHeld,
                endOutput: Effect.sync(() => {
                    if (exited)
                        child.close();
                }),
                setPaused: (next) => {
                    paused = next;
                }
            };
            children.push(child);
            yield* Queue.offer(spawned, child);
            behavior.onSpawn?.(child);
            return handle;
        })
    });
    return {
        layer: Layer.merge(Layer.succeed(PtySpawner, spawner(true)), Layer.succeed(PipeSpawner, spawner(false))),
        children,
        nextChild: Queue.take(spawned)
    };
});
/** A behavior whose children echo every write back as output. */
export const echo = {
    onWrite: (child, bytes) => child.output(bytes)
};
/** A behavior that fails every spawn as a missing binary does. */
export const missingBinary = {
    failSpawn: (request) => new SpawnNotFound({
        message: `cannot spawn ${request.argv[0]}: no such executable file`,
        missing: "program",
        path: request.argv[0]
    })
};
//# sourceMappingURL=TestSpawner.js.map