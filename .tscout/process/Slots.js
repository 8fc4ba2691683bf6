import * as Metrics from "../observability/metrics.js";
import { ServerBusy } from "../protocol/errors.js";
/** A server-wide count of slots of one resource. */
export class Slots {
    options;
    taken = 0;
    tags;
    constructor(options) {
        this.options = options;
        this.tags = Metrics.label("resource", options.resource);
        Metrics.limits.unsafeUpdate(options.limit, this.tags);
    }
    /** Slots taken now. */
    get inUse() {
        return this.taken;
    }
    /** Takes a slot when one is free (else counts the refusal and returns false). */
    tryTake() {
        if (this.taken >= this.options.limit) {
            Metrics.bump(Metrics.limitRefusals, 1, this.tags);
            return false;
        }
        this.taken++;
        if (this.options.gauge !== undefined)
            Metrics.adjust(this.options.gauge, 1);
        return true;
    }
    /** Gives back `count` slots. */
    release(count = 1) {
        if (count <= 0)
            return;
        this.taken -= count;
        if (this.options.gauge !== undefined)
            Metrics.adjust(this.options.gauge, -count);
    }
    /** The refusal of a request that found no free slot: `what` says what the server already has. */
    refusal(what) {
        return new ServerBusy({
            message: `server busy: ${what}, the most it allows (${this.options.setting}); retry once one has ended`,
            limit: this.options.resource
        });
    }
}
//# sourceMappingURL=Slots.js.map