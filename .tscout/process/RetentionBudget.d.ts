/**
 * The server-wide budget of finished processes kept for reading: at most so
 * many records and so many bytes of retained output, over all sessions. A
 * record is kept for the retention period unless the budget runs out first;
 * then the oldest records are let go early, so that a burst of short
 * processes costs bounded memory however long the retention period is.
 */
/** Limits of the records kept after processes close. */
export interface RetentionBudgetOptions {
    /** Most finished processes kept, over all sessions. */
    readonly maxRecords: number;
    /** Most bytes of retained output of finished processes, over all sessions. */
    readonly maxBytes: number;
}
/**
 * A record counted against the budget, oldest first in a doubly linked list.
 * It holds its key and its owner's eviction callback, not the record itself:
 * what still refers to it (an expiry timer) keeps nothing large alive.
 */
export interface HeldRecord {
    readonly key: string;
    readonly bytes: number;
    /** Called once when the budget lets the record go before its period ends. */
    readonly evict: (record: HeldRecord) => void;
    /** @internal */
    previous: HeldRecord | undefined;
    /** @internal */
    next: HeldRecord | undefined;
    /** Whether the budget still counts it (false once evicted or released). */
    held: boolean;
}
/** The budget of one server. */
export declare class RetentionBudget {
    readonly options: RetentionBudgetOptions;
    private oldest;
    private newest;
    private count;
    private bytes;
    constructor(options: RetentionBudgetOptions);
    /** Records held now. */
    get records(): number;
    /** Retained output bytes held now. */
    get retainedBytes(): number;
    /**
     * Counts a new record of `bytes` of output; the oldest records (possibly
     * this one, when it alone is over the byte budget) are evicted until the
     * budget holds.
     */
    hold(key: string, bytes: number, evict: (record: HeldRecord) => void): HeldRecord;
    /** Stops counting a record (its period ended or its session closed); idempotent. */
    release(record: HeldRecord): void;
}
//# sourceMappingURL=RetentionBudget.d.ts.map