/**
 * What the server tells the world about a process's life: its metrics, its
 * log lines and (when tracing is on) its span, all from here. The table
 * calls it as a process spawns, once it has started, and once it is closed.
 */
import * as Effect from "effect/Effect";
import * as LogLevel from "effect/LogLevel";
import * as Scope from "effect/Scope";
import * as Metrics from "../observability/metrics.js";
const outcomeOf = (exitCode) => exitCode === 0 ? "success" : exitCode > 128 ? "signal" : "failure";
const started = (actor, spawnMs) => Effect.suspend(() => {
    Metrics.bump(Metrics.processesStarted);
    Metrics.adjust(Metrics.processesRunning, 1);
    Metrics.spawnDuration.unsafeUpdate(spawnMs / 1000, []);
    // Debug only (see `closed`), and its fields annotated only when it is written.
    return Effect.whenLogLevel(Effect.logDebug("process started").pipe(Effect.annotateLogs({
        processId: actor.processId,
        pid: actor.pid,
        argv0: actor.argv[0],
        tty: actor.tty,
        sandboxed: actor.sandboxType !== "none"
    })), LogLevel.Debug);
});
const closed = (record, durationMs) => Effect.suspend(() => {
    const { exitCode, signal } = record.exit;
    Metrics.adjust(Metrics.processesRunning, -1);
    Metrics.bump(Metrics.processesExited, 1, Metrics.label("outcome", outcomeOf(exitCode)));
    // One line per process at info, when it is over (as an access log has
    // one per request): a line costs far more than its write (the fields'
    // scoped annotation, the formatting), and a second per process at
    // start was a sixth of a spawn's CPU.
    return Effect.logInfo("process closed").pipe(Effect.annotateLogs({
        processId: record.processId,
        pid: record.pid,
        argv0: record.argv[0],
        tty: record.tty,
        sandboxed: record.sandboxType !== "none",
        exitCode,
        signal,
        durationMs
    }));
});
/** Untraced processes share one observer: it keeps nothing of its own per process. */
const UNTRACED = Effect.succeed({ started, closed });
/** Metrics and logs of every process, and a span per process lifetime when traced (spans are not free). */
export const make = (options) => {
    const traced = options.traced;
    if (traced === undefined)
        return { spawning: () => UNTRACED };
    return {
        spawning: (process, scope) => Effect.map(Effect.makeSpanScoped("process", {
            kind: "internal",
            attributes: {
                "exec_server.session_id": traced.sessionId,
                "exec_server.process_id": process.processId,
                "process.executable.name": process.argv0,
                "exec_server.tty": process.tty
            }
        }), (span) => ({
            started: (actor, spawnMs) => Effect.zipRight(Effect.sync(() => span.attribute("process.pid", actor.pid)), started(actor, spawnMs)),
            closed: (record, durationMs) => Effect.zipRight(Effect.sync(() => span.attribute("process.exit_code", record.exit.exitCode)), closed(record, durationMs))
        })).pipe(Scope.extend(scope))
    };
};
//# sourceMappingURL=ProcessObserver.js.map