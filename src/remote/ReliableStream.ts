/**
 * One end of a remote stream as deterministic transitions, with no I/O and
 * no clock (time is an argument): the sender assigns seqs, segments
 * messages, keeps what is unacknowledged and retransmits it on resume or
 * timeout, within the peer's credit; the receiver drops duplicates, buffers
 * out of order frames, delivers messages in order, reassembles segments and
 * grants credit as its application consumes. The state is mutated in place
 * (a frame costs O(1), not a copy of the window); a driver (NatsLink, the
 * tests' simulated link) feeds it frames and time and transmits what `poll`
 * returns. The contract is docs/PROTOCOL.md, "Remote streams (NATS)".
 */
import * as FramePool from "./framePool.js"
import { type Frame, type FrameKindName, prepare } from "./frames.js"
import type { Delivery, Outgoing, Receiver, Sender, StreamEndpoint } from "./streamState.js"

/** What the first segment of a message reserves at most for the rest (a larger message grows its buffer as it comes). */
const MAX_FIRST_RESERVATION = 4 * 1024 * 1024

// The state lives in streamState.ts; the importers of a stream name only this module.
export {
  type Delivery,
  defaultOptions,
  make,
  type ReassemblyBudget,
  type ResetState,
  type StreamEndpoint,
  type StreamOptions,
  type StreamStats
} from "./streamState.js"

// ---------------------------------------------------------------------------
// Sender

/** Whether everything handed to `send` has gone out at least once (a waiting `send` may return). */
export const isDrained = (end: StreamEndpoint): boolean => end.sender.queuedHead === end.sender.queued.length

/** Whether every frame sent was acknowledged (a clean close can finish). */
export const isAcknowledged = (end: StreamEndpoint): boolean => isDrained(end) && end.sender.inFlight.size === 0

/** Whether a message of `length` bytes would go out whole at the next poll: nothing waits before it and the peer's credit covers it. */
export const fitsNow = (end: StreamEndpoint, length: number): boolean =>
  end.reset === undefined && !end.sender.closed && isDrained(end) && end.sender.queuedEnd + length <= end.sender.credit

/** Bytes sent and not acknowledged. */
export const inFlightBytes = (end: StreamEndpoint): number => end.sender.inFlightBytes

const enqueue = (sender: Sender, kind: "data" | "close", payload: Uint8Array, segmentIndex: number, segmentCount: number) => {
  sender.queuedEnd += payload.length
  sender.queued.push({ seq: sender.nextSeq++, kind, segmentIndex, segmentCount, payload, end: sender.queuedEnd, sentAt: undefined })
}

/**
 * Gives the sender one message, cut into segments of `maxPayload`, each
 * copied once into the frame that carries it (the caller may reuse the
 * message at once). Returns false when the stream is reset or closed. The
 * caller waits for `isDrained` before the next (that is the backpressure).
 */
export const send = (end: StreamEndpoint, message: Uint8Array): boolean => {
  const { sender, options } = end
  if (end.reset !== undefined || sender.closed) return false
  const count = Math.max(1, Math.ceil(message.length / options.maxPayload))
  if (count > 0xffff) throw new RangeError(`a message of ${message.length} bytes needs more than 65535 segments`)
  const allocate = options.reuseFrames === true ? FramePool.take : undefined
  for (let i = 0; i < count; i++) {
    const segment = message.subarray(i * options.maxPayload, (i + 1) * options.maxPayload)
    enqueue(sender, "data", prepare(options.streamId, segment, allocate), i, count)
  }
  return true
}

/** Closes this direction after what was sent: the peer delivers End once it has everything before. */
export const close = (end: StreamEndpoint): void => {
  if (end.reset !== undefined || end.sender.closed) return
  end.sender.closed = true
  enqueue(end.sender, "close", new Uint8Array(0), 0, 1)
}

