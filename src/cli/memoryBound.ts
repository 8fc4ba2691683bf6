/**
 * Keeps the command-line client's resident size bounded while a stream of
 * any size passes through it.
 *
 * What the client holds at any moment is small: the stream is paced by its
 * reader, and the connection's inbox and stdout's queue are bounded. But each
 * chunk is made several times over (the frame, its text, the parsed base64,
 * the bytes) and lives until the reader took it: under a slow reader long
 * enough to be promoted to V8's old generation, freed only by a full
 * collection, which V8 puts off until tens of MB of such garbage (strings on
 * the heap, buffers outside it) have piled up. So after each MB of output the
 * client looks, and collects when its resident size is over budget and
 * enough has piled up since the last collection; a collection of its small
 * heap takes a few ms, and collections are spaced so that they never take
 * more than a tenth of its time (a fast reader's stream keeps its pace).
 * Measured with a 200 MB stream read 1 MiB every 50 ms: a peak of 82-93 MiB
 * (102-123 MiB without), when the client held 1 MiB of output for stdout;
 * with 128 KiB (remoteConnection.ts) and its own snapshot it peaks at about
 * 61 MiB there without collecting. A reader that takes the stream as fast as
 * the client gives it still piles up garbage: 1 GB into `sha256sum` peaked
 * at 85.6-88.5 MiB with a budget of 80 MiB, 69.6-70.0 with 64, in the same time
 * (7.7-7.9 against 7.9-8.0 s); the test's reader that waits 3 s, then
 * reads 400 MB, 87-93 against 68.6-69.5 MiB. The binary runs with
 * `--expose-gc` for it (see `src/cli/main.ts`); a program that embeds the
 * client keeps V8's own policy.
 */

/** Output between two looks at the memory (a look takes a few µs). */
const LOOK_EVERY_BYTES = 1024 * 1024
/** Resident size under which nothing is collected. */
const RESIDENT_BUDGET_BYTES = 64 * 1024 * 1024
/** Heap and buffers in use above which a collection is worth it... */
const IN_USE_BUDGET_BYTES = 16 * 1024 * 1024
/** ...when this much more than the last collection left is in use (else the client would collect its live data over and over). */
const PILED_UP_BYTES = 4 * 1024 * 1024

/** Time between collections, in multiples of the last one's duration: at most a tenth of the client's time goes to them. */
const SPACING = 9

export interface MemoryBound {
  /** Counts `bytes` of output passed on. */
  readonly passed: (bytes: number) => void
}

const inUse = (usage: NodeJS.MemoryUsage) => usage.heapUsed + usage.arrayBuffers

export const memoryBound = (): MemoryBound => {
  const collect = (globalThis as { gc?: () => void }).gc
  if (collect === undefined) return { passed: () => {} }
  let sinceLook = 0
  let leftByLastCollection = 0
  let lastEnded = 0
  let lastTook = 0
  return {
    passed: (bytes) => {
      sinceLook += bytes
      if (sinceLook < LOOK_EVERY_BYTES) return
      sinceLook = 0
      const now = performance.now()
      if (now - lastEnded < lastTook * SPACING) return
      const usage = process.memoryUsage()
      if (usage.rss < RESIDENT_BUDGET_BYTES || inUse(usage) < Math.max(IN_USE_BUDGET_BYTES, leftByLastCollection + PILED_UP_BYTES)) return
      collect()
      lastEnded = performance.now()
      lastTook = lastEnded - now
      leftByLastCollection = inUse(process.memoryUsage())
    }
  }
}
