import * as Effect from "effect/Effect";
import { Connection } from "../../jsonrpc/Connection.js";
import { ClientSession } from "../ClientSession.js";
import { ServerConfig } from "../ServerConfig.js";
export declare const httpHandlers: Effect.Effect<import("effect/Context").Context<import("@effect/rpc/Rpc").Handler<"http/request">>, never, ServerConfig | Connection | import("../../jsonrpc/Connection.js").ResponseHooks | ClientSession>;
//# sourceMappingURL=http.d.ts.map