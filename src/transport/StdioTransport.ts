/**
 * The stdio transport: one connection, JSON messages one per line on stdin
 * and stdout. The connection ends when stdin ends.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Mailbox from "effect/Mailbox"
import * as Stream from "effect/Stream"
import type { Readable, Writable } from "node:stream"
import type { Frame } from "../rpc/JsonRpc.js"
import type { FrameTransport } from "../rpc/JsonRpcServer.js"
import { ServerConfig } from "../server/ServerConfig.js"
import { ServerTransport } from "../server/ExecServer.js"
import { LineFramer } from "./LineFramer.js"
import { writeLines } from "./writers.js"

export { writeLines } from "./writers.js"


/** A frame transport over a readable and a writable byte stream (a child's stdio, a socket). */
export const fromStreams = (options: {
  readonly input: Readable
  readonly output: Writable
  readonly maxMessageBytes: number
}): FrameTransport => {
  const { input, output } = options
  const frames = Effect.runSync(Mailbox.make<Frame, Error>())
  const framer = new LineFramer(options.maxMessageBytes)
  const onData = (chunk: Buffer) => {
    const complete = framer.push(chunk)
    if (complete.length > 0) frames.unsafeOfferAll(complete)
  }
  const onEnd = () => {
    frames.unsafeOfferAll(framer.end())
    frames.unsafeDone(Exit.void)
  }
  const onError = (error: Error) => frames.unsafeDone(Exit.fail(error))
  input.on("data", onData)
  input.once("end", onEnd)
  input.once("error", onError)
  // A peer that goes away makes writes fail with EPIPE: that ends the
  // connection through the failed write, not the whole process.
  output.on("error", () => {})
  return {
    frames,
    write: (messages, done) => writeLines(output, messages, done),
    close: Effect.sync(() => {
      input.off("data", onData)
      input.off("end", onEnd)
      input.off("error", onError)
      if (!input.destroyed) input.destroy()
    })
  }
}

/** Serves the process's own stdin and stdout as the one connection. */
export const layer: Layer.Layer<ServerTransport, never, ServerConfig> = Layer.effect(
  ServerTransport,
  Effect.map(ServerConfig, (config) => ({
    url: "stdio://",
    connections: Stream.make(
      fromStreams({ input: process.stdin, output: process.stdout, maxMessageBytes: config.maxMessageBytes })
    )
  }))
)
