/**
 * The stdio transport: one connection, JSON messages one per line on stdin
 * and stdout. The connection ends when stdin ends.
 */
import * as NodeStream from "@effect/platform-node/NodeStream"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import type { Readable, Writable } from "node:stream"
import type { OutgoingMessage } from "../rpc/JsonRpc.js"
import type { FrameTransport } from "../rpc/JsonRpcServer.js"
import { ServerConfig } from "../server/ServerConfig.js"
import { ServerTransport } from "../server/ExecServer.js"
import { LineFramer } from "./LineFramer.js"

/**
 * Writes a batch of messages as lines, resolving when the stream took the
 * last one. The lines go out in one writev (cork/uncork) rather than as one
 * joined string: a joined batch of megabytes would be allocated straight into
 * V8's old generation and linger until a full collection.
 */
export const writeLines = (
  writable: Writable,
  messages: ReadonlyArray<OutgoingMessage>
): Effect.Effect<void, Error> =>
  Effect.async<void, Error>((resume) => {
    writable.cork()
    const last = messages.length - 1
    for (let i = 0; i <= last; i++) {
      writable.write(messages[i]!)
      if (i < last) writable.write(NEWLINE)
    }
    writable.write(NEWLINE, (error) => resume(error ? Effect.fail(error) : Effect.void))
    writable.uncork()
  })

const NEWLINE = Buffer.from("\n")

/** A frame transport over a readable and a writable byte stream (a child's stdio, a socket). */
export const fromStreams = (options: {
  readonly input: Readable
  readonly output: Writable
  readonly maxMessageBytes: number
}): FrameTransport => {
  // A peer that goes away makes writes fail with EPIPE: that ends the
  // connection through the failed write, not the whole process.
  options.output.on("error", () => {})
  return {
    frames: Stream.suspend(() => {
      const framer = new LineFramer(options.maxMessageBytes)
      return NodeStream.fromReadable<Error, Uint8Array>(() => options.input, (error) => error as Error).pipe(
        Stream.mapConcat((chunk) => framer.push(chunk)),
        Stream.concat(Stream.suspend(() => Stream.fromIterable(framer.end())))
      )
    }),
    write: (messages) => writeLines(options.output, messages)
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
