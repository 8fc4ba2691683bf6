/**
 * The client side of a connection: serialized messages in and out. One
 * implementation per way of reaching a server (WebSocket, a spawned child's
 * stdio, in-process).
 */
import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import * as Stream from "effect/Stream";
import { type ConnectError, TransportClosed } from "./ClientError.js";
/** A connected transport. */
export interface ClientTransport {
    /** Messages from the server; ends (or fails) when the connection is gone. */
    readonly incoming: Stream.Stream<string, TransportClosed>;
    readonly send: (messages: ReadonlyArray<string>) => Effect.Effect<void, TransportClosed>;
}
/** Options of a WebSocket connection. */
export interface WebSocketClientOptions {
    readonly url: string;
    /** Sent as `Authorization: Bearer <token>`: a capability token, or a signed one (a JWT). */
    readonly token?: string;
    /**
     * A file holding the bearer token (whitespace trimmed), read at every
     * connect: a short-lived JWT the file is renewed with is what a reconnect
     * sends. Ignored when `token` is given.
     */
    readonly tokenFile?: string;
    readonly connectTimeoutMs?: number;
}
/** Connects over WebSocket; the socket closes with the scope. */
export declare const webSocket: (options: WebSocketClientOptions) => Effect.Effect<ClientTransport, ConnectError, Scope.Scope>;
/** Options of a server spawned as a child process. */
export interface SpawnLocalOptions {
    /** The server command; default: this package's `exec-server` on the current Node. */
    readonly command?: ReadonlyArray<string>;
    /** Extra flags for the server. */
    readonly args?: ReadonlyArray<string>;
    /** Where the server's stderr goes: inherited (the default), ignored, or a file descriptor open for writing. */
    readonly stderr?: "inherit" | "ignore" | number;
    /**
     * The least severe log lines the server writes (its `--log-level`).
     * Default `"warning"`: warnings and errors only, so the server's INFO lines
     * do not mix into this program's stderr. Passed to a custom `command`, or
     * beside a `--log-level` in `args`, only when given (and then it wins).
     */
    readonly logLevel?: SpawnLocalLogLevel;
    /** How long the server may take to stop after its stdin closes before its group is killed. Default 5 s. */
    readonly stopTimeoutMs?: number;
    /** The server's working directory (the default `cwd` of its processes). Default: this process's. */
    readonly cwd?: string;
    /** The server's environment (what its processes inherit by policy). Default: this process's. */
    readonly env?: Readonly<Record<string, string>>;
}
/** The values of the server's `--log-level`. */
export type SpawnLocalLogLevel = "all" | "trace" | "debug" | "info" | "warning" | "error" | "fatal" | "none";
/** The built `exec-server` entry point of this package (from `src/` or `dist/`). */
export declare const localServerBin: string;
/** The Node flags of the binary's shebang (see `src/cli/main.ts`), for starting it with `node` explicitly. */
export declare const serverNodeFlags: ReadonlyArray<string>;
/**
 * Spawns a server and talks to it over its stdio. When the scope closes the
 * server's stdin is closed (it terminates its processes and exits); a server
 * that does not exit in time is killed with its process group.
 */
export declare const spawnLocal: (options?: SpawnLocalOptions) => Effect.Effect<ClientTransport, TransportClosed, Scope.Scope>;
//# sourceMappingURL=ClientTransport.d.ts.map