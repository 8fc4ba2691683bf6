/**
 * The floor of an Effect 4 stdio JSON-RPC server, for judging the cold
 * start: Effect's runtime, Schema, its rpc module (`RpcGroup`,
 * `RpcServer.layerProtocolStdio`, newline-delimited JSON-RPC) and
 * `@effect/platform-node`'s stdio and runtime, answering `initialize` and
 * nothing else. `effectStdioFloor.mjs` bundles it and builds its startup
 * snapshot as the server's are built, so the two start alike.
 */
import { NodeRuntime, NodeStdio } from "@effect/platform-node"
import { Effect, Layer, Schema } from "effect"
import { Rpc, RpcGroup, RpcSerialization, RpcServer } from "effect/rpc"
import * as v8 from "node:v8"

const Initialize = Rpc.make("initialize", {
  payload: { clientName: Schema.String, resumeSessionId: Schema.optional(Schema.String) },
  success: Schema.Struct({ sessionId: Schema.String })
})
const Rpcs = RpcGroup.make(Initialize)
const handlers = Rpcs.toLayer({ initialize: () => Effect.succeed({ sessionId: crypto.randomUUID() }) })

const main = RpcServer.layer(Rpcs).pipe(
  Layer.provide(handlers),
  Layer.provide(RpcServer.layerProtocolStdio),
  Layer.provide(RpcSerialization.layerNdJsonRpc({ controlMessages: false })),
  Layer.provide(NodeStdio.layer),
  Layer.launch
)

if (v8.startupSnapshot.isBuildingSnapshot()) v8.startupSnapshot.setDeserializeMainFunction(() => NodeRuntime.runMain(main))
else NodeRuntime.runMain(main)
