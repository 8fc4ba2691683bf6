/** What the handlers of every group share. */
import * as Effect from "effect/Effect";
import { ClientSession } from "../ClientSession.js";
/** -32600 unless the current connection's handshake is complete. */
export const requireReady = Effect.flatMap(ClientSession, (session) => session.requireReady);
//# sourceMappingURL=common.js.map