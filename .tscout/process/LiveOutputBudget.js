/**
 * The server-wide budget of output retained by processes that are not yet
 * closed: each keeps its recent output for `process/read` up to its own cap,
 * and all of them together at most `maxBytes`. Past it, the oldest retained
 * chunks of all live processes are evicted first, whichever process they
 * belong to (a read from before them reports `truncated`, as after a
 * process's own eviction). Nothing is refused and nothing is held back:
 * retained output is only the read-back copy, and notifications to a
 * connected client do not pass through it.
 *
 * The outputs that retain something are kept in a binary heap by the age of
 * their oldest chunk (a stamp from one counter per budget): appending to an
 * output that already retains something costs a counter increment, and the
 * heap moves only when an output's oldest chunk changes.
 */
import * as Metrics from "../observability/metrics.js";
/** The budget of one server. */
export class LiveOutputBudget {
    maxBytes;
    heap = [];
    bytes = 0;
    lastStamp = 0;
    constructor(maxBytes) {
        this.maxBytes = maxBytes;
        Metrics.limits.unsafeUpdate(maxBytes, Metrics.label("resource", "liveOutputBytes"));
    }
    /** Bytes retained by live processes now. */
    get retainedBytes() {
        return this.bytes;
    }
    /** How many outputs retain something now. */
    get outputs() {
        return this.heap.length;
    }
    /** The stamp of a new chunk: later than every chunk before it. */
    stamp() {
        return ++this.lastStamp;
    }
    /**
     * Counts a chunk just appended to `output` (its newest, stamped `stamp`);
     * then, while over the budget, evicts the oldest chunks of all outputs,
     * never the one just appended.
     */
    added(output, bytes, stamp) {
        this.bytes += bytes;
        Metrics.adjust(Metrics.liveOutputBytes, bytes);
        if (output.budgetIndex === -1)
            this.insert(output);
        if (this.bytes > this.maxBytes)
            this.evictOver(stamp);
    }
    /** Stops counting a chunk `output` evicted itself (its own cap). */
    removed(output, bytes) {
        this.bytes -= bytes;
        Metrics.adjust(Metrics.liveOutputBytes, -bytes);
        if (output.budgetIndex !== -1)
            this.reposition(output.budgetIndex);
    }
    /** Stops counting `output` and the `bytes` it retains (its process closed). Idempotent. */
    leave(output, bytes) {
        if (output.budgetIndex === -1)
            return;
        this.bytes -= bytes;
        Metrics.adjust(Metrics.liveOutputBytes, -bytes);
        this.removeAt(output.budgetIndex);
    }
    evictOver(newest) {
        let evicted = 0;
        while (this.bytes > this.maxBytes) {
            const oldest = this.heap[0];
            // Only the chunk just appended is left: keep it, as a process's own cap does.
            if (oldest.oldestStamp === newest)
                break;
            const freed = oldest.evictForBudget();
            this.bytes -= freed;
            evicted += freed;
            this.reposition(0);
        }
        if (evicted === 0)
            return;
        Metrics.adjust(Metrics.liveOutputBytes, -evicted);
        Metrics.bump(Metrics.liveOutputEvictedBytes, evicted);
    }
    /** Moves the output at `index` to where its oldest stamp belongs, or out when it retains nothing. */
    reposition(index) {
        const output = this.heap[index];
        if (output.oldestStamp === undefined)
            this.removeAt(index);
        else
            this.siftDown(index);
    }
    insert(output) {
        output.budgetIndex = this.heap.length;
        this.heap.push(output);
        this.siftUp(output.budgetIndex);
    }
    removeAt(index) {
        const removed = this.heap[index];
        const last = this.heap.pop();
        removed.budgetIndex = -1;
        if (last === removed)
            return;
        this.heap[index] = last;
        last.budgetIndex = index;
        this.siftDown(index);
        this.siftUp(last.budgetIndex);
    }
    stampAt(index) {
        // Outputs in the heap retain something: their stamp is defined.
        return this.heap[index].oldestStamp;
    }
    swap(a, b) {
        const first = this.heap[a];
        const second = this.heap[b];
        this.heap[a] = second;
        this.heap[b] = first;
        second.budgetIndex = a;
        first.budgetIndex = b;
    }
    siftUp(index) {
        while (index > 0) {
            const parent = (index - 1) >> 1;
            if (this.stampAt(parent) <= this.stampAt(index))
                return;
            this.swap(parent, index);
            index = parent;
        }
    }
    siftDown(index) {
        const length = this.heap.length;
        while (true) {
            const left = 2 * index + 1;
            if (left >= length)
                return;
            const right = left + 1;
            const child = right < length && this.stampAt(right) < this.stampAt(left) ? right : left;
            if (this.stampAt(index) <= this.stampAt(child))
                return;
            this.swap(index, child);
            index = child;
        }
    }
}
//# sourceMappingURL=LiveOutputBudget.js.map