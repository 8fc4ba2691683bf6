/**
 * Gives back to the system memory the process freed but glibc kept: what
 * the start used (reading and deserializing the startup snapshot, loading
 * modules; about 2 MB), and what oversized WebSocket frames took.
 *
 * Oversized frames: each is buffered whole (up to twice
 * --max-message-bytes, read in 64 KiB chunks) and is garbage once answered:
 * V8 frees such buffers only at its next collection, which may come after
 * many more of them arrived (32 frames of 32 MiB at once: a peak about 60
 * MiB higher), and glibc keeps what was freed in its arenas, so that an
 * idle server stayed about 930 MiB larger. Where the process has
 * `--expose-gc` (the binary has), a collection follows each oversized frame
 * (a few ms for at least 16 MiB read), and shortly after the last one of a
 * burst a collection and the addon's malloc_trim return the memory to the
 * system (about 110 MiB left).
 */
import { trimMalloc } from "./memoryRelease.js"

/**
 * A full collection, where `--expose-gc` gave one. Looked up at each call:
 * while a startup snapshot is built Node has no `gc` yet (it has one once
 * the server starts from it), so a reference taken as the module loaded
 * was none in every snapshot-started server.
 */
const collect = (): void => (globalThis as { gc?: () => void }).gc?.()
/**
 * Trims at each of these delays: V8 frees a collection's buffers on a
 * background thread, later on a busy machine; a trim that finds nothing
 * costs microseconds.
 */
const TRIM_DELAYS_MS = [20, 500, 3000]

const trimSoon = (): void => {
  for (const delay of TRIM_DELAYS_MS) setTimeout(trimMalloc, delay).unref()
}

let lastRelease = 0
let releaseTimer: ReturnType<typeof setTimeout> | undefined

/** An oversized frame was read and answered: what earlier ones took is collected, and given back after the burst. */
export const oversizedFrameRead = (): void => {
  const now = Date.now()
  collect()
  if (releaseTimer !== undefined) return
  // A second at least between two releases.
  releaseTimer = setTimeout(() => {
    releaseTimer = undefined
    lastRelease = Date.now()
    collect()
    trimSoon()
  }, Math.max(100, lastRelease + 1000 - now))
  releaseTimer.unref()
}

/**
 * The server is up: what its start freed is given back shortly after.
 * Without it, glibc keeps the freed pages in its arenas for the life of
 * the process.
 */
export const startupDone: () => void = trimSoon
