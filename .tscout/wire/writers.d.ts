/**
 * Writing serialized messages to a byte stream (one per line) or a
 * WebSocket (one per text frame): shared by the server's transports and the
 * client's, so that the client needs nothing of the server.
 */
import * as Effect from "effect/Effect";
import type { Writable } from "node:stream";
import type { OutgoingMessage } from "./JsonRpc.js";
/**
 * Hands a batch of serialized messages to the peer, in order, and calls
 * `done` once they are written, or with the error that ended the connection.
 * It must not throw; batches may overlap (a transport keeps them in order).
 */
export type WriteBatch = (messages: ReadonlyArray<OutgoingMessage>, done: (error?: unknown) => void) => void;
/** A write as an effect that completes when the batch is written. */
export declare const writeEffect: (write: WriteBatch, messages: ReadonlyArray<OutgoingMessage>) => Effect.Effect<void, unknown>;
/**
 * What `sendText` needs of a WebSocket: ws's, which both ends use. Stated
 * here, not imported, so that the package's types need no `@types/ws`.
 */
export interface TextFrameSocket {
    readonly readyState: number;
    send(data: OutgoingMessage, options: {
        readonly binary: false;
    }, cb?: (error?: Error) => void): void;
}
/**
 * Writes a batch of messages as lines and calls `done` when the stream took
 * the last one. The lines go out in one writev (cork/uncork) rather than as
 * one joined string: a joined batch of megabytes would be allocated straight
 * into V8's old generation and linger until a full collection.
 */
export declare const writeLines: (writable: Writable, messages: ReadonlyArray<OutgoingMessage>, done: (error?: unknown) => void) => void;
/**
 * Sends messages as text frames (also those serialized straight to bytes) and
 * calls `done` once the last one has been handed to the socket.
 */
export declare const sendText: (socket: TextFrameSocket, messages: ReadonlyArray<OutgoingMessage>, done: (error?: unknown) => void) => void;
//# sourceMappingURL=writers.d.ts.map