/**
 * The stdio transport: one connection, JSON messages one per line on stdin
 * and stdout. The connection ends when stdin ends.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { Readable, Writable } from "node:stream"
import { DEFAULT_MAX_MESSAGE_BYTES, type Frame } from "../wire/JsonRpc.js"
import { type FrameTransport, ServerTransport } from "../jsonrpc/Transport.js"
import { LineFramer } from "../wire/LineFramer.js"
import { writeLines } from "../wire/writers.js"

export { writeLines } from "../wire/writers.js"

/**
 * A frame transport over a readable and a writable byte stream (the
 * process's stdio, a child's, a socket). Its listeners are detached when the
 * connection closes or, at the latest, when the scope closes: the streams
 * may outlive it (stdin does), and another transport may read them later.
 */
export const fromStreams = (options: {
  readonly input: Readable
  readonly output: Writable
  readonly maxMessageBytes: number
}): Effect.Effect<FrameTransport, never, Scope.Scope> =>
  Effect.gen(function*() {
    const { input, output } = options
    const frames = yield* Queue.make<Frame, Error | Cause.Done>()
    const framer = new LineFramer(options.maxMessageBytes)
    const onData = (chunk: Buffer) => {
      const complete = framer.push(chunk)
      if (complete.length > 0) Queue.offerAllUnsafe(frames, complete)
    }
    const onEnd = () => {
      Queue.offerAllUnsafe(frames, framer.end())
      Queue.endUnsafe(frames)
    }
    const onError = (error: Error) => Queue.failCauseUnsafe(frames, Cause.fail(error))
    // A peer that goes away makes writes fail with EPIPE: that ends the
    // connection through the failed write, not the whole process.
    const onOutputError = () => {}
    const detachInput = Effect.sync(() => {
      input.off("data", onData)
      input.off("end", onEnd)
      input.off("error", onError)
    })
    yield* Effect.acquireRelease(
      Effect.sync(() => {
        input.on("data", onData)
        input.once("end", onEnd)
        input.once("error", onError)
        output.on("error", onOutputError)
      }),
      // The output's error listener stays until the scope closes: a write
      // still on its way when the connection ends may yet fail.
      () => Effect.andThen(detachInput, Effect.sync(() => output.off("error", onOutputError)))
    )
    return {
      frames,
      peer: { transport: "stdio" },
      // The end of stdin is the end of what the client sends, not of what it
      // reads: everything is written before the server exits, unless the
      // client takes nothing for this long.
      closeFlushStallMs: STDOUT_STALL_MS,
      write: (messages, done) => writeLines(output, messages, done),
      close: Effect.andThen(
        detachInput,
        Effect.sync(() => {
          if (!input.destroyed) input.destroy()
        })
      )
    }
  })

/** How long a stdio client may take nothing of the server's last messages before they are given up (the server then exits). */
export const STDOUT_STALL_MS = 10_000

/** What a stdio transport is told. */
export interface StdioTransportOptions {
  /** Largest accepted message; a larger one is answered -32600 (default 16 MiB). */
  readonly maxMessageBytes?: number | undefined
}

/** The process's own stdin and stdout (or the `stdio` given) as the one connection, for as long as the scope lives. */
export const make = (
  options: StdioTransportOptions = {},
  stdio: { readonly input: Readable; readonly output: Writable } = { input: process.stdin, output: process.stdout }
): Effect.Effect<typeof ServerTransport.Service, never, Scope.Scope> =>
  Effect.map(
    fromStreams({
      input: stdio.input,
      output: stdio.output,
      maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
    }),
    (transport) => ({ url: "stdio://", connections: Stream.make(transport) })
  )

/** Serves the process's own stdin and stdout as the one connection. */
export const layer = (options: StdioTransportOptions = {}): Layer.Layer<ServerTransport> =>
  Layer.effect(ServerTransport, make(options))