const release = (end: StreamEndpoint, seq: number) => {
  const sender = end.sender
  const frame = sender.inFlight.get(seq)
  if (frame === undefined) return
  sender.inFlight.delete(seq)
  sender.inFlightBytes -= frame.payload.length
  sender.backoff = 1
  if (end.options.reuseFrames === true) FramePool.giveBack(frame.payload.buffer)
}

/** The retransmission timeout now, with its backoff. */
const timeoutOf = (end: StreamEndpoint) => end.options.retransmitAfter * end.sender.backoff

/** What every frame from the peer says about this end's frames. */
const applyAck = (end: StreamEndpoint, frame: Frame) => {
  const sender = end.sender
  for (const seq of sender.inFlight.keys()) {
    if (seq > frame.ack) break
    release(end, seq)
  }
  for (let i = 0, bits = frame.ackBits; bits !== 0; i++, bits >>>= 1) {
    if ((bits & 1) === 1) release(end, frame.ack + 2 + i)
  }
  // Credit only grows: an old frame arriving late must not take it back.
  if (frame.credit > sender.credit) sender.credit = frame.credit
}

// ---------------------------------------------------------------------------
// Receiver

/** Bytes counted against the window: early frames, delivered messages not consumed, segments not credited ahead. */
const heldBytes = (r: Receiver) => r.bufferedBytes + r.deliveredBytes + r.partialBytes - r.partialCredited

/**
 * A message larger than the window could never complete if its segments
 * held credit. So while the application has nothing waiting, the segments of
 * the message being reassembled are credited as they come (and when it has
 * caught up, those that came meanwhile): the receiver then holds at most one
 * window plus that one message (≤ maxMessage), and a slow application still
 * stops the sender at the window.
 */
const creditAhead = (end: StreamEndpoint) => {
  const r = end.receiver
  if (r.aheadHeld || r.deliveredBytes > 0 || r.partialCredited === r.partialBytes) return
  r.consumed += r.partialBytes - r.partialCredited
  r.partialCredited = r.partialBytes
}

/** The credit this end grants: what its application consumed plus the window. */
const creditOf = (end: StreamEndpoint) => end.receiver.consumed + end.options.window

/** Bit i: seq ack+2+i is buffered (ack+1 is missing by definition). */
const ackBitsOf = (r: Receiver): number => {
  let bits = 0
  if (r.buffered.size === 0) return 0
  for (let i = 0; i < 32; i++) if (r.buffered.has(r.ack + 2 + i)) bits |= 1 << i
  return bits >>> 0
}

/** The peer broke the contract: the stream ends, and the peer is told why. */
const violation = (end: StreamEndpoint, reason: string): void => {
  if (end.reset === undefined) end.reset = { reason, byPeer: false, owed: true }
}

/**
 * Bytes this end keeps beyond the call that gave them: a link's frame may be
 * a view into a much larger read buffer (nats.js's), which a small view
 * held for long would pin.
 */
const kept = (bytes: Uint8Array): Uint8Array => bytes.byteLength * 2 < bytes.buffer.byteLength ? bytes.slice() : bytes

/** Room for the segment `frame` in the message being reassembled (never beyond `maxMessage`, which the caller checked it fits). */
const reassemblyRoom = (r: Receiver, frame: Frame, maxMessage: number): Uint8Array => {
  const needed = r.partialBytes + frame.payload.length
  if (r.partial !== undefined && needed <= r.partial.length) return r.partial
  // A segment's size times the count holds the message when the segments are as the contract cuts them: a message
  // gets that (a large one a part of it first, the rest once that part came), or doubles when its segments differ.
  const size = r.partial === undefined
    ? Math.max(needed, Math.min(frame.payload.length * frame.segmentCount, MAX_FIRST_RESERVATION, maxMessage))
    : Math.max(needed, Math.min(Math.max(Math.ceil(r.partialBytes / r.partialSegments) * r.partialCount, r.partial.length * 2), maxMessage))
  // Pooled when it fits a class: an owner that decodes messages at once gives it back (ReliableChannel's `deliver`).
  const grown = new Uint8Array(FramePool.take(size), 0, size)
  if (r.partial !== undefined) grown.set(r.partial.subarray(0, r.partialBytes))
  r.partial = grown
  return grown
}

