/**
 * The stdio transport: one connection, JSON messages one per line on stdin
 * and stdout. The connection ends when stdin ends.
 */
import { NodeStream } from "@effect/platform-node"
import { Effect, Layer, Stream } from "effect"
import type { Readable, Writable } from "node:stream"
import type { FrameTransport } from "../rpc/JsonRpcServer.js"
import { ServerConfig } from "../server/ServerConfig.js"
import { ServerTransport } from "../server/ExecServer.js"
import { LineFramer } from "./LineFramer.js"

/** Writes a batch of messages as lines, in one write, resolving when the stream took it. */
export const writeLines = (writable: Writable, messages: ReadonlyArray<string>): Effect.Effect<void, Error> =>
  Effect.async<void, Error>((resume) => {
    const text = messages.length === 1 ? messages[0] + "\n" : messages.join("\n") + "\n"
    writable.write(text, (error) => resume(error ? Effect.fail(error) : Effect.void))
  })

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
