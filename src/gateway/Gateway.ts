/**
 * The gateway: a WebSocket listener whose `/env/ENVIRONMENT_ID` endpoints
 * are the environments served by remote executors through NATS. Each
 * upgrade opens a remote stream to its environment first (an unknown or
 * offline one is refused with HTTP 404 and a one-line reason, at once); the
 * connection then forwards messages both ways unread: a WebSocket text frame
 * becomes one stream message and back. It does not speak JSON-RPC: the
 * executor's server answers everything, so a client sees what a direct
 * connection shows (the gateway answers only a frame over its size limit,
 * which it cannot forward, as a server would: -32600).
 *
 * Backpressure: a message waits for the stream's credit before the next
 * frame is read, and the socket is not read while a few frames wait; a
 * stream message is credited only once the socket took it. A slow client
 * thus stops the executor's sends through the credit window.
 *
 * One NATS connection serves every client, reconnecting for ever; the
 * streams retransmit what a reconnect lost.
 */
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Result from "effect/Result"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { TransportError } from "../jsonrpc/Transport.js"
import * as Metrics from "../observability/metrics.js"
import * as NatsConnect from "../remote/natsConnect.js"
import * as NatsLink from "../remote/NatsLink.js"
import type { NatsConnectOptions } from "../remote/natsOptions.js"
import { environmentIdProblem } from "../remote/natsUrl.js"
import * as OpenStream from "../remote/openStream.js"
import type { Deliver, ReliableChannel } from "../remote/ReliableChannel.js"
import type * as RS from "../remote/ReliableStream.js"
import * as Registry from "../remote/Registry.js"
import * as Sandbox from "../sandbox/Sandbox.js"
import * as WebSocketTransport from "../listeners/WebSocketTransport.js"
import { DEFAULT_MAX_MESSAGE_BYTES, oversizedError } from "../wire/JsonRpc.js"
import { writeEffect } from "../wire/writers.js"

/** How the gateway listens and where it finds the environments. */
export interface GatewayOptions {
  /** The WebSocket listener: address, authentication and limits, as a server's. */
  readonly listen: Omit<WebSocketTransport.WebSocketListenOptions, "endpoints" | "readiness" | "maxBufferedFrames">
  /** The NATS cluster of the executors. */
  readonly nats: NatsConnectOptions
  /** How long an executor may take to answer an open (ms). Default: the upgrade timeout less a fifth (at most 1 s less). */
  readonly openTimeoutMs?: number | undefined
  /** Tuning of every stream's reliability layer (tests shorten its timers). */
  readonly streamOptions?: Partial<Omit<RS.StreamOptions, "streamId">> | undefined
  /** The registry's bucket that `GET /environments` lists (default `Registry.DEFAULT_BUCKET`). */
  readonly registryBucket?: string | undefined
}

/** A running gateway. */
export interface Gateway {
  /** `ws://IP:PORT` of the listener; an environment is at `${url}/env/ID`. */
  readonly url: string
}

/** The path of an environment's endpoint. */
export const environmentPath = (environmentId: string): string => `/env/${environmentId}`

/** Frames of a client read ahead of the stream at most: beyond them its socket is not read. */
const MAX_BUFFERED_FRAMES = 16

/** The environment id `path` names (`/env/ID`, a trailing slash allowed), or why it names none. */
export const environmentOfPath = (path: string): Result.Result<string, string> => {
  const match = /^\/env\/([^/]*)\/?$/.exec(path)
  if (match === null) return Result.fail(`no endpoint ${path.slice(0, 80)}: environments are at /env/ENVIRONMENT_ID`)
  // Not percent-decoded: an id is letters, digits, `_` and `-` only, which need no escaping.
  const id = match[1]!
  const problem = environmentIdProblem(id)
  return problem === undefined ? Result.succeed(id) : Result.fail(problem)
}

/** What an accepted connection was routed to. */
interface Routed {
  readonly environmentId: string
  readonly channel: ReliableChannel
  readonly toClient: Relay
}