const deliverInOrder = (end: StreamEndpoint, frame: Frame, out: Array<Delivery>) => {
  const r = end.receiver
  r.ack = frame.seq
  if (frame.kind === "close") {
    r.ended = true
    out.push({ _tag: "End" })
    return
  }
  if (r.ended) return violation(end, "data after close")
  const expected = r.partialSegments
  if (frame.segmentIndex !== expected || (expected > 0 && frame.segmentCount !== r.partialCount)) {
    return violation(end, `segment ${frame.segmentIndex} of ${frame.segmentCount} where ${expected} was due`)
  }
  if (frame.segmentCount === 1) {
    r.deliveredBytes += frame.payload.length
    out.push({ _tag: "Message", bytes: kept(frame.payload), holds: frame.payload.length })
    return
  }
  if (r.partialBytes + frame.payload.length > end.options.maxMessage) {
    return violation(end, `a message of more than ${end.options.maxMessage} bytes`)
  }
  // Copied in at once: the message is made once, and the link's read buffer is not held meanwhile.
  reassemblyRoom(r, frame, end.options.maxMessage).set(frame.payload, r.partialBytes)
  r.partialSegments++
  r.partialBytes += frame.payload.length
  r.partialCount = frame.segmentCount
  r.budget?.read(frame.payload.length)
  if (r.partialSegments < frame.segmentCount) {
    creditAhead(end)
    return
  }
  const bytes = r.partial!.subarray(0, r.partialBytes)
  const holds = r.partialBytes - r.partialCredited
  r.deliveredBytes += holds
  r.partial = undefined
  r.partialSegments = 0
  r.partialBytes = 0
  r.partialCredited = 0
  r.budget?.completed()
  out.push({ _tag: "Message", bytes, holds })
}

/** The largest multiplier of the retransmission timeout. */
const MAX_BACKOFF = 16

/** A frame seq the receiver will not buffer past (ack_bits reports 32; beyond this it is a misbehaving peer). */
const MAX_REORDER = 1 << 16

const receiveSequenced = (end: StreamEndpoint, frame: Frame, now: number, out: Array<Delivery>) => {
  const r = end.receiver
  if (r.unacked === 0) r.unackedSince = now
  r.unacked++
  if (frame.seq <= r.ack || r.buffered.has(frame.seq)) {
    end.stats.duplicates++
    r.ackNow = true // the ack that would have stopped it was lost
    return
  }
  if (frame.seq > r.ack + MAX_REORDER || heldBytes(r) + frame.payload.length > end.options.window) {
    // Beyond what this end granted: dropped, the sender will send it again.
    end.stats.dropped++
    r.ackNow = true
    return
  }
  if (frame.seq !== r.ack + 1) {
    r.buffered.set(frame.seq, { ...frame, payload: kept(frame.payload) })
    r.bufferedBytes += frame.payload.length
    r.ackNow = true // a gap: tell the sender at once what arrived
  } else {
    deliverInOrder(end, frame, out)
    for (let next = r.buffered.get(r.ack + 1); next !== undefined && end.reset === undefined; next = r.buffered.get(r.ack + 1)) {
      r.buffered.delete(next.seq)
      r.bufferedBytes -= next.payload.length
      deliverInOrder(end, next, out)
    }
  }
  if (heldBytes(r) > end.stats.maxHeldBytes) end.stats.maxHeldBytes = heldBytes(r)
  if (r.unacked >= end.options.ackEvery) r.ackNow = true
}

/**
 * Takes one frame from the peer (already decoded, of this stream) and
 * returns what the application gets, in order. After a reset it returns
 * nothing.
 */
