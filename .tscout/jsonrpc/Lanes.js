/**
 * Per-key ordering of a connection's requests, in plain callbacks: a request
 * that holds its lane starts once the lane's earlier holders are done; one
 * that only follows it (a long-poll read) starts at the same point but does
 * not hold up later ones. An idle lane costs nothing and is forgotten.
 */
const noop = () => { };
/** The lanes of one connection. */
export class Lanes {
    lanes = new Map();
    /**
     * Calls `start` now or when its turn in the lane of `key` comes, in call
     * order. A holding request must call `done` when it is finished (it may
     * call it from within `start`).
     */
    enter(key, holds, start) {
        let lane = this.lanes.get(key);
        if (lane === undefined) {
            if (!holds) {
                start(noop);
                return;
            }
            lane = { busy: false, waiting: [] };
            this.lanes.set(key, lane);
        }
        if (lane.busy || lane.waiting.length > 0) {
            lane.waiting.push({ holds, start });
            return;
        }
        this.run(key, lane, { holds, start });
    }
    /** How many lanes have requests running or waiting. */
    get size() {
        return this.lanes.size;
    }
    run(key, lane, request) {
        if (!request.holds) {
            request.start(noop);
            return;
        }
        lane.busy = true;
        let released = false;
        request.start(() => {
            if (released)
                return;
            released = true;
            this.release(key, lane);
        });
    }
    release(key, lane) {
        lane.busy = false;
        while (!lane.busy && lane.waiting.length > 0)
            this.run(key, lane, lane.waiting.shift());
        if (!lane.busy && lane.waiting.length === 0 && this.lanes.get(key) === lane)
            this.lanes.delete(key);
    }
}
//# sourceMappingURL=Lanes.js.map