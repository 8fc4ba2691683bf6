/**
 * The exec-server client for code that does not use Effect: every method
 * runs the Effect client's own effect to a Promise (one implementation of
 * the protocol). Rejections are the Effect client's tagged errors as they
 * are (`err._tag === "NotFound"`); an aborted `signal` rejects with an
 * `AbortError`.
 */
import type * as Rpc from "@effect/rpc/Rpc";
import * as Effect from "effect/Effect";
import type { ExecServerRpcs } from "../protocol/rpcs.js";
import type { EnvironmentInfo, InitializeResult, ProcessInfo, ReadResult, SignalName, TerminalSize, WriteResult } from "../protocol/schema.js";
import type { ClientError, ConnectError, ExecTimeout, InitializeTimeout } from "./ClientError.js";
import * as ClientTransport from "./ClientTransport.js";
import * as ExecServerClient from "./ExecServerClient.js";
import type { ExitStatus, ProcessEvent } from "./ProcessChannel.js";
export type { ExitStatus, ProcessEvent } from "./ProcessChannel.js";
export type { ExecResult } from "./ExecServerClient.js";
/** Every failure a Promise of this module rejects with, but an abort. */
export type PromiseClientError = ClientError | ExecTimeout | InitializeTimeout | ConnectError;
/** Whether a rejection is one of the client's tagged errors (narrow further by `_tag`). */
export declare const isClientError: (error: unknown) => error is PromiseClientError;
/** What an aborted `signal` rejects with; `cause` is the signal's `reason`. */
export declare class AbortError extends Error {
    readonly name = "AbortError";
    readonly code = "ABORT_ERR";
    constructor(reason: unknown);
}
/** Options of a call that an `AbortSignal` may cancel. */
export interface Abortable {
    readonly signal?: AbortSignal | undefined;
}
type RpcOf<Tag extends string> = Extract<ExecServerRpcs, {
    readonly _tag: Tag;
}>;
type Promised<F> = F extends (...args: infer Args) => Effect.Effect<infer A, unknown> ? (...args: Args) => Promise<A> : never;
type FileSystemMethod = "readFile" | "writeFile" | "createDirectory" | "getMetadata" | "readDirectory" | "remove" | "copy" | "canonicalize" | "walk";
/**
 * The host filesystem through the server (`fs/*`). Paths are absolute or
 * `file://` URIs. `writeFile` sends data too large for one message in
 * blocks (still atomic); `readFileStream` reads a file of any size in blocks.
 */
