/**
 * One process's events on the client: a bounded queue for its consumer, fed
 * by live notifications while they arrive in order and fit, and otherwise
 * by `process/read` from the server's retained output. A consumer that lags
 * (or a connection that dropped and came back) costs the client no more
 * than its bound: live events that do not fit are dropped and read again
 * later, so nothing is lost while the server still retains it, and what it
 * no longer retains becomes an explicit `Gap` event.
 */
import * as Chunk from "effect/Chunk";
import * as Deferred from "effect/Deferred";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as FiberId from "effect/FiberId";
import * as Option from "effect/Option";
import * as Stream from "effect/Stream";
import { UnknownProcess } from "./ClientError.js";
// What an event costs besides its bytes, so that a flood of tiny events is bounded too.
const EVENT_OVERHEAD = 64;
// A catch-up read asks for this much at most (a response stays well under the message limit).
const MAX_READ_BYTES = 1024 * 1024;
const statusOf = (event) => ({
    exitCode: event.exitCode,
    signal: event.signal,
    sandboxDenied: event.sandboxDenied
});
const sizeOf = (event) => EVENT_OVERHEAD + (event._tag === "Output" ? event.bytes.byteLength : 0);
/** A process's event queue and its catch-up from the server. */
export class ProcessChannel {
    options;
    queue = [];
    queuedBytes = 0;
    /** Live events past a gap, kept (within the bound; `Exited` and `Closed` always) until it is filled. */
    held = new Map();
    heldBytes = 0;
    /** The seq the queue takes next. */
    nextSeq = 1;
    /** The highest seq seen live, queued or not. */
    maxSeenSeq = 0;
    /** Live events are not queued directly: the channel is reading its way forward. */
    catchingUp = false;
    catchUpRunning = false;
    closedQueued = false;
    failure;
    consumer;
    roomWaiter;
    exitStatus;
    exitedDeferred = Deferred.unsafeMake(FiberId.none);
    constructor(options) {
        this.options = options;
    }
    get processId() {
        return this.options.processId;
    }
    /** The exit status once known: from the live `exited`, or from a read. */
    exited = Deferred.await(this.exitedDeferred);
    /** Whether `Closed` is queued or the channel failed: nothing more comes. */
    get finished() {
        return this.closedQueued || this.failure !== undefined;
    }
    /** The events, ending after `Closed`. One consumer. */
    events = Stream.repeatEffectChunkOption(Effect.suspend(() => this.take()));
    take() {
        if (this.queue.length > 0) {
            const taken = this.queue;
            this.queue = [];
            this.queuedBytes = 0;
            this.wakeCatchUp();
            return Effect.succeed(Chunk.unsafeFromArray(taken));
        }
        if (this.closedQueued)
            return Effect.fail(Option.none());
        if (this.failure !== undefined)
            return Effect.fail(Option.some(this.failure));
        return Effect.async((resume) => {
            this.consumer = () => resume(Effect.suspend(() => this.take()));
            return Effect.sync(() => {
                this.consumer = undefined;
            });
        });
    }
    wakeConsumer() {
        const consumer = this.consumer;
        this.consumer = undefined;
        consumer?.();
    }
    wakeCatchUp() {
        const waiter = this.roomWaiter;
        if (waiter !== undefined && this.queuedBytes <= this.options.maxBufferedBytes / 2) {
            this.roomWaiter = undefined;
            waiter();
        }
    }
    recordExit(status) {
        if (this.exitStatus !== undefined)
            return;
        this.exitStatus = status;
        Deferred.unsafeDone(this.exitedDeferred, Exit.succeed(status));
    }
    push(event) {
        this.queue.push(event);
        this.queuedBytes += sizeOf(event);
        if (event._tag === "Exited")
            this.recordExit(statusOf(event));
        if (event._tag === "Closed") {
            this.closedQueued = true;
            this.catchingUp = false;
            this.held.clear();
            this.heldBytes = 0;
            this.wakeCatchUp();
            this.options.onClosed();
        }
        this.wakeConsumer();
    }
    hold(event) {
        if (this.held.has(event.seq))
            return;
        const size = sizeOf(event);
        if (event._tag === "Output" && this.queuedBytes + this.heldBytes + size > this.options.maxBufferedBytes)
            return;
        this.held.set(event.seq, event);
        this.heldBytes += size;
    }
    /** A live notification of the process. */
    offer(event) {
        if (this.finished)
            return;
        if (event.seq > this.maxSeenSeq)
            this.maxSeenSeq = event.seq;
        if (event._tag === "Exited")
            this.recordExit(statusOf(event));
        if (event.seq < this.nextSeq)
            return;
        if (!this.catchingUp && event.seq === this.nextSeq &&
            this.queuedBytes + sizeOf(event) <= this.options.maxBufferedBytes) {
            this.nextSeq++;
            this.push(event);
            return;
        }
        // Out of order, or no room: keep what the bound allows and read the rest from the server.
        this.hold(event);
        this.startCatchUp();
    }
    /**
     * The connection came back (or the channel was made for a process the
     * client did not start): what happened meanwhile is read from the server,
     * and the exit status is asked for at once, whether or not the consumer
     * has room for the output.
     */
    resync() {
        if (this.finished)
            return;
        this.options.fork(Effect.ignore(Effect.flatMap(this.probe, () => Effect.sync(() => this.startCatchUp()))));
    }
    probe = Effect.suspend(() => this.options.read({ afterSeq: Number.MAX_SAFE_INTEGER, maxBytes: 0 })).pipe(Effect.tap((result) => Effect.sync(() => this.recordExitOf(result))), Effect.tapError((error) => Effect.sync(() => this.failWith(error))), Effect.asVoid);
    recordExitOf(result) {
        if (!result.exited)
            return;
        this.recordExit({ exitCode: result.exitCode ?? -1, signal: result.signal, sandboxDenied: result.sandboxDenied });
    }
    startCatchUp() {
        this.catchingUp = true;
        if (this.catchUpRunning || this.finished)
            return;
        this.catchUpRunning = true;
        this.options.fork(Effect.ensuring(this.catchUp, Effect.sync(() => {
            this.catchUpRunning = false;
        })));
    }
    waitForRoom = Effect.async((resume) => {
        if (this.queuedBytes <= this.options.maxBufferedBytes / 2 || this.finished) {
            resume(Effect.void);
            return;
        }
        this.roomWaiter = () => resume(Effect.void);
        return Effect.sync(() => {
            this.roomWaiter = undefined;
        });
    });
    catchUp = Effect.gen(this, function* () {
        while (this.catchingUp && !this.finished) {
            yield* this.waitForRoom;
            if (this.finished)
                return;
            const room = Math.max(0, this.options.maxBufferedBytes - this.queuedBytes - this.heldBytes);
            const result = yield* Effect.either(this.options.read({ afterSeq: this.nextSeq - 1, maxBytes: Math.min(MAX_READ_BYTES, room) }));
            if (result._tag === "Left") {
                this.failWith(result.left);
                return;
            }
            this.apply(result.right);
        }
    });
    /** Queues what a read returned, in seq order, with the held live events and a `Gap` where the server evicted. */
    apply(result) {
        this.recordExitOf(result);
        const available = new Map(this.held);
        let firstChunkSeq = Number.POSITIVE_INFINITY;
        for (const chunk of result.chunks) {
            available.set(chunk.seq, { _tag: "Output", seq: chunk.seq, stream: chunk.stream, bytes: chunk.chunk });
            if (chunk.seq < firstChunkSeq)
                firstChunkSeq = chunk.seq;
        }
        if (result.exited && result.exitedSeq !== null && this.exitStatus !== undefined) {
            available.set(result.exitedSeq, { _tag: "Exited", seq: result.exitedSeq, ...this.exitStatus });
        }
        if (result.closed)
            available.set(result.nextSeq - 1, { _tag: "Closed", seq: result.nextSeq - 1 });
        // Below this seq, what the read did not return was evicted.
        const gapBelow = result.truncated ? Math.min(firstChunkSeq, result.nextSeq) : 0;
        let seq = this.nextSeq;
        while (!this.closedQueued) {
            const event = available.get(seq);
            if (event !== undefined) {
                this.nextSeq = ++seq;
                this.push(event);
                continue;
            }
            if (seq >= gapBelow)
                break;
            let last = seq;
            while (last + 1 < gapBelow && !available.has(last + 1))
                last++;
            this.nextSeq = last + 1;
            this.push({ _tag: "Gap", fromSeq: seq, seq: last });
            seq = last + 1;
        }
        for (const heldSeq of [...this.held.keys()]) {
            if (heldSeq < this.nextSeq) {
                this.heldBytes -= sizeOf(this.held.get(heldSeq));
                this.held.delete(heldSeq);
            }
        }
        // Caught up: the read covered everything the server had, and every live event seen since.
        if (this.nextSeq >= result.nextSeq && this.nextSeq > this.maxSeenSeq)
            this.catchingUp = false;
    }
    failWith(error) {
        if (this.failure !== undefined || this.closedQueued)
            return;
        if (error._tag === "InvalidRequest" && /unknown process|no process/i.test(error.message)) {
            this.fail(new UnknownProcess({ processId: this.processId, message: `no process ${this.processId} in this session` }));
            return;
        }
        this.fail(error);
    }
    /** Nothing more will come: the consumer and `exited` fail with `error` (after what is queued). */
    fail(error) {
        if (this.failure !== undefined || this.closedQueued)
            return;
        this.failure = error;
        this.catchingUp = false;
        Deferred.unsafeDone(this.exitedDeferred, Exit.fail(error));
        this.wakeCatchUp();
        const waiter = this.roomWaiter;
        this.roomWaiter = undefined;
        waiter?.();
        this.wakeConsumer();
        this.options.onClosed();
    }
}
//# sourceMappingURL=ProcessChannel.js.map