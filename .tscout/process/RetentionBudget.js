/**
 * The server-wide budget of finished processes kept for reading: at most so
 * many records and so many bytes of retained output, over all sessions. A
 * record is kept for the retention period unless the budget runs out first;
 * then the oldest records are let go early, so that a burst of short
 * processes costs bounded memory however long the retention period is.
 */
/** The budget of one server. */
export class RetentionBudget {
    options;
    oldest;
    newest;
    count = 0;
    bytes = 0;
    constructor(options) {
        this.options = options;
    }
    /** Records held now. */
    get records() {
        return this.count;
    }
    /** Retained output bytes held now. */
    get retainedBytes() {
        return this.bytes;
    }
    /**
     * Counts a new record of `bytes` of output; the oldest records (possibly
     * this one, when it alone is over the byte budget) are evicted until the
     * budget holds.
     */
    hold(key, bytes, evict) {
        const record = { key, bytes, evict, previous: this.newest, next: undefined, held: true };
        if (this.newest === undefined)
            this.oldest = record;
        else
            this.newest.next = record;
        this.newest = record;
        this.count++;
        this.bytes += bytes;
        while (this.oldest !== undefined && (this.count > this.options.maxRecords || this.bytes > this.options.maxBytes)) {
            const evicted = this.oldest;
            this.release(evicted);
            evicted.evict(evicted);
        }
        return record;
    }
    /** Stops counting a record (its period ended or its session closed); idempotent. */
    release(record) {
        if (!record.held)
            return;
        record.held = false;
        if (record.previous === undefined)
            this.oldest = record.next;
        else
            record.previous.next = record.next;
        if (record.next === undefined)
            this.newest = record.previous;
        else
            record.next.previous = record.previous;
        record.previous = record.next = undefined;
        this.count--;
        this.bytes -= record.bytes;
    }
}
//# sourceMappingURL=RetentionBudget.js.map