/**
 * Outbound flow control of a connection: counts the bytes queued for the
 * client and says "pause" when they pass a high watermark and "resume" when
 * they fall below a low one, so producers (process output) stop instead of
 * the queue growing without bound.
 */

/** What producers watch. */
export interface FlowControl {
  readonly paused: () => boolean
  /** Calls `listener` on every change (not with the current state); returns the unsubscribe. */
  readonly subscribe: (listener: (paused: boolean) => void) => () => void
}

/** The writer's side: account for queued and written bytes. */
export interface FlowMeter extends FlowControl {
  readonly queued: (bytes: number) => void
  readonly written: (bytes: number) => void
  readonly queuedBytes: () => number
}

/** Makes a meter with the given watermarks (bytes). */
export const makeFlowMeter = (options: { readonly highWaterMark: number; readonly lowWaterMark: number }): FlowMeter => {
  let queuedBytes = 0
  let paused = false
  const listeners = new Set<(paused: boolean) => void>()
  const set = (next: boolean) => {
    if (next === paused) return
    paused = next
    for (const listener of [...listeners]) listener(paused)
  }
  return {
    paused: () => paused,
    subscribe: (listener) => {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    queued: (bytes) => {
      queuedBytes += bytes
      if (!paused && queuedBytes > options.highWaterMark) set(true)
    },
    written: (bytes) => {
      queuedBytes -= bytes
      if (paused && queuedBytes < options.lowWaterMark) set(false)
    },
    queuedBytes: () => queuedBytes
  }
}

/**
 * Application-level flow control: bytes sent that the peer has not
 * acknowledged yet. A browser takes WebSocket frames off the socket as fast
 * as they come, whatever its terminal can draw, so the socket's watermark
 * never pauses anything; the page acknowledges what it has shown instead.
 */
export interface AckWindow extends FlowControl {
  readonly sent: (bytes: number) => void
  readonly acknowledged: (bytes: number) => void
  readonly unacknowledged: () => number
}

/** Pauses above `highWaterMark` unacknowledged bytes and resumes below `lowWaterMark`. */
export const makeAckWindow = (options: { readonly highWaterMark: number; readonly lowWaterMark: number }): AckWindow => {
  const meter = makeFlowMeter(options)
  return {
    paused: meter.paused,
    subscribe: meter.subscribe,
    sent: meter.queued,
    // More than was sent (a confused or hostile page) counts as all of it.
    acknowledged: (bytes) => meter.written(Math.min(bytes, meter.queuedBytes())),
    unacknowledged: meter.queuedBytes
  }
}

/** Paused while any of `flows` is. */
export const eitherPaused = (flows: ReadonlyArray<FlowControl>): FlowControl => ({
  paused: () => flows.some((flow) => flow.paused()),
  subscribe: (listener) => {
    let paused = flows.some((flow) => flow.paused())
    const unsubscribes = flows.map((flow) =>
      flow.subscribe(() => {
        const next = flows.some((each) => each.paused())
        if (next === paused) return
        paused = next
        listener(paused)
      })
    )
    return () => unsubscribes.forEach((unsubscribe) => unsubscribe())
  }
})
