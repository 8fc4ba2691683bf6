/**
 * The collection after an oversized frame uses the `gc` the process has when
 * the frame is read: a server started from its startup snapshot gets `gc`
 * only then (Node has none while the snapshot is built, `--expose-gc` or not),
 * and a `gc` taken as the module loaded was none in every such server.
 */
import { afterEach, describe, expect, it, vi } from "vitest"
import { oversizedFrameRead } from "../../src/native/oversizedMemory.js"

const withGc = globalThis as { gc?: () => void }
const before = withGc.gc

afterEach(() => {
  vi.useRealTimers()
  if (before === undefined) delete withGc.gc
  else withGc.gc = before
})

describe("oversizedFrameRead", () => {
  it("collects with the gc the process has now, though it had none when the module loaded", () => {
    vi.useFakeTimers()
    const gc = vi.fn()
    withGc.gc = gc
    oversizedFrameRead()
    expect(gc).toHaveBeenCalledTimes(1)
    // And once more after the burst, before the memory is given back.
    vi.advanceTimersByTime(1_000)
    expect(gc).toHaveBeenCalledTimes(2)
  })
})
