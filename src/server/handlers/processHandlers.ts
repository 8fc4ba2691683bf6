/** `process/*`: each request goes to the session's process table or one of its actors. */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { afterResponse } from "../../jsonrpc/Connection.js"
import type { ProcessActor } from "../../process/ProcessActor.js"
import { limitsOfStart, resolveStart } from "../../process/ProcessStart.js"
import { ResourceLimits } from "../../limits/ResourceLimits.js"
import { makeSnapshotCache, type SnapshotCache } from "../../process/shellSnapshot.js"
import { InvalidRequest } from "../../protocol/errors.js"
import { ProcessRpcs } from "../../protocol/rpcs.js"
import type { WriteStatus } from "../../protocol/schema.js"
import { ClientSession, type ConnectionResource } from "../ClientSessionService.js"
import { ServerConfig } from "../ServerConfig.js"

const writeResult = (status: WriteStatus) => ({ accepted: status === "accepted", status })

/** The connection's shell snapshots, made with its first start that asks for one. */
const SHELL_SNAPSHOTS: ConnectionResource<SnapshotCache> = { name: "shell snapshots" }

/** `process/*`. */
export const processHandlers = ProcessRpcs.toHandlers(Effect.gen(function*() {
  const config = yield* ServerConfig
  const limits = yield* ResourceLimits
  const processes = Effect.flatMap(ClientSession, (session) => session.processes)
  /** The process, or -32600 for an unknown id. */
  const processOf = (processId: string) => Effect.flatMap(processes, (table) => table.get(processId))
  /** `use` of the process, or `unknown` when the id is not known (these methods answer, not fail). */
  const withKnownProcess = <A, E>(
    processId: string,
    unknown: A,
    use: (actor: ProcessActor) => Effect.Effect<A, E>
  ) =>
    Effect.flatMap(processes, (table) =>
      Option.match(table.find(processId), { onNone: () => Effect.succeed(unknown), onSome: use }))
  return {
    "process/start": (params) =>
      // The environment and the confinement are decided before the table claims anything.
      Effect.flatMap(processes, (table) =>
        Effect.flatMap(
          params.shellSnapshot == null
            ? Effect.succeed(undefined)
            : Effect.flatMap(ClientSession, (session) => session.resource(SHELL_SNAPSHOTS, Effect.sync(makeSnapshotCache))),
          (snapshots) =>
            Effect.flatMap(limitsOfStart(params, limits), (resources) =>
              Effect.map(resolveStart(params, config.environment ?? process.env, snapshots, table.dummies, {
                tcpUpstreamRequired: config.tcpUpstreamProxy !== undefined,
                transparentClientNetwork: config.sandboxTransparentTcp
              }), (start) => [table, { ...start, resources }] as const))
        )).pipe(
        Effect.flatMap(([table, start]) => table.start(start)),
        // Events wait until the start response is on its way to the client.
        Effect.tap((actor) => afterResponse(actor.release)),
        Effect.map((actor) => ({ processId: actor.processId, sandboxType: actor.sandboxType }))
      ),
    "process/write": ({ chunk, processId, writeId }) =>
      withKnownProcess(processId, writeResult("unknownProcess"), (actor) =>
        Effect.map(actor.write(chunk, writeId), writeResult)),
    "process/read": ({ afterSeq, maxBytes, processId, waitMs }) =>
      Effect.flatMap(processOf(processId), (actor) => actor.read({ afterSeq: afterSeq ?? 0, maxBytes, waitMs: waitMs ?? 0 })),
    "process/terminate": ({ graceMs, mode, processId }) =>
      withKnownProcess(processId, { running: false }, (actor) =>
        Effect.map(actor.terminate(mode, graceMs ?? config.graceMs), (running) => ({ running }))),
    "process/resize": ({ cols, processId, rows }) =>
      processOf(processId).pipe(
        Effect.flatMap((actor) =>
          actor.tty
            ? actor.resize({ rows, cols })
            : Effect.fail(new InvalidRequest({ message: `process ${processId} has no terminal to resize`, reason: "notATerminal" }))
        ),
        Effect.as({})
      ),
    "process/closeStdin": ({ processId }) =>
      withKnownProcess(processId, writeResult("unknownProcess"), (actor) => Effect.map(actor.closeStdin, writeResult)),
    // An unknown process is `{}`, as the reference answers it (Codex signals processes that may be gone).
    "process/signal": ({ processId, signal }) =>
      withKnownProcess<{ readonly delivered?: boolean }, never>(
        processId,
        {},
        (actor) => Effect.map(actor.signal(signal), (delivered) => ({ delivered }))
      ),
    "process/list": () =>
      processes.pipe(
        Effect.flatMap((table) => table.list),
        Effect.map((processes) => ({ processes }))
      )
  }
}))

