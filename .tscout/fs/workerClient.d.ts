import * as RpcClient from "@effect/rpc/RpcClient";
import { RpcClientError } from "@effect/rpc/RpcClientError";
import type * as RpcGroup from "@effect/rpc/RpcGroup";
import type { FromServerEncoded } from "@effect/rpc/RpcMessage";
import * as Effect from "effect/Effect";
import type { ChildProcess } from "node:child_process";
import { type WorkerRpcs } from "./WorkerRpcs.js";
/** A worker's operations, as the server calls them. */
export type WorkerClient = RpcClient.RpcClient<RpcGroup.Rpcs<typeof WorkerRpcs>, RpcClientError>;
/**
 * The client's side of a worker's stdio: requests written to its stdin,
 * answers read from its stdout. When its stdout ends (the worker exited or
 * was killed), what still waits fails with an `RpcClientError`, as does
 * anything asked later; then `onEnd` runs.
 */
export declare const workerProtocol: (child: ChildProcess, onEnd: () => void) => Effect.Effect<{
    readonly run: (f: (data: FromServerEncoded) => Effect.Effect<void>) => Effect.Effect<never>;
    readonly send: (request: import("@effect/rpc/RpcMessage").FromClientEncoded, transferables?: ReadonlyArray<globalThis.Transferable>) => Effect.Effect<void, RpcClientError>;
    readonly supportsAck: boolean;
    readonly supportsTransferables: boolean;
}, never, import("effect/Scope").Scope>;
//# sourceMappingURL=workerClient.d.ts.map