/**
 * The JSON-RPC wire format of exec-server: parsing one frame (a stdio line or
 * a WebSocket message) into messages, and writing responses and
 * notifications. Pure functions; no I/O.
 */
import { ErrorCode, ServerBusy, toWireError } from "../protocol/errors.js";
/** The largest message a peer accepts unless told otherwise (16 MiB). */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** Bytes of requests a connection may have in flight by default: four of the largest messages. */
export const DEFAULT_MAX_INFLIGHT_REQUEST_BYTES = 4 * DEFAULT_MAX_MESSAGE_BYTES;
const isRecord = (value) => typeof value === "object" && value !== null && !Array.isArray(value);
const isValidId = (value) => value === null || typeof value === "string" || (typeof value === "number" && Number.isFinite(value));
const invalid = (id, message) => ({
    _tag: "Invalid",
    id,
    error: { code: ErrorCode.InvalidRequest, message }
});
/** Classifies one decoded JSON value as a request, notification or invalid message. */
export const classify = (value) => {
    if (!isRecord(value))
        return invalid(null, "invalid request: expected a JSON object");
    const hasId = "id" in value;
    if (hasId && !isValidId(value.id))
        return invalid(null, "invalid request: id must be a string, a number or null");
    const id = hasId ? value.id : null;
    if (typeof value.method !== "string") {
        if (!("method" in value) && ("result" in value || "error" in value))
            return { _tag: "ClientResponse" };
        return invalid(id, "invalid request: method must be a string");
    }
    if ("jsonrpc" in value && value.jsonrpc !== "2.0")
        return invalid(id, "invalid request: jsonrpc must be \"2.0\"");
    return hasId
        ? { _tag: "Request", id, method: value.method, params: value.params }
        : { _tag: "Notification", method: value.method, params: value.params };
};
/** Parses the text of one frame. Malformed JSON yields a -32700 error message. */
export const parseFrame = (text) => {
    let value;
    try {
        value = JSON.parse(text);
    }
    catch (error) {
        return {
            _tag: "Single",
            message: {
                _tag: "Invalid",
                id: null,
                error: { code: ErrorCode.ParseError, message: `parse error: ${error.message}` }
            }
        };
    }
    if (Array.isArray(value)) {
        return value.length === 0
            ? { _tag: "Single", message: invalid(null, "invalid request: empty batch") }
            : { _tag: "Batch", messages: value.map(classify) };
    }
    return { _tag: "Single", message: classify(value) };
};
/** The error answered for a frame over the size limit. */
export const oversizedError = (bytes, limit) => ({
    id: null,
    error: {
        code: ErrorCode.InvalidRequest,
        message: `message of ${bytes} bytes exceeds the limit of ${limit} bytes`,
        // Unread, so without an id: the size lets a client tell which request it was.
        data: { bytes, limit }
    }
});
/** The answer to a request over the connection's limit of requests in flight: retryable. */
export const busyError = (id, limit) => ({
    id,
    error: toWireError(new ServerBusy({
        message: `server busy: this connection already has ${limit} requests in flight (--max-inflight-requests); retry once some are answered`,
        limit: "inflightRequests"
    }))
});
/** The answer to a request beyond the bytes a connection may have in flight (requests waiting for their turn included). */
export const busyBytesError = (id, limit) => ({
    id,
    error: toWireError(new ServerBusy({
        message: `server busy: this connection's requests in flight already hold ${limit} bytes (--max-inflight-request-bytes); ` +
            "retry once some are answered",
        limit: "inflightRequestBytes"
    }))
});
/** Serializes a response. `id` is written first, as clients read it first. */
export const encodeResponse = (response) => JSON.stringify(response);
/** The size of a serialized message in bytes (exact for bytes, close for ASCII-heavy JSON text). */
export const messageSize = (message) => typeof message === "string" ? message.length : message.byteLength;
/** A serialized message as text. */
export const messageText = (message) => typeof message === "string" ? message : Buffer.from(message.buffer, message.byteOffset, message.byteLength).toString("utf8");
/** Serializes a server notification. */
export const encodeNotification = (method, params) => JSON.stringify({ method, params });
//# sourceMappingURL=JsonRpc.js.map