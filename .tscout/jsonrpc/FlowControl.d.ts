/**
 * Outbound flow control of a connection: counts the bytes queued for the
 * client and says "pause" when they pass a high watermark and "resume" when
 * they fall below a low one, so producers (process output) stop instead of
 * the queue growing without bound.
 */
/** What producers watch. */
export interface FlowControl {
    readonly paused: () => boolean;
    /** Calls `listener` on every change (not with the current state); returns the unsubscribe. */
    readonly subscribe: (listener: (paused: boolean) => void) => () => void;
}
/** The writer's side: account for queued and written bytes. */
export interface FlowMeter extends FlowControl {
    readonly queued: (bytes: number) => void;
    readonly written: (bytes: number) => void;
    readonly queuedBytes: () => number;
}
/** Makes a meter with the given watermarks (bytes). */
export declare const makeFlowMeter: (options: {
    readonly highWaterMark: number;
    readonly lowWaterMark: number;
}) => FlowMeter;
//# sourceMappingURL=FlowControl.d.ts.map