/** `process/*`: each request goes to the session's process table or one of its actors. */
import * as Effect from "effect/Effect";
import { ClientSession } from "../ClientSession.js";
import { ServerConfig } from "../ServerConfig.js";
/** `process/*`. */
export declare const processHandlers: Effect.Effect<import("effect/Context").Context<import("@effect/rpc/Rpc").Handler<"process/start"> | import("@effect/rpc/Rpc").Handler<"process/write"> | import("@effect/rpc/Rpc").Handler<"process/read"> | import("@effect/rpc/Rpc").Handler<"process/terminate"> | import("@effect/rpc/Rpc").Handler<"process/resize"> | import("@effect/rpc/Rpc").Handler<"process/closeStdin"> | import("@effect/rpc/Rpc").Handler<"process/signal"> | import("@effect/rpc/Rpc").Handler<"process/list">>, never, import("../../sandbox/Sandbox.js").Sandbox | ServerConfig | import("../../jsonrpc/Connection.js").ResponseHooks | ClientSession>;
//# sourceMappingURL=process.d.ts.map