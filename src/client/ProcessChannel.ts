/**
 * One process's events on the client: a bounded queue for its consumer, fed
 * by live notifications while they arrive in order and fit, and otherwise
 * by `process/read` from the server's retained output. A consumer that lags
 * (or a connection that dropped and came back) costs the client no more
 * than its bound. How it lags is the client's choice (`WhenConsumerLags`):
 * live events that do not fit are dropped and read again later, so nothing
 * is lost while the server still retains it and what it no longer retains
 * becomes an explicit `Gap` event; or the connection is held, which holds
 * the process back through the server's flow control, and nothing is lost.
 */
import * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Pull from "effect/Pull"
import * as Stream from "effect/Stream"
import type { OutputStream, PolicyDecisionNotification, ReadResult } from "../protocol/schema.js"
import type { ClientError } from "./ClientError.js"
import { UnknownProcess } from "./ClientError.js"

/** An event of one process, as the client delivers it, in `seq` order. */
export type ProcessEvent =
  | { readonly _tag: "Output"; readonly seq: number; readonly stream: OutputStream; readonly bytes: Uint8Array }
  | {
    readonly _tag: "Exited"
    readonly seq: number
    readonly exitCode: number
    readonly signal: string | null
    readonly sandboxDenied: boolean
    /** (ours) The kernel's OOM killer ended a process of its cgroup at its memory limit (absent: no cgroup of its own, or not told). */
    readonly oomKilled?: boolean | undefined
  }
  | { readonly _tag: "Closed"; readonly seq: number }
  /** Events `fromSeq`..`seq` (output) were evicted from the server's retention before the client read them. */
  | { readonly _tag: "Gap"; readonly fromSeq: number; readonly seq: number }

/** How a process ended. */
export interface ExitStatus {
  readonly exitCode: number
  readonly signal: string | null
  /** The process was sandboxed and most likely failed because the sandbox refused it something. */
  readonly sandboxDenied: boolean
  /** (ours) The kernel's OOM killer ended a process of its cgroup at its memory limit (told by the live `process/exited` only). */
  readonly oomKilled?: boolean | undefined
}

/**
 * What the client does when a process's consumer falls `maxBufferedBytes`
 * behind: `"read-later"` drops the live output that does not fit and reads
 * it from the server's retained output once there is room (other processes
 * are not slowed; what the server evicted meanwhile becomes a `Gap`);
 * `"pause"` stops reading the connection until the consumer has room, so
 * the server stops reading the connection's processes and nothing is lost
 * (every process of the connection waits for the slowest consumer, and a
 * process whose events are never consumed holds the connection).
 */
export type WhenConsumerLags = "read-later" | "pause"

/** What a channel needs from its client. */
export interface ChannelOptions {
  readonly processId: string
  /** Bytes of output held for the consumer (queued and ahead of a gap) at most. */
  readonly maxBufferedBytes: number
  /** With `"pause"`, how the channel holds the connection: called while an event is handled, the next message waits for `until`. */
  readonly holdReading?: ((until: Effect.Effect<void>) => void) | undefined
  /** `process/read` of this process. */
  readonly read: (params: {
    readonly afterSeq: number
    readonly maxBytes: number
  }) => Effect.Effect<ReadResult, ClientError>
  /** Runs an effect in the client's scope (catch-up reads). */
  readonly fork: (effect: Effect.Effect<void>) => void
  /** Called once `Closed` is queued: the client forgets the channel. */
  readonly onClosed: () => void
}

// What an event costs besides its bytes, so that a flood of tiny events is bounded too.
const EVENT_OVERHEAD = 64
// A catch-up read asks for this much at most (a response stays well under the message limit).
const MAX_READ_BYTES = 1024 * 1024
/** Network decisions held for a consumer that does not keep up (or never reads them): the oldest go first. */
export const MAX_HELD_NETWORK_DECISIONS = 1024

const statusOf = (event: ExitStatus): ExitStatus => ({
  exitCode: event.exitCode,
  signal: event.signal,
  sandboxDenied: event.sandboxDenied,
  ...(event.oomKilled === undefined ? {} : { oomKilled: event.oomKilled })
})

const sizeOf = (event: ProcessEvent) => EVENT_OVERHEAD + (event._tag === "Output" ? event.bytes.byteLength : 0)