export const receive = (end: StreamEndpoint, frame: Frame, now: number): Array<Delivery> => {
  const out: Array<Delivery> = []
  if (end.reset !== undefined) {
    // The peer may not have heard the reset; any frame of it is answered with it again.
    if (frame.kind !== "reset" && !end.reset.byPeer) end.reset.owed = true
    return out
  }
  if (frame.streamId !== end.options.streamId) {
    violation(end, `a frame of stream ${frame.streamId}`)
    return out
  }
  end.lastHeardAt = now
  applyAck(end, frame)
  switch (frame.kind) {
    case "data":
    case "close":
      receiveSequenced(end, frame, now, out)
      break
    case "reset":
      end.reset = { reason: new TextDecoder().decode(frame.payload), byPeer: true, owed: false }
      break
    case "resume":
      // The peer reconnected: what it has not acknowledged may have been lost on the way.
      for (const outgoing of end.sender.inFlight.values()) outgoing.sentAt = undefined
      end.sender.oldestSentAt = -Infinity
      end.sender.backoff = 1
      end.receiver.ackNow = true
      break
    case "heartbeat":
      // A heartbeat may be a blocked sender's probe for credit: answer with this end's state.
      end.receiver.ackNow = true
      break
    case "ack":
    case "open":
      break
  }
  return out
}

/** The application is done with `bytes` of delivered messages: they count against the window no more. */
export const consume = (end: StreamEndpoint, bytes: number): void => {
  const r = end.receiver
  r.deliveredBytes -= bytes
  r.consumed += bytes
  creditAhead(end)
  // A window update once a quarter of the window is free again, so a blocked sender goes on.
  if (creditOf(end) - r.advertised >= end.options.window / 4) r.ackNow = true
}

/**
 * Whether the shared budget holds this end's crediting ahead back; let go,
 * what came meanwhile is credited and the peer told at the next poll.
 */
export const holdAhead = (end: StreamEndpoint, held: boolean): void => {
  const r = end.receiver
  r.aheadHeld = held
  if (held) return
  const before = r.consumed
  creditAhead(end)
  if (r.consumed !== before) r.ackNow = true
}

// ---------------------------------------------------------------------------
// Both directions

/** This end's connection came back: its own unacknowledged frames are sent again and the peer is asked to resume. */
export const reconnected = (end: StreamEndpoint): void => {
  for (const outgoing of end.sender.inFlight.values()) outgoing.sentAt = undefined
  end.sender.oldestSentAt = -Infinity
  end.sender.backoff = 1
  end.resumeOwed = true
}

/** Ends the stream from this end with a reason, which the peer is told. */
export const reset = (end: StreamEndpoint, reason: string): void => {
  if (end.reset === undefined) end.reset = { reason, byPeer: false, owed: true }
}

/**
 * A frame out, stamped with this end's receive state (every frame carries
 * it): made in one object, in one shape, as it is made for every segment.
 */
const stamped = (
  end: StreamEndpoint,
  kind: FrameKindName,
  seq: number,
  segmentIndex: number,
  segmentCount: number,
  payload: Uint8Array
): Frame => {
  const r = end.receiver
  r.unacked = 0
  r.ackNow = false
  r.advertised = creditOf(end)
  return {
    kind,
    streamId: end.options.streamId,
    seq,
    ack: r.ack,
    ackBits: ackBitsOf(r),
    credit: r.advertised,
    segmentIndex,
    segmentCount,
    payload
  }
}

const NO_PAYLOAD = new Uint8Array(0)

const controlFrame = (end: StreamEndpoint, kind: FrameKindName, payload: Uint8Array = NO_PAYLOAD): Frame =>
  stamped(end, kind, 0, 0, 1, payload)

const fromOutgoing = (end: StreamEndpoint, o: Outgoing): Frame =>
  stamped(end, o.kind, o.seq, o.segmentIndex, o.segmentCount, o.payload)

/**
 * The frames to transmit now, in order: a reset if one is owed (and then
 * nothing else), a resume, retransmissions that are due, new frames the
 * peer's credit allows, and an ack, probe or heartbeat when one is due.
 */
