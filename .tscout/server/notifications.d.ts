import type { ProcessEvent } from "../process/ProcessActor.js";
import type { OutgoingMessage } from "../wire/JsonRpc.js";
declare const STREAM_PART: {
    readonly stdout: ",\"stream\":\"stdout\",\"chunk\":\"";
    readonly stderr: ",\"stream\":\"stderr\",\"chunk\":\"";
    readonly pty: ",\"stream\":\"pty\",\"chunk\":\"";
};
/** Base64 of `bytes` at `out[offset]` through Node's string (where the addon is not built). */
export declare const writeBase64ViaString: (bytes: Uint8Array, out: Buffer, offset: number) => number;
/** `process/output` as UTF-8 JSON bytes. */
export declare const encodeOutput: (processId: string, seq: number, stream: keyof typeof STREAM_PART, bytes: Uint8Array, allocate?: (size: number) => Buffer) => Uint8Array;
/**
 * A process event as its notification; output is built in a buffer from
 * `allocate` (the connection's outbound pool, which takes it back once written).
 */
export declare const notificationOf: (event: ProcessEvent, allocate?: (size: number) => Buffer) => OutgoingMessage;
export {};
//# sourceMappingURL=notifications.d.ts.map