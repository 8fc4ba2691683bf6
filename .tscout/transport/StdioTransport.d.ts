/**
 * The stdio transport: one connection, JSON messages one per line on stdin
 * and stdout. The connection ends when stdin ends.
 */
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import type * as Scope from "effect/Scope";
import type { Readable, Writable } from "node:stream";
import { type FrameTransport, ServerTransport } from "../jsonrpc/Transport.js";
export { writeLines } from "../wire/writers.js";
/**
 * A frame transport over a readable and a writable byte stream (the
 * process's stdio, a child's, a socket). Its listeners are detached when the
 * connection closes or, at the latest, when the scope closes: the streams
 * may outlive it (stdin does), and another transport may read them later.
 */
export declare const fromStreams: (options: {
    readonly input: Readable;
    readonly output: Writable;
    readonly maxMessageBytes: number;
}) => Effect.Effect<FrameTransport, never, Scope.Scope>;
/** What a stdio transport is told. */
export interface StdioTransportOptions {
    /** Largest accepted message; a larger one is answered -32600 (default 16 MiB). */
    readonly maxMessageBytes?: number | undefined;
}
/** The process's own stdin and stdout as the one connection, for as long as the scope lives. */
export declare const make: (options?: StdioTransportOptions) => Effect.Effect<typeof ServerTransport.Service, never, Scope.Scope>;
/** Serves the process's own stdin and stdout as the one connection. */
export declare const layer: (options?: StdioTransportOptions) => Layer.Layer<ServerTransport>;
//# sourceMappingURL=StdioTransport.d.ts.map