export const poll = (end: StreamEndpoint, now: number): Array<Frame> => {
  const out: Array<Frame> = []
  const { sender, receiver, options, stats } = end
  if (end.reset !== undefined) {
    if (end.reset.owed) {
      end.reset.owed = false
      out.push(controlFrame(end, "reset", new TextEncoder().encode(end.reset.reason)))
    }
    return out
  }
  if (now - end.lastHeardAt >= options.peerTimeout) {
    reset(end, `nothing heard of the peer for ${options.peerTimeout} ms`)
    return poll(end, now)
  }
  if (end.resumeOwed) {
    end.resumeOwed = false
    out.push(controlFrame(end, "resume"))
  }
  if (sender.inFlight.size === 0) sender.oldestSentAt = Infinity
  else if (now - sender.oldestSentAt >= timeoutOf(end)) {
    const timeout = timeoutOf(end)
    let oldest = Infinity
    let timedOut = false
    for (const outgoing of sender.inFlight.values()) {
      if (outgoing.sentAt === undefined || now - outgoing.sentAt >= timeout) {
        // A frame due on a resume (sentAt undefined) says nothing about the path; a timeout does.
        if (outgoing.sentAt !== undefined) timedOut = true
        outgoing.sentAt = now
        stats.retransmissions++
        out.push(fromOutgoing(end, outgoing))
      }
      if (outgoing.sentAt < oldest) oldest = outgoing.sentAt
    }
    sender.oldestSentAt = oldest
    if (timedOut) sender.backoff = Math.min(sender.backoff * 2, MAX_BACKOFF)
  }
  while (sender.queuedHead < sender.queued.length) {
    const next = sender.queued[sender.queuedHead]!
    if (next.end > sender.credit) break
    sender.queuedHead++
    next.sentAt = now
    if (now < sender.oldestSentAt) sender.oldestSentAt = now
    sender.inFlight.set(next.seq, next)
    sender.inFlightBytes += next.payload.length
    if (sender.inFlightBytes > stats.maxInFlightBytes) stats.maxInFlightBytes = sender.inFlightBytes
    out.push(fromOutgoing(end, next))
  }
  if (sender.queuedHead === sender.queued.length && sender.queuedHead > 0) {
    // Everything queued went out: drop the references (inFlight keeps what it needs).
    sender.queued.length = 0
    sender.queuedHead = 0
  }
  if (out.length === 0) {
    const blocked = !isDrained(end)
    if (blocked && now - sender.lastProbeAt >= options.retransmitAfter) {
      // Waiting for credit whose window update may have been lost: ask for it.
      sender.lastProbeAt = now
      out.push(controlFrame(end, "heartbeat"))
    } else if (receiver.ackNow || (receiver.unacked > 0 && now - receiver.unackedSince >= options.ackDelay)) {
      out.push(controlFrame(end, "ack"))
    } else if (now - end.lastSentAt >= options.heartbeatEvery) {
      out.push(controlFrame(end, "heartbeat"))
    }
  }
  if (out.length > 0) {
    end.lastSentAt = now
    stats.framesSent += out.length
  }
  return out
}

/**
 * The time (ms) by which `poll` must run again if no frame comes and no
 * call is made: a retransmission, an ack, a probe for credit or a
 * heartbeat falls due then. It may be early (poll then finds nothing), never
 * late.
 */
export const nextDeadline = (end: StreamEndpoint, now: number): number => {
  const { sender, receiver, options } = end
  if (end.reset !== undefined) return end.reset.owed ? now : Infinity
  if (end.resumeOwed || receiver.ackNow) return now
  let at = Math.min(end.lastSentAt + options.heartbeatEvery, end.lastHeardAt + options.peerTimeout)
  if (sender.inFlight.size > 0) at = Math.min(at, sender.oldestSentAt + timeoutOf(end))
  if (!isDrained(end)) at = Math.min(at, sender.lastProbeAt + options.retransmitAfter)
  if (receiver.unacked > 0) at = Math.min(at, receiver.unackedSince + options.ackDelay)
  return Math.max(now, at)
}
