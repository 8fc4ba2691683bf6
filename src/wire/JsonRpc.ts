/**
 * The JSON-RPC wire format of exec-server: parsing one frame (a stdio line or
 * a WebSocket message) into messages, and writing responses and
 * notifications. Pure functions; no I/O.
 */
import { ErrorCode, serverBusy, toWireError, type WireError } from "../protocol/errors.js"

/** The largest message a peer accepts unless told otherwise (16 MiB). */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024

/** Bytes of requests a connection may have in flight by default: four of the largest messages. */
export const DEFAULT_MAX_INFLIGHT_REQUEST_BYTES = 4 * DEFAULT_MAX_MESSAGE_BYTES

/** A request id, echoed exactly as received. */
export type RequestId = number | string | null

/** A request: it gets exactly one response. */
export interface RequestMessage {
  readonly _tag: "Request"
  readonly id: RequestId
  readonly method: string
  readonly params: unknown
}

/** A notification from the client: it gets no response. */
export interface NotificationMessage {
  readonly _tag: "Notification"
  readonly method: string
  readonly params: unknown
}

/** A message that is not a valid request: it is answered with `error`. */
export interface InvalidMessage {
  readonly _tag: "Invalid"
  readonly id: RequestId
  readonly error: WireError
}

/** A response sent by the client to a request of the server's (`network/policyRequest`). */
export interface ClientResponseMessage {
  readonly _tag: "ClientResponse"
  readonly id: RequestId
  /** The answer's `result`; undefined with `error`. */
  readonly result: unknown
  readonly error: WireError | undefined
}

/** One message of a frame. */
export type IncomingMessage = RequestMessage | NotificationMessage | InvalidMessage | ClientResponseMessage

/** What a frame holds: one message, a batch of them, or an error answered at once. */
export type ParsedFrame =
  | { readonly _tag: "Single"; readonly message: IncomingMessage }
  | { readonly _tag: "Batch"; readonly messages: ReadonlyArray<IncomingMessage> }

/** A frame as delivered by a transport. */
export type Frame =
  | { readonly _tag: "Text"; readonly text: string }
  | { readonly _tag: "Oversized"; readonly bytes: number }

/** A response object ready to be serialized. */
export type ResponseMessage =
  | { readonly id: RequestId; readonly result: unknown }
  | { readonly id: RequestId; readonly error: WireError }

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const isValidId = (value: unknown): value is RequestId =>
  value === null || typeof value === "string" || (typeof value === "number" && Number.isFinite(value))

const invalid = (id: RequestId, message: string): InvalidMessage => ({
  _tag: "Invalid",
  id,
  error: { code: ErrorCode.InvalidRequest, message }
})

/** A client's error object as a wire error (a malformed one still counts as an error). */
const wireErrorOf = (value: unknown): WireError =>
  isRecord(value) && typeof value.code === "number" && typeof value.message === "string"
    ? { code: value.code, message: value.message, ...(value.data === undefined ? {} : { data: value.data }) }
    : { code: ErrorCode.InternalError, message: "malformed error answer" }

/** Classifies one decoded JSON value as a request, notification or invalid message. */
export const classify = (value: unknown): IncomingMessage => {
  if (!isRecord(value)) return invalid(null, "invalid request: expected a JSON object")
  const hasId = "id" in value
  if (hasId && !isValidId(value.id)) return invalid(null, "invalid request: id must be a string, a number or null")
  const id = hasId ? (value.id as RequestId) : null
  if (typeof value.method !== "string") {
    if (!("method" in value) && ("result" in value || "error" in value)) {
      return { _tag: "ClientResponse", id, result: value.result, error: "error" in value ? wireErrorOf(value.error) : undefined }
    }
    return invalid(id, "invalid request: method must be a string")
  }
  if ("jsonrpc" in value && value.jsonrpc !== "2.0") return invalid(id, "invalid request: jsonrpc must be \"2.0\"")
  return hasId
    ? { _tag: "Request", id, method: value.method, params: value.params }
    : { _tag: "Notification", method: value.method, params: value.params }
}

/** Parses the text of one frame. Malformed JSON yields a -32700 error message. */
export const parseFrame = (text: string): ParsedFrame => {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return {
      _tag: "Single",
      message: {
        _tag: "Invalid",
        id: null,
        error: { code: ErrorCode.ParseError, message: `parse error: ${(error as Error).message}` }
      }
    }
  }
  if (Array.isArray(value)) {
    return value.length === 0
      ? { _tag: "Single", message: invalid(null, "invalid request: empty batch") }
      : { _tag: "Batch", messages: value.map(classify) }
  }
  return { _tag: "Single", message: classify(value) }
}

/** The error answered for a frame over the size limit. */
export const oversizedError = (bytes: number, limit: number): ResponseMessage => ({
  id: null,
  error: {
    code: ErrorCode.InvalidRequest,
    message: `message of ${bytes} bytes exceeds the limit of ${limit} bytes`,
    // Unread, so without an id: the size lets a client tell which request it was.
    data: { bytes, limit, reason: "messageTooLarge" }
  }
})

/** The answer to a request over the connection's limit of requests in flight: retryable. */
export const busyError = (id: RequestId, limit: number): ResponseMessage => ({
  id,
  error: toWireError(
    serverBusy(
      `server busy: this connection already has ${limit} requests in flight (--max-inflight-requests); retry once some are answered`,
      "inflightRequests"
    )
  )
})

/** The answer to a request beyond the bytes a connection may have in flight (requests waiting for their turn included). */
export const busyBytesError = (id: RequestId, limit: number): ResponseMessage => ({
  id,
  error: toWireError(
    serverBusy(
      `server busy: this connection's requests in flight already hold ${limit} bytes (--max-inflight-request-bytes); ` +
        "retry once some are answered",
      "inflightRequestBytes"
    )
  )
})

/** Serializes a response. `id` is written first, as clients read it first. */
export const encodeResponse = (response: ResponseMessage): string => JSON.stringify(response)

/** A serialized message: JSON text, or its UTF-8 bytes (built without an intermediate string). */
export type OutgoingMessage = string | Uint8Array

/** The size of a serialized message in bytes (exact for bytes, close for ASCII-heavy JSON text). */
export const messageSize = (message: OutgoingMessage): number =>
  typeof message === "string" ? message.length : message.byteLength

/** A serialized message as text. */
export const messageText = (message: OutgoingMessage): string =>
  typeof message === "string" ? message : Buffer.from(message.buffer, message.byteOffset, message.byteLength).toString("utf8")

/** Serializes a server notification. */
export const encodeNotification = (method: string, params: unknown): string => JSON.stringify({ method, params })

/** Serializes a request of the server's to its client. */
export const encodeRequest = (id: number, method: string, params: unknown): string => JSON.stringify({ id, method, params })