/** A process's event queue and its catch-up from the server. */
export class ProcessChannel {
  private queue: Array<ProcessEvent> = []
  private queuedBytes = 0
  /** Live events past a gap, kept (within the bound; `Exited` and `Closed` always) until it is filled. */
  private readonly held = new Map<number, ProcessEvent>()
  private heldBytes = 0
  /** The seq the queue takes next. */
  private nextSeq = 1
  /** The highest seq seen live, queued or not. */
  private maxSeenSeq = 0
  /** Live events are not queued directly: the channel is reading its way forward. */
  private catchingUp = false
  private catchUpRunning = false
  private closedQueued = false
  private failure: ClientError | undefined
  private consumer: (() => void) | undefined
  private roomWaiter: (() => void) | undefined
  /** The connection waits for the consumer to make room (`holdReading`). */
  private connectionWaiter: (() => void) | undefined
  private holdingConnection = false
  /** The consumer stopped taking events before `Closed`: the connection is never held for it again. */
  private abandoned = false
  private exitStatus: ExitStatus | undefined
  private readonly exitedDeferred = Deferred.makeUnsafe<ExitStatus, ClientError>()
  private networkDecisionsHeld: Array<PolicyDecisionNotification> = []
  private networkDecisionsWaiter: (() => void) | undefined

  constructor(private readonly options: ChannelOptions) {}

  get processId(): string {
    return this.options.processId
  }

  /** The exit status once known: from the live `exited`, or from a read. */
  readonly exited: Effect.Effect<ExitStatus, ClientError> = Deferred.await(this.exitedDeferred)

  /** Whether `Closed` is queued or the channel failed: nothing more comes. */
  get finished(): boolean {
    return this.closedQueued || this.failure !== undefined
  }

  /** The events, ending after `Closed`. One consumer. */
  readonly events: Stream.Stream<ProcessEvent, ClientError> = Stream.fromPull(
    Effect.succeed(Effect.suspend(() => this.take()))
  ).pipe(Stream.ensuring(Effect.sync(() => this.abandon())))

  /**
   * The process's `network/policyDecision` notes, as they arrive, until it
   * closes (or the client loses it). They are not retained by the server:
   * what comes while the connection is down is not seen, and a consumer
   * that lags more than `MAX_HELD_NETWORK_DECISIONS` behind loses the oldest.
   */
  readonly networkDecisions: Stream.Stream<PolicyDecisionNotification> = Stream.fromPull(
    Effect.succeed(Effect.suspend(() => this.takeNetworkDecisions()))
  )

  /** A `network/policyDecision` note of the process. */
  offerNetworkDecision(note: PolicyDecisionNotification): void {
    if (this.finished) return
    if (this.networkDecisionsHeld.length >= MAX_HELD_NETWORK_DECISIONS) this.networkDecisionsHeld.shift()
    this.networkDecisionsHeld.push(note)
    this.wakeNetworkDecisions()
  }

  private takeNetworkDecisions(): Pull.Pull<Arr.NonEmptyReadonlyArray<PolicyDecisionNotification>> {
    if (Arr.isArrayNonEmpty(this.networkDecisionsHeld)) {
      const taken = this.networkDecisionsHeld
      this.networkDecisionsHeld = []
      return Effect.succeed(taken)
    }
    if (this.finished) return Cause.done()
    return Effect.callback<Arr.NonEmptyReadonlyArray<PolicyDecisionNotification>, Cause.Done>((resume) => {
      this.networkDecisionsWaiter = () => resume(Effect.suspend(() => this.takeNetworkDecisions()))
      return Effect.sync(() => {
        this.networkDecisionsWaiter = undefined
      })
    })
  }

  private wakeNetworkDecisions() {
    const waiter = this.networkDecisionsWaiter
    this.networkDecisionsWaiter = undefined
    waiter?.()
  }

  /** Whether live events wait in the queue (holding the connection) rather than being dropped when it is full. */
  private get pausing(): boolean {
    return this.options.holdReading !== undefined && !this.abandoned
  }

  /** The consumer is gone: what held the connection for it lets go. */
  private abandon() {
    if (this.abandoned) return
    this.abandoned = true
    this.releaseConnection()
  }

  private releaseConnection() {
    const waiter = this.connectionWaiter
    this.connectionWaiter = undefined
    this.holdingConnection = false
    waiter?.()
  }

