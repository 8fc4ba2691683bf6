import * as Effect from "effect/Effect";
import * as Stream from "effect/Stream";
import type { OutputStream, ReadResult } from "../protocol/schema.js";
import type { ClientError } from "./ClientError.js";
/** An event of one process, as the client delivers it, in `seq` order. */
export type ProcessEvent = {
    readonly _tag: "Output";
    readonly seq: number;
    readonly stream: OutputStream;
    readonly bytes: Uint8Array;
} | {
    readonly _tag: "Exited";
    readonly seq: number;
    readonly exitCode: number;
    readonly signal: string | null;
    readonly sandboxDenied: boolean;
} | {
    readonly _tag: "Closed";
    readonly seq: number;
}
/** Events `fromSeq`..`seq` (output) were evicted from the server's retention before the client read them. */
 | {
    readonly _tag: "Gap";
    readonly fromSeq: number;
    readonly seq: number;
};
/** How a process ended. */
export interface ExitStatus {
    readonly exitCode: number;
    readonly signal: string | null;
    /** The process was sandboxed and most likely failed because the sandbox refused it something. */
    readonly sandboxDenied: boolean;
}
/** What a channel needs from its client. */
export interface ChannelOptions {
    readonly processId: string;
    /** Bytes of output held for the consumer (queued and ahead of a gap) at most. */
    readonly maxBufferedBytes: number;
    /** `process/read` of this process. */
    readonly read: (params: {
        readonly afterSeq: number;
        readonly maxBytes: number;
    }) => Effect.Effect<ReadResult, ClientError>;
    /** Runs an effect in the client's scope (catch-up reads). */
    readonly fork: (effect: Effect.Effect<void>) => void;
    /** Called once `Closed` is queued: the client forgets the channel. */
    readonly onClosed: () => void;
}
/** A process's event queue and its catch-up from the server. */
export declare class ProcessChannel {
    private readonly options;
    private queue;
    private queuedBytes;
    /** Live events past a gap, kept (within the bound; `Exited` and `Closed` always) until it is filled. */
    private readonly held;
    private heldBytes;
    /** The seq the queue takes next. */
    private nextSeq;
    /** The highest seq seen live, queued or not. */
    private maxSeenSeq;
    /** Live events are not queued directly: the channel is reading its way forward. */
    private catchingUp;
    private catchUpRunning;
    private closedQueued;
    private failure;
    private consumer;
    private roomWaiter;
    private exitStatus;
    private readonly exitedDeferred;
    constructor(options: ChannelOptions);
    get processId(): string;
    /** The exit status once known: from the live `exited`, or from a read. */
    readonly exited: Effect.Effect<ExitStatus, ClientError>;
    /** Whether `Closed` is queued or the channel failed: nothing more comes. */
    get finished(): boolean;
    /** The events, ending after `Closed`. One consumer. */
    readonly events: Stream.Stream<ProcessEvent, ClientError>;
    private take;
    private wakeConsumer;
    private wakeCatchUp;
    private recordExit;
    private push;
    private hold;
    /** A live notification of the process. */
    offer(event: ProcessEvent): void;
    /**
     * The connection came back (or the channel was made for a process the
     * client did not start): what happened meanwhile is read from the server,
     * and the exit status is asked for at once, whether or not the consumer
     * has room for the output.
     */
    resync(): void;
    private readonly probe;
    private recordExitOf;
    private startCatchUp;
    private readonly waitForRoom;
    private readonly catchUp;
    /** Queues what a read returned, in seq order, with the held live events and a `Gap` where the server evicted. */
    private apply;
    private failWith;
    /** Nothing more will come: the consumer and `exited` fail with `error` (after what is queued). */
    fail(error: ClientError): void;
}
//# sourceMappingURL=ProcessChannel.d.ts.map