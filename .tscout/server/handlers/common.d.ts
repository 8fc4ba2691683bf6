/** What the handlers of every group share. */
import * as Effect from "effect/Effect";
import { ClientSession } from "../ClientSession.js";
/** -32600 unless the current connection's handshake is complete. */
export declare const requireReady: Effect.Effect<void, import("../../index.js").InvalidRequest, ClientSession>;
//# sourceMappingURL=common.d.ts.map