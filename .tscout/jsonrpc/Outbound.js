/**
 * The outbound side of a connection: messages are queued in call order and
 * handed to the transport in batches, one batch per microtask turn, with
 * flow accounting from "queued" to "written".
 *
 * Plain callbacks rather than a writer fiber: `send` is called for every
 * response and every output notification, and waking a fiber per batch cost
 * more than the write itself on the request round trip.
 */
import * as Deferred from "effect/Deferred";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as FiberId from "effect/FiberId";
import { messageSize } from "../wire/JsonRpc.js";
/**
 * Reusable buffers for outgoing messages. A notification waiting for a slow
 * client lives long enough to reach V8's old generation, where its memory is
 * only reclaimed by a full collection; an outbound queue takes each buffer
 * it wrote back into its pool, which keeps the server's footprint flat
 * instead. A server lends one pool to all its connections' queues, so the
 * free slabs it keeps (`maxFree`) bound the whole server, not each
 * connection; a queue made without one gets a small pool of its own.
 */
export class MessagePool {
    slabBytes;
    maxFree;
    free = [];
    owned = new WeakSet();
    constructor(slabBytes = 96 * 1024, maxFree = 256) {
        this.slabBytes = slabBytes;
        this.maxFree = maxFree;
    }
    /** A buffer of `size` bytes, from the pool when it fits a slab. */
    take(size) {
        if (size > this.slabBytes)
            return Buffer.allocUnsafeSlow(size);
        let slab = this.free.pop();
        if (slab === undefined) {
            slab = new ArrayBuffer(this.slabBytes);
            this.owned.add(slab);
        }
        return Buffer.from(slab, 0, size);
    }
    /** Returns a written message's buffer, if it came from the pool. */
    give(message) {
        const slab = message.buffer;
        if (slab instanceof ArrayBuffer && this.owned.has(slab) && this.free.length < this.maxFree)
            this.free.push(slab);
    }
}
/** Makes the outbound queue over a transport's write. */
export const make = (options) => {
    const pool = options.pool ?? new MessagePool(96 * 1024, 16);
    const failed = Deferred.unsafeMake(FiberId.none);
    const drained = Deferred.unsafeMake(FiberId.none);
    let queue = [];
    let queueBytes = 0;
    let flushScheduled = false;
    let batchesInFlight = 0;
    let closing = false;
    let broken = false;
    const settleIfDrained = () => {
        if (closing && (broken || (batchesInFlight === 0 && queue.length === 0)))
            Deferred.unsafeDone(drained, Exit.void);
    };
    const flush = () => {
        flushScheduled = false;
        if (broken || queue.length === 0)
            return;
        const batch = queue;
        const bytes = queueBytes;
        queue = [];
        queueBytes = 0;
        batchesInFlight++;
        options.write(batch, (error) => {
            batchesInFlight--;
            if (error !== undefined && !broken) {
                broken = true;
                Deferred.unsafeDone(failed, Exit.void);
            }
            options.flow.written(bytes);
            for (const message of batch)
                if (typeof message !== "string")
                    pool.give(message);
            settleIfDrained();
        });
    };
    return {
        allocate: (size) => pool.take(size),
        send: (message) => {
            if (closing || broken)
                return;
            const bytes = messageSize(message);
            queue.push(message);
            queueBytes += bytes;
            options.flow.queued(bytes);
            if (!flushScheduled) {
                flushScheduled = true;
                queueMicrotask(flush);
            }
        },
        failed: Deferred.await(failed),
        get idle() {
            return broken || (queue.length === 0 && batchesInFlight === 0);
        },
        close: Effect.suspend(() => {
            closing = true;
            flush();
            settleIfDrained();
            return Deferred.await(drained);
        })
    };
};
//# sourceMappingURL=Outbound.js.map