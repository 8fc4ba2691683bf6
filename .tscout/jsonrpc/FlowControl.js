/**
 * Outbound flow control of a connection: counts the bytes queued for the
 * client and says "pause" when they pass a high watermark and "resume" when
 * they fall below a low one, so producers (process output) stop instead of
 * the queue growing without bound.
 */
/** Makes a meter with the given watermarks (bytes). */
export const makeFlowMeter = (options) => {
    let queuedBytes = 0;
    let paused = false;
    const listeners = new Set();
    const set = (next) => {
        if (next === paused)
            return;
        paused = next;
        for (const listener of [...listeners])
            listener(paused);
    };
    return {
        paused: () => paused,
        subscribe: (listener) => {
            listeners.add(listener);
            return () => void listeners.delete(listener);
        },
        queued: (bytes) => {
            queuedBytes += bytes;
            if (!paused && queuedBytes > options.highWaterMark)
                set(true);
        },
        written: (bytes) => {
            queuedBytes -= bytes;
            if (paused && queuedBytes < options.lowWaterMark)
                set(false);
        },
        queuedBytes: () => queuedBytes
    };
};
//# sourceMappingURL=FlowControl.js.map