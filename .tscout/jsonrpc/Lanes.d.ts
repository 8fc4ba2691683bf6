/**
 * Per-key ordering of a connection's requests, in plain callbacks: a request
 * that holds its lane starts once the lane's earlier holders are done; one
 * that only follows it (a long-poll read) starts at the same point but does
 * not hold up later ones. An idle lane costs nothing and is forgotten.
 */
/** The lanes of one connection. */
export declare class Lanes {
    private readonly lanes;
    /**
     * Calls `start` now or when its turn in the lane of `key` comes, in call
     * order. A holding request must call `done` when it is finished (it may
     * call it from within `start`).
     */
    enter(key: string, holds: boolean, start: (done: () => void) => void): void;
    /** How many lanes have requests running or waiting. */
    get size(): number;
    private run;
    private release;
}
//# sourceMappingURL=Lanes.d.ts.map