/** How a forwarded connection ended. */
type Ending =
  | { readonly _tag: "ClientClosed" }
  | { readonly _tag: "EnvironmentClosed" }
  | { readonly _tag: "StreamReset"; readonly reason: string; readonly byPeer: boolean }

/**
 * A reset's ending, made field by field: spread, the error's own `_tag`
 * (RemoteStreamReset) would take the place of the ending's, which then
 * matched no case, and the client's socket was left open.
 */
const streamReset = (error: { readonly reason: string; readonly byPeer: boolean }): Ending => ({
  _tag: "StreamReset",
  reason: error.reason,
  byPeer: error.byPeer
})

/** Where a relay writes: a message, and who to tell once the socket took it; then the stream's end. */
interface RelayTarget {
  readonly write: (bytes: Uint8Array, taken: () => void) => void
  readonly end: (ending: Ending) => void
}

/**
 * The stream's messages to the client, taken as they come on the stream's
 * callback (no fiber per message): held, with their credit, from the open
 * until the connection is forwarded, then written in order, each credited
 * once the socket took it, so a slow client still holds the executor back
 * by the window.
 */
interface Relay {
  readonly deliver: Deliver
  readonly attach: (target: RelayTarget) => void
  /** The forward is over: what comes later is dropped (the stream is reset or ended). */
  readonly detach: () => void
}

const makeRelay = (): Relay => {
  let target: RelayTarget | undefined
  let detached = false
  let held: Array<{ readonly bytes: Uint8Array; readonly taken: () => void }> = []
  let ending: Ending | undefined
  const end = (why: Ending) => {
    if (target !== undefined) target.end(why)
    else ending ??= why
  }
  return {
    deliver: (item, consumed) => {
      if (detached) return
      switch (item._tag) {
        case "Message": {
          // Lent for the call only (its buffer goes back to the frame pool).
          const bytes = Buffer.from(item.bytes)
          const taken = () => consumed(item.holds)
          if (target !== undefined) target.write(bytes, taken)
          else held.push({ bytes, taken })
          return
        }
        case "End":
          return end({ _tag: "EnvironmentClosed" })
        case "Reset":
          return end(streamReset(item.error))
      }
    },
    attach: (next) => {
      target = next
      for (const { bytes, taken } of held) next.write(bytes, taken)
      held = []
      if (ending !== undefined) next.end(ending)
    },
    detach: () => {
      detached = true
      target = undefined
      held = []
    }
  }
}

const CLIENT_CLOSED: Ending = { _tag: "ClientClosed" }

/**
 * Forwards one connection until either side ends it: the client's frames to
 * the stream, the stream's messages to the client. The client going resets
 * the stream (the executor sees a dropped connection at once); the stream
 * ending closes the client's WebSocket with a close reason saying why.
 */
