/**
 * The wire of a sandboxed file worker, on both sides: MessagePack. It frames
 * itself on a byte stream and carries bytes as bytes, so file contents and
 * blocks (up to `maxReadFileBytes` in one answer) travel without base64.
 * Apart from `WorkerRpcs`, which the server loads at start: the codec is
 * loaded with the first worker.
 */
import * as RpcSerialization from "effect/rpc/RpcSerialization"

/**
 * The worker's wire on both sides: MessagePack, unbounded (a `readFile`
 * answer may be as large as the server lets it be; both ends are this
 * package's own code).
 */
export const workerSerialization: RpcSerialization.RpcSerialization["Type"] = RpcSerialization.makeMsgPack({
  useRecords: true,
  maxBufferSize: "unbounded"
})
