import * as Effect from "effect/Effect";
import { ClientSession } from "../ClientSession.js";
import { ServerConfig } from "../ServerConfig.js";
/** `initialize`, and what it tells about the host: `environment/info`, `environment/status`. */
export declare const handshakeHandlers: Effect.Effect<import("effect/Context").Context<import("@effect/rpc/Rpc").Handler<"initialize"> | import("@effect/rpc/Rpc").Handler<"environment/info"> | import("@effect/rpc/Rpc").Handler<"environment/status">>, never, ServerConfig | ClientSession>;
/** `initialized`. */
export declare const clientNotificationHandlers: Effect.Effect<import("effect/Context").Context<import("@effect/rpc/Rpc").Handler<"initialized">>, never, ClientSession>;
//# sourceMappingURL=handshake.d.ts.map