/**
 * The client's JSON-RPC peer of exec-server: one link to the server at a
 * time, the requests waiting for their answers, each request encoded and
 * its answer decoded with its Rpc's codecs, server notifications decoded
 * with their Rpc's schema and handed to their subscriber; and, for a session
 * that may detach, the link made again after a drop (one backoff `Schedule`)
 * with the session resumed. It performs the handshake but knows no feature:
 * processes, fs and http are built on it.
 */
import type * as Rpc from "@effect/rpc/Rpc";
import type * as RpcGroup from "@effect/rpc/RpcGroup";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Schedule from "effect/Schedule";
import * as Scope from "effect/Scope";
import { type ExecServerRpcs as ExecServerRpc, ServerNotificationRpcs } from "../protocol/rpcs.js";
import type { InitializeResult } from "../protocol/schema.js";
import { type ClientError, type ConnectError, type ConnectionLost, InitializeTimeout } from "./ClientError.js";
import type * as ClientTransport from "./ClientTransport.js";
/** The requests, by name. */
export type RpcOf<Tag extends string> = Extract<ExecServerRpc, {
    readonly _tag: Tag;
}>;
/** The names of the requests. */
export type Method = ExecServerRpc["_tag"];
type ServerNotification = RpcGroup.Rpcs<typeof ServerNotificationRpcs>;
type NotificationOf<Tag extends string> = Extract<ServerNotification, {
    readonly _tag: Tag;
}>;
/** The names of the server's notifications. */
export type NotificationMethod = ServerNotification["_tag"];
/** How to reach the server: each evaluation makes a new connection, closed with its scope. */
export type Connector = Effect.Effect<ClientTransport.ClientTransport, ConnectError, Scope.Scope>;
/** How the client gets its connection back after a drop. */
export interface ReconnectOptions {
    /**
     * Attempts before giving up with `ReconnectFailed` (default: as many as
     * fit in the session's `detachTtlMs`, after which the server has ended it).
     */
    readonly maxAttempts?: number;
    /** Delay before the first attempt, doubled for each next one (default 100 ms). */
    readonly initialDelayMs?: number;
    /** The longest delay between attempts (default 5000 ms). */
    readonly maxDelayMs?: number;
}
/** What the peer needs of the client's options. */
export interface PeerOptions {
    readonly clientName?: string;
    readonly initializeTimeoutMs?: number;
    readonly detachTtlMs?: number;
    readonly resumeSessionId?: string;
    /** How long the first resume waits for a session another connection still holds (default 10 s). */
    readonly resumeWaitMs?: number;
    readonly reconnect?: false | ReconnectOptions;
    readonly maxMessageBytes?: number;
}
/** What a feature built on the peer hears of the connection. */
export interface LinkListener {
    /**
     * The link dropped (resumed or not), or the peer shut down: what lived as
     * long as the server's connection (a watch, a streamed body) is gone.
     */
    readonly linkLost?: (error: ClientError) => void;
    /** The session is back on a new link. */
    readonly resumed?: () => void;
    /** Nothing more can be done: every call fails with `error` from now on. */
    readonly shutDown?: (error: ConnectionLost) => void;
}
/** The backoff of connecting again: the delays between attempts. */
export interface Backoff {
    readonly initialDelayMs: number;
    readonly maxDelayMs: number;
    readonly maxAttempts: number;
    /** No attempt starts after this (`Clock` millis). */
    readonly deadline: number;
}
/**
 * Delays doubling from `initialDelayMs` up to `maxDelayMs`, at most
 * `maxAttempts` of them, and none whose attempt would start after `deadline`.
 */
export declare const backoff: (settings: Backoff) => Schedule.Schedule<Duration.Duration>;
/** The server still sees an earlier connection holding the session (it has not noticed the drop yet, or another client has it). */
export declare const isHeldElsewhere: (error: {
    readonly _tag: string;
    readonly message: string;
}) => boolean;
type ConnectFailure = InitializeTimeout | ClientError | ConnectError;
/** The peer: requests out, answers and notifications in, the link kept up. */
export declare class JsonRpcPeer {
    private readonly connector;
    private readonly options;
    private readonly clientScope;
    /** Runs an effect in the client's scope. */
    readonly fork: (effect: Effect.Effect<void>) => void;
    private readonly pending;
    private readonly subscribers;
    private readonly listeners;
    private readonly detachTtlMs;
    private readonly reconnectOptions;
    private readonly initializeTimeoutMs;
    private link;
    private generation;
    private nextId;
    private closedBy;
    private currentSessionId;
    private messageLimit;
    constructor(connector: Connector, options: PeerOptions, clientScope: Scope.Scope, 
    /** Runs an effect in the client's scope. */
    fork: (effect: Effect.Effect<void>) => void);
    /** Why the peer shut down; undefined while it works. */
    get closed(): ConnectionLost | undefined;
    /** The session's id, once the first handshake is done. */
    get sessionId(): string | undefined;
    /** The largest message the server takes (as far as the peer knows). */
    get maxMessageBytes(): number;
    /** Hands each `method` notification, decoded with its Rpc's schema, to `handler` (one per method). */
    subscribe<Tag extends NotificationMethod>(method: Tag, handler: (payload: Rpc.Payload<NotificationOf<Tag>>) => void): void;
    /** Tells `listener` of drops, resumes and the shutdown. */
    listen(listener: LinkListener): void;
    /** Sends a request, typed by its Rpc: params encoded and the result decoded with its schemas. */
    call<Tag extends Method>(method: Tag, params: Rpc.Payload<RpcOf<Tag>>): Effect.Effect<Rpc.Success<RpcOf<Tag>>, ClientError>;
    /** Sends encoded params, on the link or once one is up. */
    private request;
    private onText;
    private onMessage;
    private onResponse;
    /** A message the server refused unread (too large): its size tells which request it was. */
    private onRefusedUnread;
    /** Nothing more can be done: every call and what the features hold fail with `error`. */
    private shutDown;
    private sendOn;
    /** The link `current` is gone (its reader ended). */
    private onDrop;
    /** The reader of a link: every message in; the drop once it ends. */
    private read;
    /** `initialize` on a link that is not the peer's yet. */
    private initialize;
    /** Connects and performs the handshake (a resume once the session exists); the link becomes the peer's. */
    private readonly connect;
    /**
     * The first connection. A session another client just let go may still be
     * held on the server for a moment (its close is on the way): a resume
     * tries again then.
     */
    readonly open: Effect.Effect<InitializeResult, ConnectFailure>;
    /**
     * Connects again after a drop, after each delay of the backoff, until it
     * works, the attempts run out, or the session's TTL has passed (the server
     * has ended it by then). A server that answers that it does not know the
     * session, or refuses the credentials, ends the attempts at once.
     */
    private reconnect;
    /** Shuts down and closes the link: the client's scope is closing. */
    readonly close: Effect.Effect<void>;
}
/** A peer, not connected yet (`open` connects), shut down with the scope. */
export declare const make: (connector: Connector, options: PeerOptions) => Effect.Effect<JsonRpcPeer, never, Scope.Scope>;
export {};
//# sourceMappingURL=JsonRpcPeer.d.ts.map