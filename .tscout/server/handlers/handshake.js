/** `initialize`, `initialized` and what the handshake tells about the host. */
import * as HttpClient from "@effect/platform/HttpClient";
import * as Effect from "effect/Effect";
import * as Option from "effect/Option";
import { SandboxedFs } from "../../fs/SandboxedFs.js";
import { ClientNotificationRpcs, HandshakeRpcs } from "../../protocol/rpcs.js";
import { ClientSession } from "../ClientSession.js";
import { environmentInfo } from "../environmentInfo.js";
import { ServerConfig } from "../ServerConfig.js";
import { requireReady } from "./common.js";
/** `initialize`, and what it tells about the host: `environment/info`, `environment/status`. */
export const handshakeHandlers = HandshakeRpcs.toHandlersContext(Effect.gen(function* () {
    const config = yield* ServerConfig;
    const sandboxedFiles = Option.isSome(yield* Effect.serviceOption(SandboxedFs));
    const http = Option.isSome(yield* Effect.serviceOption(HttpClient.HttpClient));
    const info = () => environmentInfo({ version: config.serverVersion, environment: config.environment ?? process.env, sandboxedFiles, http });
    return {
        initialize: (params) => Effect.flatMap(ClientSession, (session) => Effect.map(session.initialize(params), (result) => ({ ...result, environmentInfo: info() }))),
        "environment/info": () => Effect.as(requireReady, info()),
        "environment/status": () => Effect.as(requireReady, { status: "ready" })
    };
}));
/** `initialized`. */
export const clientNotificationHandlers = ClientNotificationRpcs.toHandlersContext({
    initialized: () => Effect.flatMap(ClientSession, (session) => session.initialized)
});
//# sourceMappingURL=handshake.js.map