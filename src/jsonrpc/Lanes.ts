/**
 * Per-key ordering of a connection's requests, in plain callbacks: a request
 * that holds its lane starts once the lane's earlier holders are done; one
 * that only follows it (a long-poll read) starts at the same point but does
 * not hold up later ones. An idle lane costs nothing and is forgotten.
 */

interface Waiting {
  readonly holds: boolean
  readonly start: (done: () => void) => void
}

interface Lane {
  busy: boolean
  readonly waiting: Array<Waiting>
}

const noop = () => {}

/** The lanes of one connection. */
export class Lanes {
  private readonly lanes = new Map<string, Lane>()

  /**
   * Calls `start` now or when its turn in the lane of `key` comes, in call
   * order. A holding request must call `done` when it is finished (it may
   * call it from within `start`).
   */
  enter(key: string, holds: boolean, start: (done: () => void) => void): void {
    let lane = this.lanes.get(key)
    if (lane === undefined) {
      if (!holds) {
        start(noop)
        return
      }
      this.startInFreeLane(key, start)
      return
    }
    if (lane.busy || lane.waiting.length > 0) {
      lane.waiting.push({ holds, start })
      return
    }
    this.run(key, lane, { holds, start })
  }

  /** How many lanes have requests running or waiting. */
  get size(): number {
    return this.lanes.size
  }

  /**
   * Starts a holder in a lane nobody holds. The lane is recorded only if the
   * request is still running when `start` returns: most quick ones are done
   * by then, and a map entry made and removed per request churned the map.
   * Nothing can enter the lane while `start` runs (requests enter from the
   * connection's reader, never from within another's start).
   */
  private startInFreeLane(key: string, start: (done: () => void) => void): void {
    let finished = false
    let recorded: Lane | undefined
    start(() => {
      if (finished) return
      finished = true
      if (recorded !== undefined) this.release(key, recorded)
    })
    if (!finished) {
      recorded = { busy: true, waiting: [] }
      this.lanes.set(key, recorded)
    }
  }

  private run(key: string, lane: Lane, request: Waiting): void {
    if (!request.holds) {
      request.start(noop)
      return
    }
    lane.busy = true
    let released = false
    request.start(() => {
      if (released) return
      released = true
      this.release(key, lane)
    })
  }

  private release(key: string, lane: Lane): void {
    lane.busy = false
    while (!lane.busy && lane.waiting.length > 0) this.run(key, lane, lane.waiting.shift()!)
    if (!lane.busy && lane.waiting.length === 0 && this.lanes.get(key) === lane) this.lanes.delete(key)
  }
}
