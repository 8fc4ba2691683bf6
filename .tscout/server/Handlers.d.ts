/**
 * The handlers of every request and client notification, made with
 * `Group.toHandlersContext`, once per server: one module per group in
 * `handlers/` (handshake, process, fs, http), assembled here. What a
 * request needs of its connection (its `ClientSession`, the `Connection`,
 * the request's `ResponseHooks`) the dispatcher puts in each request's
 * context; exec methods are refused until the handshake is done.
 */
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import type { Connection, ResponseHooks } from "../jsonrpc/Connection.js";
import type { ClientSession } from "./ClientSession.js";
/** What the dispatcher puts in each request's context, so the handlers need none of it when they are built. */
export type PerRequest = ClientSession | Connection | ResponseHooks;
/** Every handler, as `Group.toHandlersContext` makes them, with what they need per request still asked. */
declare const allHandlers: Effect.Effect<Context.Context<import("@effect/rpc/Rpc").Handler<"process/start"> | import("@effect/rpc/Rpc").Handler<"process/write"> | import("@effect/rpc/Rpc").Handler<"process/read"> | import("@effect/rpc/Rpc").Handler<"process/terminate"> | import("@effect/rpc/Rpc").Handler<"process/resize"> | import("@effect/rpc/Rpc").Handler<"process/closeStdin"> | import("@effect/rpc/Rpc").Handler<"process/signal"> | import("@effect/rpc/Rpc").Handler<"process/list"> | import("@effect/rpc/Rpc").Handler<"fs/readFile"> | import("@effect/rpc/Rpc").Handler<"fs/writeFile"> | import("@effect/rpc/Rpc").Handler<"fs/createDirectory"> | import("@effect/rpc/Rpc").Handler<"fs/getMetadata"> | import("@effect/rpc/Rpc").Handler<"fs/readDirectory"> | import("@effect/rpc/Rpc").Handler<"fs/remove"> | import("@effect/rpc/Rpc").Handler<"fs/copy"> | import("@effect/rpc/Rpc").Handler<"fs/watchMissing"> | import("@effect/rpc/Rpc").Handler<"fs/watch"> | import("@effect/rpc/Rpc").Handler<"fs/unwatch"> | import("@effect/rpc/Rpc").Handler<"fs/walk"> | import("@effect/rpc/Rpc").Handler<"fs/canonicalize"> | import("@effect/rpc/Rpc").Handler<"fs/open"> | import("@effect/rpc/Rpc").Handler<"fs/readBlock"> | import("@effect/rpc/Rpc").Handler<"fs/writeBlock"> | import("@effect/rpc/Rpc").Handler<"fs/close"> | import("@effect/rpc/Rpc").Handler<"http/request"> | import("@effect/rpc/Rpc").Handler<"initialize"> | import("@effect/rpc/Rpc").Handler<"environment/info"> | import("@effect/rpc/Rpc").Handler<"environment/status"> | import("@effect/rpc/Rpc").Handler<"initialized">>, never, import("../sandbox/Sandbox.js").Sandbox | import("@effect/platform/FileSystem").FileSystem | import("./ServerConfig.js").ServerConfig | Connection | ResponseHooks | ClientSession>;
/** The handlers of every method, as the dispatcher looks them up. */
export type ServerHandlers = Effect.Effect.Success<typeof allHandlers>;
/**
 * Builds every handler once per server, from the server's services (built per
 * connection they were a third of the runtime's work of opening one). What
 * they need per request the dispatcher provides, so the build does not ask
 * for it. The groups' handlers are made directly (`Group.toHandlersContext`)
 * rather than by building their layers.
 */
export declare const serverHandlers: Effect.Effect<ServerHandlers, Effect.Effect.Error<typeof allHandlers>, Exclude<Effect.Effect.Context<typeof allHandlers>, PerRequest>>;
export {};
//# sourceMappingURL=Handlers.d.ts.map