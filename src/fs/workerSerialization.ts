/**
 * The wire of a sandboxed file worker, on both sides: Effect's own
 * schema-binary serialization. It frames itself on a byte stream and carries
 * bytes as bytes, so file contents and blocks (up to `maxReadFileBytes` in
 * one answer) travel without base64; both ends are this package's one
 * `WorkerRpcs`, so its fingerprinted positional layout always matches.
 * Chosen over a MessagePack library: no dependency, and each message is
 * written from its schema rather than by a generic encoder.
 * Apart from `WorkerRpcs`, which the server loads at start: the codec is
 * loaded with the first worker.
 */
import * as Effect from "effect/Effect"
import * as RpcSerialization from "effect/rpc/RpcSerialization"

/**
 * The worker's wire on both sides, frames unbounded (a `readFile` answer may
 * be as large as the server lets it be; both ends are this package's own code).
 */
export const workerSerialization: RpcSerialization.RpcSerialization["Service"] = Effect.runSync(
  Effect.provide(
    Effect.service(RpcSerialization.RpcSerialization),
    RpcSerialization.layerSchemaBinary({ maxFrameSize: "unbounded" })
  )
)