  /** Holds the connection until the consumer has taken the queue down to half the bound. */
  private holdConnection() {
    if (this.holdingConnection) return
    this.holdingConnection = true
    this.options.holdReading!(Effect.callback<void>((resume) => {
      if (!this.holdingConnection) {
        resume(Effect.void)
        return
      }
      this.connectionWaiter = () => resume(Effect.void)
      return Effect.sync(() => {
        this.connectionWaiter = undefined
      })
    }))
  }

  private take(): Pull.Pull<Arr.NonEmptyReadonlyArray<ProcessEvent>, ClientError> {
    if (Arr.isArrayNonEmpty(this.queue)) {
      const taken = this.queue
      this.queue = []
      this.queuedBytes = 0
      this.wakeCatchUp()
      return Effect.succeed(taken)
    }
    if (this.closedQueued) return Cause.done()
    if (this.failure !== undefined) return Effect.fail(this.failure)
    return Effect.callback<Arr.NonEmptyReadonlyArray<ProcessEvent>, ClientError | Cause.Done>((resume) => {
      this.consumer = () => resume(Effect.suspend(() => this.take()))
      return Effect.sync(() => {
        this.consumer = undefined
      })
    })
  }

  private wakeConsumer() {
    const consumer = this.consumer
    this.consumer = undefined
    consumer?.()
  }

  private wakeCatchUp() {
    if (this.holdingConnection && this.queuedBytes <= this.options.maxBufferedBytes / 2) this.releaseConnection()
    const waiter = this.roomWaiter
    if (waiter !== undefined && this.queuedBytes <= this.options.maxBufferedBytes / 2) {
      this.roomWaiter = undefined
      waiter()
    }
  }

  private recordExit(status: ExitStatus) {
    if (this.exitStatus !== undefined) return
    this.exitStatus = status
    Deferred.doneUnsafe(this.exitedDeferred, Exit.succeed(status))
  }

  private push(event: ProcessEvent) {
    this.queue.push(event)
    this.queuedBytes += sizeOf(event)
    if (event._tag === "Exited") this.recordExit(statusOf(event))
    if (event._tag === "Closed") {
      this.closedQueued = true
      this.catchingUp = false
      this.held.clear()
      this.heldBytes = 0
      // Nothing more comes for this queue: the connection need not wait for it.
      this.releaseConnection()
      this.wakeCatchUp()
      this.wakeNetworkDecisions()
      this.options.onClosed()
    }
    this.wakeConsumer()
  }

  private hold(event: ProcessEvent) {
    if (this.held.has(event.seq)) return
    const size = sizeOf(event)
    if (event._tag === "Output" && this.queuedBytes + this.heldBytes + size > this.options.maxBufferedBytes) return
    this.held.set(event.seq, event)
    this.heldBytes += size
  }

  /** A live notification of the process. */
  offer(event: ProcessEvent): void {
    if (this.finished) return
    if (event.seq > this.maxSeenSeq) this.maxSeenSeq = event.seq
    if (event._tag === "Exited") this.recordExit(statusOf(event))
    if (event.seq < this.nextSeq) return
    if (!this.catchingUp && event.seq === this.nextSeq && this.pausing) {
      this.nextSeq++
      this.push(event)
      if (this.queuedBytes > this.options.maxBufferedBytes && !this.finished) this.holdConnection()
      return
    }
    if (
      !this.catchingUp && event.seq === this.nextSeq &&
      this.queuedBytes + sizeOf(event) <= this.options.maxBufferedBytes
    ) {
      this.nextSeq++
      this.push(event)
      return
    }
    // Out of order, or no room: keep what the bound allows and read the rest from the server.
    this.hold(event)
    this.startCatchUp()
  }

  /**
   * The connection came back (or the channel was made for a process the
   * client did not start): what happened meanwhile is read from the server,
   * and the exit status is asked for at once, whether or not the consumer
   * has room for the output.
   */
  resync(): void {
    if (this.finished) return
    this.options.fork(Effect.ignore(Effect.flatMap(this.probe, () => Effect.sync(() => this.startCatchUp()))))
  }

  private readonly probe: Effect.Effect<void, ClientError> = Effect.suspend(() =>
    this.options.read({ afterSeq: Number.MAX_SAFE_INTEGER, maxBytes: 0 })
  ).pipe(
    Effect.tap((result) => Effect.sync(() => this.recordExitOf(result))),
    Effect.tapError((error) => Effect.sync(() => this.failWith(error))),
    Effect.asVoid
  )

