/** What the budget needs of one process's retained output. */
export interface BudgetedOutput {
    /** The stamp of its oldest retained chunk; undefined when it retains nothing. */
    readonly oldestStamp: number | undefined;
    /** Evicts its oldest chunk for the budget; returns the bytes it held. */
    evictForBudget(): number;
    /** Its place in the budget's heap, -1 outside it (the budget's to set). */
    budgetIndex: number;
}
/** The budget of one server. */
export declare class LiveOutputBudget {
    readonly maxBytes: number;
    private readonly heap;
    private bytes;
    private lastStamp;
    constructor(maxBytes: number);
    /** Bytes retained by live processes now. */
    get retainedBytes(): number;
    /** How many outputs retain something now. */
    get outputs(): number;
    /** The stamp of a new chunk: later than every chunk before it. */
    stamp(): number;
    /**
     * Counts a chunk just appended to `output` (its newest, stamped `stamp`);
     * then, while over the budget, evicts the oldest chunks of all outputs,
     * never the one just appended.
     */
    added(output: BudgetedOutput, bytes: number, stamp: number): void;
    /** Stops counting a chunk `output` evicted itself (its own cap). */
    removed(output: BudgetedOutput, bytes: number): void;
    /** Stops counting `output` and the `bytes` it retains (its process closed). Idempotent. */
    leave(output: BudgetedOutput, bytes: number): void;
    private evictOver;
    /** Moves the output at `index` to where its oldest stamp belongs, or out when it retains nothing. */
    private reposition;
    private insert;
    private removeAt;
    private stampAt;
    private swap;
    private siftUp;
    private siftDown;
}
//# sourceMappingURL=LiveOutputBudget.d.ts.map