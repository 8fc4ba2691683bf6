/** `initialize`, `initialized` and what the handshake tells about the host. */
import * as Effect from "effect/Effect"
import { SandboxedFs } from "../../fs/SandboxedFs.js"
import { HttpRequests } from "../../http/HttpRequests.js"
import { ResourceLimits, type ResourceLimitsShape } from "../../limits/ResourceLimits.js"
import type { ResourceLimitsInfo } from "../../protocol/schema.js"
import { ClientNotificationRpcs, HandshakeRpcs } from "../../protocol/rpcs.js"
import { ClientSession } from "../ClientSessionService.js"
import { environmentInfo } from "../environmentInfo.js"
import { ServerConfig } from "../ServerConfig.js"
import { SessionStore } from "../SessionStore.js"
import { sessionsOf } from "./common.js"

/** `initialize`, what it tells about the host (`environment/info`, `environment/status`), and the sessions (`session/list`). */
export const handshakeHandlers = HandshakeRpcs.toHandlers(Effect.gen(function*() {
  const config = yield* ServerConfig
  const store = yield* SessionStore
  const sandboxedFiles = (yield* SandboxedFs).available
  const http = (yield* HttpRequests).available
  const resources = resourcesInfo(yield* ResourceLimits)
  const info = () =>
    environmentInfo({ environment: config.environment ?? process.env, sandboxedFiles, http })
  return {
    initialize: (params) =>
      Effect.flatMap(ClientSession, (session) =>
        // In the schema's order, as Effect 3 encoded it (Effect 4 sends it as it is).
        Effect.map(session.initialize(params), (result) => ({
          protocolVersion: result.protocolVersion,
          sessionId: result.sessionId,
          environmentInfo: info(),
          serverInfo: result.serverInfo,
          limits: result.limits === undefined ? undefined : { ...result.limits, resources },
          ...(result.detachTtlMs === undefined ? {} : { detachTtlMs: result.detachTtlMs }),
          ...(result.notifications === undefined ? {} : { notifications: result.notifications })
        }))),
    "environment/info": () => Effect.sync(info),
    "environment/status": () => Effect.succeed({ status: "ready" as const }),
    // Every session, as the console sees them: whoever may connect may run anything as this user already.
    "session/list": () => sessionsOf(store)
  }
}))

/** `initialized`. */
export const clientNotificationHandlers = ClientNotificationRpcs.toHandlers({
  initialized: () => Effect.flatMap(ClientSession, (session) => session.initialized)
})

/** What `initialize.limits.resources` says of the server's resource limits. */
const resourcesInfo = (limits: ResourceLimitsShape): ResourceLimitsInfo => {
  const defined = <A extends object>(fields: A): A =>
    Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as A
  const ceilings = {
    process: defined({ memoryBytes: limits.operator.process.memoryBytes, pids: limits.operator.process.pids, cpu: limits.operator.process.cpu }),
    session: defined({ memoryBytes: limits.operator.session.memoryBytes, pids: limits.operator.session.pids }),
    sessionRequests: true
  }
  return limits.availability._tag === "Available"
    ? { available: true, cgroup: limits.availability.version, ...ceilings }
    : { available: false, reason: limits.availability.reason, ...ceilings }
}