  private recordExitOf(result: ReadResult) {
    if (!result.exited) return
    this.recordExit({ exitCode: result.exitCode ?? -1, signal: result.signal, sandboxDenied: result.sandboxDenied })
  }

  private startCatchUp() {
    this.catchingUp = true
    if (this.catchUpRunning || this.finished) return
    this.catchUpRunning = true
    this.options.fork(Effect.ensuring(
      this.catchUp,
      Effect.sync(() => {
        this.catchUpRunning = false
      })
    ))
  }

  private readonly waitForRoom: Effect.Effect<void> = Effect.callback<void>((resume) => {
    if (this.queuedBytes <= this.options.maxBufferedBytes / 2 || this.finished) {
      resume(Effect.void)
      return
    }
    this.roomWaiter = () => resume(Effect.void)
    return Effect.sync(() => {
      this.roomWaiter = undefined
    })
  })

  private readonly catchUp: Effect.Effect<void> = Effect.gen({ self: this }, function*() {
    while (this.catchingUp && !this.finished) {
      yield* this.waitForRoom
      if (this.finished) return
      const room = Math.max(0, this.options.maxBufferedBytes - this.queuedBytes - this.heldBytes)
      const result = yield* Effect.result(
        this.options.read({ afterSeq: this.nextSeq - 1, maxBytes: Math.min(MAX_READ_BYTES, room) })
      )
      if (result._tag === "Failure") {
        this.failWith(result.failure)
        return
      }
      this.apply(result.success)
    }
  })

  /** Queues what a read returned, in seq order, with the held live events and a `Gap` where the server evicted. */
  private apply(result: ReadResult) {
    this.recordExitOf(result)
    const available = new Map<number, ProcessEvent>(this.held)
    let firstChunkSeq = Number.POSITIVE_INFINITY
    for (const chunk of result.chunks) {
      available.set(chunk.seq, { _tag: "Output", seq: chunk.seq, stream: chunk.stream, bytes: chunk.chunk })
      if (chunk.seq < firstChunkSeq) firstChunkSeq = chunk.seq
    }
    if (result.exited && result.exitedSeq !== null && this.exitStatus !== undefined) {
      available.set(result.exitedSeq, { _tag: "Exited", seq: result.exitedSeq, ...this.exitStatus })
    }
    if (result.closed) available.set(result.nextSeq - 1, { _tag: "Closed", seq: result.nextSeq - 1 })
    // Below this seq, what the read did not return was evicted.
    const gapBelow = result.truncated ? Math.min(firstChunkSeq, result.nextSeq) : 0
    let seq = this.nextSeq
    while (!this.closedQueued) {
      const event = available.get(seq)
      if (event !== undefined) {
        this.nextSeq = ++seq
        this.push(event)
        continue
      }
      if (seq >= gapBelow) break
      let last = seq
      while (last + 1 < gapBelow && !available.has(last + 1)) last++
      this.nextSeq = last + 1
      this.push({ _tag: "Gap", fromSeq: seq, seq: last })
      seq = last + 1
    }
    for (const heldSeq of [...this.held.keys()]) {
      if (heldSeq < this.nextSeq) {
        this.heldBytes -= sizeOf(this.held.get(heldSeq)!)
        this.held.delete(heldSeq)
      }
    }
    // Caught up: the read covered everything the server had, and every live event seen since.
    if (this.nextSeq >= result.nextSeq && this.nextSeq > this.maxSeenSeq) this.catchingUp = false
  }

  private failWith(error: ClientError) {
    if (this.failure !== undefined || this.closedQueued) return
    // `reason` from this server; the reference's message, which has none.
    if (error._tag === "ExecServer/InvalidRequest" && (error.reason === "unknownProcess" || /unknown process|no process/i.test(error.message))) {
      this.fail(new UnknownProcess({ processId: this.processId, message: `no process ${this.processId} in this session` }))
      return
    }
    this.fail(error)
  }

  /** Nothing more will come: the consumer and `exited` fail with `error` (after what is queued). */
  fail(error: ClientError): void {
    if (this.failure !== undefined || this.closedQueued) return
    this.failure = error
    this.catchingUp = false
    this.releaseConnection()
    Deferred.doneUnsafe(this.exitedDeferred, Exit.fail(error))
    this.wakeCatchUp()
    const waiter = this.roomWaiter
    this.roomWaiter = undefined
    waiter?.()
    this.wakeConsumer()
    this.wakeNetworkDecisions()
    this.options.onClosed()
  }
}