export type ClientFileSystem = {
    readonly [K in FileSystemMethod]: Promised<ExecServerClient.ClientFileSystem[K]>;
} & {
    readonly readFileStream: (path: string, options?: {
        readonly blockBytes?: number;
    }) => AsyncIterable<Uint8Array>;
    /** The changes under a path, in batches, for as long as the loop over them runs. */
    readonly watch: (path: string, options?: {
        readonly recursive?: boolean;
    }) => AsyncIterable<ExecServerClient.PathChanges>;
    /**
     * Watches paths believed missing (and one believed present): `changed`
     * resolves once that belief may be wrong (at once when not `watching`);
     * `close()` ends the watch.
     */
    readonly watchMissing: (missing: ReadonlyArray<string>, options?: {
        readonly present?: string;
    }) => Promise<{
        readonly watching: boolean;
        readonly changed: Promise<void>;
        close(): Promise<void>;
    }>;
};
/** `http/request` through the server. */
export interface ClientHttp {
    readonly request: (request: ExecServerClient.HttpRequest) => Promise<ExecServerClient.HttpResponse<Uint8Array>>;
    /** The response once its headers are in; its body as an `AsyncIterable`; `close()` stops listening. */
    readonly stream: (request: ExecServerClient.HttpRequest) => Promise<ExecServerClient.HttpResponse<AsyncIterable<Uint8Array>> & {
        close(): Promise<void>;
    }>;
}
/** `start` options: the Effect client's, and a `signal` whose abort closes the handle (as `close()`). */
export type StartOptions = ExecServerClient.StartOptions & Abortable;
/** `exec` options: the Effect client's (`timeout` in milliseconds or a duration string), and a `signal` whose abort terminates the process. */
export type ExecOptions = ExecServerClient.ExecOptions & Abortable;
/** A process of the client's session. */
export interface Process {
    readonly processId: string;
    /**
     * Its events in seq order, ending after `Closed` (a `Gap` stands for output
     * the server evicted before the client read it). One loop at a time;
     * leaving a loop early keeps the events it had not reached for the next one.
     */
    events(): AsyncIterable<ProcessEvent>;
    /** The exit status, without consuming `events()`. */
    readonly exited: Promise<ExitStatus>;
    write(data: Uint8Array | string): Promise<WriteResult>;
    closeStdin(): Promise<WriteResult>;
    /** Resolves with whether the process is still running (a graceful terminate gives it `graceMs`). */
    terminate(options?: Parameters<ExecServerClient.ProcessHandle["terminate"]>[0]): Promise<boolean>;
    resize(size: TerminalSize): Promise<void>;
    /** Resolves with whether the signal was delivered. */
    signal(signal: SignalName): Promise<boolean>;
    read(options?: Parameters<ExecServerClient.ProcessHandle["read"]>[0]): Promise<ReadResult>;
    /**
     * Terminates a process this handle started, unless it was `detached`;
     * a handle from `client.process(id)` owns nothing, and this does nothing.
     */
    close(): Promise<void>;
    /** The same as `close()`, for `await using`. */
    [Symbol.asyncDispose](): Promise<void>;
}
/** The client of one session; close it (or `await using` it) to let the connection go. */
export interface Client {
    /** The session's id: pass it as `resumeSessionId` to take the session over from another client. */
    readonly sessionId: string;
    /** What the server answered to `initialize`. */
    readonly server: InitializeResult;
    /**
     * Runs a command with pipes and collects its exit status and output (bytes,
     * or text with `encoding: "utf8"`); aborting `signal` terminates it.
     */
    exec(argv: ReadonlyArray<string>, options: ExecOptions & {
        readonly encoding: "utf8";
    }): Promise<ExecServerClient.ExecResult<string>>;
    exec(argv: ReadonlyArray<string>, options?: ExecOptions & {
        readonly encoding?: undefined;
    }): Promise<ExecServerClient.ExecResult>;
    exec(argv: ReadonlyArray<string>, options?: ExecOptions): Promise<ExecServerClient.ExecResult<Uint8Array | string>>;
    /** Starts a process owned by the returned handle: closing the handle, or the client, terminates it unless `detached`. */
    start(options: StartOptions): Promise<Process>;
    /** The handle of a process of the session that this client did not start. */
    process(processId: string): Process;
    list(): Promise<ReadonlyArray<ProcessInfo>>;
    wait(processId: string): Promise<ExitStatus>;
    /** Writes `input`, closes stdin and collects the output until the process closes (consumes its events). */
    communicate(processId: string, input?: Uint8Array | string): Promise<ExecServerClient.ExecResult>;
    readonly fs: ClientFileSystem;
    /** HTTP requests the server makes on the client's behalf. */
    readonly http: ClientHttp;
    /** The server's host (`environment/info`). */
    environment(): Promise<EnvironmentInfo>;
    /** Sends any request, typed by its schema. */
    call<Tag extends ExecServerClient.Method>(method: Tag, params: Rpc.Payload<RpcOf<Tag>>): Promise<Rpc.Success<RpcOf<Tag>>>;
    /** Terminates the processes it started (but detached ones) and closes the connection; later calls reject with `TransportClosed`. */
    close(): Promise<void>;
    /** The same as `close()`, for `await using`. */
    [Symbol.asyncDispose](): Promise<void>;
}
/** `connect` options: the Effect client's, the WebSocket's, and a `signal` that cancels connecting. */
export interface ConnectOptions extends ExecServerClient.ClientOptions, Abortable {
    /** Sent as `Authorization: Bearer <token>`: a capability token, or a signed one (a JWT). */
    readonly token?: string;
    /** A file holding the bearer token (whitespace trimmed), read at every connect. Ignored when `token` is given. */
    readonly tokenFile?: string;
    readonly connectTimeoutMs?: number;
}
/** `spawnLocal` options: those of the spawned server and of the client (which does not reconnect: the server dies with its processes). */
export type SpawnLocalOptions = ClientTransport.SpawnLocalOptions & Omit<ExecServerClient.ClientOptions, "reconnect" | "resumeSessionId"> & Abortable;
/** Connects to a server over WebSocket (`ws://` or `wss://`). */
export declare const connect: (url: string, options?: ConnectOptions) => Promise<Client>;
/**
 * Connects through any connector, as `connect` does through a WebSocket: a
 * NATS environment's (`NatsConnector.make`, or `NatsConnector.connectPromise`).
 */
export declare const connectWith: (connector: ExecServerClient.Connector, options?: ExecServerClient.ClientOptions & Abortable) => Promise<Client>;
/** Spawns a server of its own and talks to it over its stdio; closing the client stops the server. */
export declare const spawnLocal: (options?: SpawnLocalOptions) => Promise<Client>;
//# sourceMappingURL=PromiseClient.d.ts.map