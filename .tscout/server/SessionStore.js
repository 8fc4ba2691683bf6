/**
 * Sessions outlive connections when the client asks for it: a session owns
 * its process table in a scope of its own under the store. When its
 * connection closes it is either closed at once (the default: processes
 * terminated) or detached for `detachTtlMs`, keeping its processes and their
 * retained output until a new connection resumes it or the TTL passes.
 *
 * The rule for shared state here (and across the server): a check and the
 * write it guards happen with no `yield*` between them, so no other fiber
 * can act on what the check saw.
 */
import * as Context from "effect/Context";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as ExecutionStrategy from "effect/ExecutionStrategy";
import * as Exit from "effect/Exit";
import * as Fiber from "effect/Fiber";
import * as Layer from "effect/Layer";
import * as Scope from "effect/Scope";
import { randomUUID } from "node:crypto";
import { makeFileHandleTable } from "../fs/FileHandleTable.js";
import * as ProcessObserver from "../process/ProcessObserver.js";
import { makeProcessTable } from "../process/ProcessTable.js";
import { LiveOutputBudget } from "../process/LiveOutputBudget.js";
import { RetentionBudget } from "../process/RetentionBudget.js";
import { Slots } from "../process/Slots.js";
import { InvalidRequest } from "../protocol/errors.js";
import * as Metrics from "../observability/metrics.js";
import { ServerConfig } from "./ServerConfig.js";
/** The server's sessions. */
export class SessionStore extends Context.Tag("effect-exec-server/SessionStore")() {
}
/** The store; closing it closes every session, attached or detached. */
export const layer = Layer.scoped(SessionStore, Effect.gen(function* () {
    const config = yield* ServerConfig;
    const storeScope = yield* Effect.scope;
    const sessions = new Map();
    const ATTACHED = Metrics.label("state", "attached");
    const DETACHED = Metrics.label("state", "detached");
    const close = (record, why) => Effect.suspend(() => {
        if (!sessions.delete(record.sessionId))
            return Effect.void;
        sessionSlots.release();
        // A session released by its connection was counted attached until then.
        if (why !== "connection closed")
            Metrics.adjust(Metrics.sessions, -1, record.holder === undefined ? DETACHED : ATTACHED);
        return Effect.zipRight(Effect.logInfo("session closed").pipe(Effect.annotateLogs({ sessionId: record.sessionId, why })), Scope.close(record.scope, Exit.void));
    });
    // Sessions' scopes are children of this one, which would close them all
    // at once too; the finalizer below, added after it and so run before
    // it, closes them at once first, each with its log line.
    const sessionsScope = yield* Scope.fork(storeScope, ExecutionStrategy.parallel);
    yield* Effect.addFinalizer(() => Effect.forEach([...sessions.values()], (record) => close(record, "server stopped"), {
        concurrency: "unbounded",
        discard: true
    }));
    // One budget of closed records for all sessions: what the operator bounds is the server.
    const retention = new RetentionBudget({
        maxRecords: config.maxRetainedProcesses,
        maxBytes: config.maxRetainedOutputBytes
    });
    // What the operator bounds over all sessions, attached and detached:
    // every session, process and file handle takes a slot of the server's.
    const sessionSlots = new Slots({ resource: "sessions", limit: config.maxSessions, setting: "--max-sessions" });
    const processSlots = new Slots({ resource: "liveProcesses", limit: config.maxLiveProcesses, setting: "--max-live-processes" });
    const handleSlots = new Slots({
        resource: "fileHandles",
        limit: config.maxServerFileHandles,
        setting: "--max-server-file-handles",
        gauge: Metrics.fileHandlesOpen
    });
    const liveOutput = new LiveOutputBudget(config.maxLiveOutputBytes);
    const capTtl = (requested) => Math.max(0, Math.min(requested, config.maxDetachTtlMs));
    const attach = (record, peer) => {
        const connectionId = peer.connectionId;
        record.holder = connectionId;
        record.sink = peer.sink;
        record.processes.setPaused(peer.flow.paused());
        const unsubscribe = peer.flow.subscribe((paused) => {
            record.processes.setPaused(paused);
            if (paused)
                Metrics.bump(Metrics.backpressurePauses);
            peer.log(Effect.logDebug(paused ? "backpressure: output paused" : "backpressure: output resumed").pipe(Effect.annotateLogs({ sessionId: record.sessionId, connectionId })));
        });
        return {
            session: record,
            release: Effect.suspend(() => {
                if (record.holder !== connectionId)
                    return Effect.void;
                unsubscribe();
                record.holder = undefined;
                record.sink = undefined;
                // Detached, output goes to the retained ring only: keep reading so children never block.
                record.processes.setPaused(false);
                Metrics.adjust(Metrics.sessions, -1, ATTACHED);
                if (record.detachTtlMs <= 0)
                    return close(record, "connection closed");
                Metrics.adjust(Metrics.sessions, 1, DETACHED);
                // Released from a finalizer, which is uninterruptible: the timer must
                // not inherit that, or a resume could not cancel it.
                return Effect.logInfo("session detached").pipe(Effect.annotateLogs({ sessionId: record.sessionId, detachTtlMs: record.detachTtlMs }), Effect.zipRight(Effect.sleep(Duration.millis(record.detachTtlMs))), Effect.zipRight(Effect.suspend(() => record.holder === undefined ? close(record, "detach expired") : Effect.void)), Effect.interruptible, Effect.forkIn(storeScope), Effect.map((fiber) => {
                    record.expiry = fiber;
                }));
            })
        };
    };
    /** A new session held by `peer`, its slot already taken. */
    const makeSession = (peer, detachTtlMs) => Effect.gen(function* () {
        const scope = yield* Scope.fork(sessionsScope, ExecutionStrategy.sequential);
        const sessionId = randomUUID();
        // The record is filled in below; the table's emit reads its current sink.
        let record;
        const processes = yield* makeProcessTable({
            graceMs: config.graceMs,
            retainedOutputBytes: config.retainedOutputBytes,
            retentionMs: config.retentionMs,
            retention,
            closeDrainMs: config.closeDrainMs,
            maxProcesses: config.maxProcesses,
            serverProcesses: processSlots,
            liveOutput,
            observer: ProcessObserver.make({ traced: config.tracing === true ? { sessionId } : undefined }),
            emit: (event) => record?.sink?.(event)
        }).pipe(Scope.extend(scope));
        const files = yield* makeFileHandleTable({ maxHandles: config.maxFileHandles, serverHandles: handleSlots }).pipe(Scope.extend(scope));
        yield* Effect.logInfo("session created").pipe(Effect.annotateLogs({ sessionId, connectionId: peer.connectionId, detachTtlMs }));
        record = { sessionId, processes, files, scope, sink: undefined, holder: undefined, detachTtlMs, expiry: undefined };
        // Registered last: from here its slot is given back when it closes.
        sessions.set(sessionId, record);
        Metrics.adjust(Metrics.sessions, 1, ATTACHED);
        return attach(record, peer);
    });
    return {
        create: (peer, { detachTtlMs }) => Effect.suspend(() => {
            // Claimed before anything yields; given back when the session closes, or here if it is not made.
            // Uninterruptible: a session made must reach its connection, which releases it.
            if (!sessionSlots.tryTake()) {
                return Effect.fail(sessionSlots.refusal(`the server already has ${sessionSlots.inUse} sessions, attached or detached`));
            }
            return Effect.onError(makeSession(peer, capTtl(detachTtlMs)), () => Effect.sync(() => sessionSlots.release()));
        }).pipe(Effect.uninterruptible),
        resume: (peer, { detachTtlMs, sessionId }) => Effect.gen(function* () {
            const record = sessions.get(sessionId);
            if (record === undefined) {
                return yield* new InvalidRequest({ message: `unknown or expired session id ${sessionId}` });
            }
            if (record.holder !== undefined) {
                return yield* new InvalidRequest({ message: `session ${sessionId} is held by another connection` });
            }
            // Claimed before anything yields: a second resume in the same turn
            // finds the session held. The expiry fiber checks the holder too.
            if (detachTtlMs !== undefined)
                record.detachTtlMs = capTtl(detachTtlMs);
            const attachment = attach(record, peer);
            Metrics.adjust(Metrics.sessions, -1, DETACHED);
            Metrics.adjust(Metrics.sessions, 1, ATTACHED);
            const expiry = record.expiry;
            record.expiry = undefined;
            if (expiry !== undefined)
                yield* Fiber.interrupt(expiry);
            yield* Effect.logInfo("session resumed").pipe(Effect.annotateLogs({ sessionId, connectionId: peer.connectionId }));
            return attachment;
        })
    };
}));
//# sourceMappingURL=SessionStore.js.map