const forward = (
  connection: WebSocketTransport.RoutedConnection<Routed>,
  maxMessageBytes: number
): Effect.Effect<void> =>
  Effect.gen(function*() {
    const { closeWith, route, transport } = connection
    const { channel, environmentId } = route
    const tags = Metrics.label("environment", environmentId)
    const toEnvironmentTags = Metrics.labelSet({ environment: environmentId, direction: "to-environment" })
    const toClientTags = Metrics.labelSet({ environment: environmentId, direction: "to-client" })
    Metrics.bump(Metrics.gatewayConnectionsTotal, 1, tags)
    Metrics.adjust(Metrics.gatewayConnections, 1, tags)
    // Shown from the first connection on, 0 until a frame is sent again.
    Metrics.bump(Metrics.gatewayRetransmissions, 0, tags)
    let retransmissionsCounted = 0
    const countRetransmissions = Effect.sync(() => {
      const now = channel.snapshot().stats.retransmissions
      if (now > retransmissionsCounted) Metrics.bump(Metrics.gatewayRetransmissions, now - retransmissionsCounted, tags)
      retransmissionsCounted = now
    })
    /** The gateway's own answer to a frame it cannot forward, as a server answers it. */
    const answerOversized = (bytes: number) =>
      writeEffect(transport.write, [JSON.stringify(oversizedError(bytes, maxMessageBytes))])

    const toEnvironment: Effect.Effect<Ending> = Effect.gen(function*() {
      for (;;) {
        // The socket's end (`Cause.Done`, after the frames before it) or a failed read: the client is gone.
        const taken = yield* Effect.result(Queue.takeAll(transport.frames))
        if (Result.isFailure(taken)) return CLIENT_CLOSED
        for (const frame of taken.success) {
          // Text decoded from invalid UTF-8 can grow past the limit (as the server checks too).
          const bytes = frame._tag === "Text" ? Buffer.from(frame.text, "utf8") : undefined
          if (bytes === undefined || bytes.byteLength > maxMessageBytes) {
            const answered = yield* Effect.result(answerOversized(bytes?.byteLength ?? (frame._tag === "Oversized" ? frame.bytes : 0)))
            if (Result.isFailure(answered)) return CLIENT_CLOSED
            continue
          }
          // Waits for the executor's credit: meanwhile no more frames are taken.
          yield* channel.send(bytes)
          Metrics.bump(Metrics.gatewayBytes, bytes.byteLength, toEnvironmentTags)
        }
      }
    }).pipe(Effect.catchTag("RemoteStreamReset", (error) => Effect.succeed(streamReset(error))))

    const toClient: Effect.Effect<Ending> = Effect.callback<Ending>((resume) => {
      let over = false
      let writing = 0
      /** The environment's end waits for the messages before it to be written. */
      let ended: Ending | undefined
      const finish = (why: Ending) => {
        if (over) return
        over = true
        resume(Effect.succeed(why))
      }
      route.toClient.attach({
        write: (bytes, taken) => {
          if (over) return
          writing++
          transport.write([bytes], (error) => {
            writing--
            if (error !== undefined) return finish(CLIENT_CLOSED)
            taken()
            Metrics.bump(Metrics.gatewayBytes, bytes.byteLength, toClientTags)
            if (writing === 0 && ended !== undefined) finish(ended)
          })
        },
        end: (why) => {
          if (why._tag === "EnvironmentClosed" && writing > 0) ended = why
          else finish(why)
        }
      })
      return Effect.sync(() => {
        over = true
        route.toClient.detach()
      })
    })

    const ending = yield* Effect.raceFirst(toEnvironment, toClient).pipe(
      Effect.race(Effect.andThen(Effect.repeat(countRetransmissions, Schedule.spaced("2 seconds")), Effect.never)),
      // The gateway stopping: the client hears it as from a server stopping (its stream is reset with the connection's scope).
      Effect.onInterrupt(() => closeWith(1001, "the gateway is stopping")),
      Effect.ensuring(Effect.andThen(countRetransmissions, Effect.sync(() => Metrics.adjust(Metrics.gatewayConnections, -1, tags))))
    )
    const where = `environment ${environmentId}`
    switch (ending._tag) {
      case "ClientClosed":
        yield* channel.reset("the client's connection to the gateway closed")
        break
      case "EnvironmentClosed":
        yield* closeWith(1001, `${where} closed the connection`)
        break
      case "StreamReset":
        yield* closeWith(1011, ending.byPeer ? `${where} ended the stream: ${ending.reason}` : `stream to ${where} failed: ${ending.reason}`)
        break
    }
    yield* Effect.logInfo("gateway connection ended").pipe(
      Effect.annotateLogs({
        environment: environmentId,
        peer: transport.peer?.address ?? "unknown",
        ending: ending._tag === "StreamReset" ? `${ending.byPeer ? "reset by the executor" : "reset"}: ${ending.reason}` : ending._tag
      })
    )
  })

/**
 * Runs the gateway for as long as the scope lives: connects to NATS (once,
 * for every client), listens, and forwards each connection to its
 * environment. Closing the scope closes every client's socket and resets
 * their streams, then the NATS connection.
 */
