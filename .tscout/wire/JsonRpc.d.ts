/**
 * The JSON-RPC wire format of exec-server: parsing one frame (a stdio line or
 * a WebSocket message) into messages, and writing responses and
 * notifications. Pure functions; no I/O.
 */
import { type WireError } from "../protocol/errors.js";
/** The largest message a peer accepts unless told otherwise (16 MiB). */
export declare const DEFAULT_MAX_MESSAGE_BYTES: number;
/** Bytes of requests a connection may have in flight by default: four of the largest messages. */
export declare const DEFAULT_MAX_INFLIGHT_REQUEST_BYTES: number;
/** A request id, echoed exactly as received. */
export type RequestId = number | string | null;
/** A request: it gets exactly one response. */
export interface RequestMessage {
    readonly _tag: "Request";
    readonly id: RequestId;
    readonly method: string;
    readonly params: unknown;
}
/** A notification from the client: it gets no response. */
export interface NotificationMessage {
    readonly _tag: "Notification";
    readonly method: string;
    readonly params: unknown;
}
/** A message that is not a valid request: it is answered with `error`. */
export interface InvalidMessage {
    readonly _tag: "Invalid";
    readonly id: RequestId;
    readonly error: WireError;
}
/** A response sent by the client (we make no requests of clients): ignored. */
export interface ClientResponseMessage {
    readonly _tag: "ClientResponse";
}
/** One message of a frame. */
export type IncomingMessage = RequestMessage | NotificationMessage | InvalidMessage | ClientResponseMessage;
/** What a frame holds: one message, a batch of them, or an error answered at once. */
export type ParsedFrame = {
    readonly _tag: "Single";
    readonly message: IncomingMessage;
} | {
    readonly _tag: "Batch";
    readonly messages: ReadonlyArray<IncomingMessage>;
};
/** A frame as delivered by a transport. */
export type Frame = {
    readonly _tag: "Text";
    readonly text: string;
} | {
    readonly _tag: "Oversized";
    readonly bytes: number;
};
/** A response object ready to be serialized. */
export type ResponseMessage = {
    readonly id: RequestId;
    readonly result: unknown;
} | {
    readonly id: RequestId;
    readonly error: WireError;
};
/** Classifies one decoded JSON value as a request, notification or invalid message. */
export declare const classify: (value: unknown) => IncomingMessage;
/** Parses the text of one frame. Malformed JSON yields a -32700 error message. */
export declare const parseFrame: (text: string) => ParsedFrame;
/** The error answered for a frame over the size limit. */
export declare const oversizedError: (bytes: number, limit: number) => ResponseMessage;
/** The answer to a request over the connection's limit of requests in flight: retryable. */
export declare const busyError: (id: RequestId, limit: number) => ResponseMessage;
/** The answer to a request beyond the bytes a connection may have in flight (requests waiting for their turn included). */
export declare const busyBytesError: (id: RequestId, limit: number) => ResponseMessage;
/** Serializes a response. `id` is written first, as clients read it first. */
export declare const encodeResponse: (response: ResponseMessage) => string;
/** A serialized message: JSON text, or its UTF-8 bytes (built without an intermediate string). */
export type OutgoingMessage = string | Uint8Array;
/** The size of a serialized message in bytes (exact for bytes, close for ASCII-heavy JSON text). */
export declare const messageSize: (message: OutgoingMessage) => number;
/** A serialized message as text. */
export declare const messageText: (message: OutgoingMessage) => string;
/** Serializes a server notification. */
export declare const encodeNotification: (method: string, params: unknown) => string;
//# sourceMappingURL=JsonRpc.d.ts.map