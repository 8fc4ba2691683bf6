/**
 * Reusable buffers for the frames a stream sends. A frame is held until the
 * peer acknowledges it, long enough to reach V8's old generation, whose
 * memory (an ArrayBuffer outside the heap) only a full collection gives
 * back: a stream of output made the executor run a full collection every
 * few MiB. A link whose publish copies each frame before the next
 * macrotask (nats.js packs what was published at its next flush, and holds
 * it unpacked only while disconnected, when no ack can come) hands the
 * frames of its stream back once they are acknowledged, and later frames
 * reuse them.
 *
 * The messages a receiver reassembles and hands to an owner that decodes
 * them at once (ReliableChannel's `deliver`) come from it too, and go back
 * when decoded.
 *
 * Sizes come in classes of 16, 32, 64 and 128 KiB (a full 60 KiB segment with
 * its header fits the third, a 64 KiB chunk's 87 KB notification the last);
 * a frame takes the smallest class that holds it, so it holds at most twice
 * its bytes. Smaller and larger frames get buffers of their own. The free
 * buffers of a class are bounded (the whole process shares them); a buffer
 * given back when its class is full is left to the garbage collector.
 */
import { ownBuffer } from "./frames.js"

const CLASS_BYTES = [16 * 1024, 32 * 1024, 64 * 1024, 128 * 1024] as const
/** Below this a frame is not pooled: a class would hold more than twice its bytes. */
const MIN_POOLED = CLASS_BYTES[0] / 2
/** Free bytes kept per class, for the process. */
const MAX_FREE_BYTES = 4 * 1024 * 1024

const free: ReadonlyArray<Array<ArrayBuffer>> = CLASS_BYTES.map(() => [])
/** Buffers handed out and not yet given back: a buffer given back twice is pooled once. */
const lent = new WeakSet<ArrayBuffer>()
/** Given back in this macrotask: reused from the next one on (a publish's copy may still be due in a microtask). */
let returning: Array<ArrayBuffer> = []

const classOf = (bytes: number): number => {
  for (let i = 0; i < CLASS_BYTES.length; i++) if (bytes <= CLASS_BYTES[i]!) return i
  return -1
}

const settle = () => {
  const settled = returning
  returning = []
  for (const buffer of settled) {
    const list = free[classOf(buffer.byteLength)]!
    if (list.length * buffer.byteLength < MAX_FREE_BYTES) list.push(buffer)
  }
}

/** A buffer of at least `bytes` for one frame: a pooled one when its size is pooled, its own otherwise. */
export const take = (bytes: number): ArrayBuffer => {
  const at = bytes < MIN_POOLED ? -1 : classOf(bytes)
  if (at === -1) return ownBuffer(bytes)
  const buffer = free[at]!.pop() ?? new ArrayBuffer(CLASS_BYTES[at]!)
  lent.add(buffer)
  return buffer
}

/** Gives a frame's buffer back once nothing will read it again (its frame was acknowledged); others are ignored. */
export const giveBack = (buffer: ArrayBufferLike): void => {
  if (!(buffer instanceof ArrayBuffer) || !lent.delete(buffer)) return
  if (returning.length === 0) setImmediate(settle)
  returning.push(buffer)
}

/** Free buffers by class (tests). */
export const freeCounts = (): ReadonlyArray<number> => free.map((list) => list.length)
