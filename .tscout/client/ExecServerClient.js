import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import * as ClientTransport from "./ClientTransport.js";
import * as ClientFs from "./fs.js";
import * as ClientHttp from "./http.js";
import * as JsonRpcPeer from "./JsonRpcPeer.js";
import * as ClientProcesses from "./process.js";
/** The exec-server client. */
export class ExecServerClient extends Context.Tag("effect-exec-server/ExecServerClient")() {
}
/**
 * Makes a client: connects, performs the handshake, routes responses and
 * events, and (when the session may detach) reconnects on a drop.
 */
export const make = (connector, options = {}) => Effect.gen(function* () {
    const peer = yield* JsonRpcPeer.make(connector, options);
    // Subscribed before the first link is up.
    const processes = ClientProcesses.make(peer, options);
    const http = ClientHttp.make(peer);
    const server = yield* peer.open;
    const fs = yield* ClientFs.make(peer, options.sandbox);
    const call = (method, params) => peer.call(method, params);
    return {
        server,
        http,
        environment: call("environment/info", {}),
        get sessionId() {
            return peer.sessionId ?? server.sessionId;
        },
        fs,
        call,
        ...processes
    };
});
/** A client connected over WebSocket (reconnecting to the same URL). */
export const layerWebSocket = (options) => Layer.scoped(ExecServerClient, make(ClientTransport.webSocket(options), options));
/**
 * A client of a server it spawns and owns (killed with its process group
 * when the layer closes). A server that dies takes its processes with it,
 * so this client does not reconnect.
 */
export const layerSpawnLocal = (options = {}) => Layer.scoped(ExecServerClient, make(ClientTransport.spawnLocal(options), { ...options, reconnect: false }));
//# sourceMappingURL=ExecServerClient.js.map