export const make = (options: GatewayOptions): Effect.Effect<Gateway, TransportError, Scope.Scope> =>
  Effect.gen(function*() {
    const connection = yield* NatsConnect.connectScoped({ name: "exec-server gateway", ...options.nats }).pipe(
      Effect.mapError((error) => new TransportError({ message: error.message }))
    )
    let natsConnected = true
    Metrics.setGauge(Metrics.gatewayNatsConnected, 1)
    // Whether NATS is up, from the connection's status events.
    yield* NatsLink.watchStatuses(connection, (type) => {
      if (type !== "disconnect" && type !== "close" && type !== "reconnect") return
      natsConnected = type === "reconnect"
      Metrics.setGauge(Metrics.gatewayNatsConnected, natsConnected ? 1 : 0)
    })
    // One reconnect watcher for every client's stream on the one connection.
    const reconnects = yield* NatsLink.watchReconnects(connection)
    const context = yield* Effect.context<never>()
    const maxMessageBytes = options.listen.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
    const upgradeTimeoutMs = options.listen.upgradeTimeoutMs ?? WebSocketTransport.DEFAULT_UPGRADE_TIMEOUT_MS
    // An open must be answered before the upgrade times out, so that the client hears why.
    const openTimeoutMs = options.openTimeoutMs ?? upgradeTimeoutMs - Math.min(1000, Math.ceil(upgradeTimeoutMs / 5))

    // The client's bearer token goes on to the executor, which checks it again if it asks for one.
    const route: WebSocketTransport.UpgradeRoute<Routed> = ({ bearer, path }) =>
      Effect.gen(function*() {
        const environment = environmentOfPath(path)
        if (Result.isFailure(environment)) return Result.fail({ status: 404, reason: environment.failure })
        const environmentId = environment.success
        if (!natsConnected) return Result.fail({ status: 503, reason: `the gateway is not connected to NATS: cannot reach environment ${environmentId}` })
        const toClient = makeRelay()
        const opened = yield* Effect.result(OpenStream.open(connection, {
          environmentId,
          openTimeoutMs,
          streamOptions: options.streamOptions,
          token: bearer,
          reconnects,
          deliver: toClient.deliver
        }))
        if (Result.isSuccess(opened)) return Result.succeed({ environmentId, channel: opened.success, toClient })
        const error = opened.failure
        const status = error._tag === "ExecServer/EnvironmentNotFound"
          ? 404
          : error._tag === "ExecServer/CredentialsRefused"
          ? 401
          : error._tag === "ExecServer/ConnectTimeout"
          ? 504
          : 503
        return Result.fail({ status, reason: error.message })
      })

    const environments: WebSocketTransport.HttpHandler = (_request, response) => {
      void Effect.runPromiseWith(context)(
        Effect.result(Registry.list(connection, options.registryBucket === undefined ? {} : { bucket: options.registryBucket }))
      ).then((listed) => {
        if (Result.isFailure(listed)) {
          response.writeHead(503, { "content-type": "text/plain", connection: "close" })
            .end(`cannot list the environments: ${listed.failure.message}\n`)
          return
        }
        response.writeHead(200, { "content-type": "application/json" }).end(Registry.renderEnvironments(listed.success, { json: true }))
      })
    }

    const listener = yield* WebSocketTransport.makeRouted({
      ...options.listen,
      endpoints: { "/environments": environments },
      readiness: () => natsConnected ? undefined : "NATS disconnected",
      maxBufferedFrames: MAX_BUFFERED_FRAMES,
      route
    }).pipe(
      // An executor's sandbox with network on this host reaches this listener too: refused, as the server refuses its own.
      Effect.provide(Sandbox.layerRefusingConfinedPeers("the gateway runs no processes"))
    )
    const connections = yield* FiberSet.make<void>()
    yield* Effect.forkScoped(
      Stream.runForEach(listener.connections, (accepted) => FiberSet.run(connections, forward(accepted, maxMessageBytes)))
    )
    return { url: listener.url }
  })

/** The gateway, running for as long as the layer lives. */
export const layer = (options: GatewayOptions): Layer.Layer<never, TransportError> => Layer.effectDiscard(make(options))
