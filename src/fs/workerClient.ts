/**
 * The server's side of a sandboxed file worker's stdio: an `RpcClient`
 * protocol of `WorkerRpcs` on its pipes. Apart from `SandboxedFs`, so that
 * the package's public types do not reach into effect/rpc's client, and
 * loaded when the first worker starts: a server that never starts one does
 * not load the RPC client nor its codec (issue 33, cold start).
 */
import * as NodeStream from "@effect/platform-node/NodeStream"
import * as Effect from "effect/Effect"
import * as RpcClient from "effect/rpc/RpcClient"
import { RpcClientDefect, RpcClientError } from "effect/rpc/RpcClientError"
import type * as RpcGroup from "effect/rpc/RpcGroup"
import type { FromServerEncoded } from "effect/rpc/RpcMessage"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { ChildProcess } from "node:child_process"
import { WorkerRpcs } from "./WorkerRpcs.js"
import { workerSerialization } from "./workerSerialization.js"

/** A worker's operations, as the server calls them. */
export type WorkerClient = RpcClient.RpcClient<RpcGroup.Rpcs<typeof WorkerRpcs>, RpcClientError>

/**
 * The client's side of a worker's stdio: requests written to its stdin,
 * answers read from its stdout. When its stdout ends (the worker exited or
 * was killed), what still waits fails with an `RpcClientError`, as does
 * anything asked later; then `onEnd` runs.
 */
export const workerProtocol = (child: ChildProcess, onEnd: () => void) =>
  RpcClient.Protocol.make((writeResponse, clientIds) =>
    Effect.gen(function*() {
      const parser = workerSerialization.makeUnsafe()
      // One client per worker: what the worker answers is its client's (clients are numbered across the process).
      const deliver = (response: FromServerEncoded) =>
        Effect.forEach(clientIds, (clientId) => writeResponse(clientId, response), { discard: true })
      let ended: RpcClientError | undefined
      yield* NodeStream.fromReadable<Uint8Array, unknown>({ evaluate: () => child.stdout!, onError: (cause) => cause }).pipe(
        Stream.runForEach((bytes) =>
          Effect.suspend(() =>
            Effect.forEach(parser.decode(bytes) as ReadonlyArray<FromServerEncoded>, deliver, { discard: true })
          )
        ),
        Effect.exit,
        Effect.flatMap(() => {
          ended = new RpcClientError({
            reason: new RpcClientDefect({ message: "the sandboxed file worker ended", cause: undefined })
          })
          return deliver({ _tag: "ClientProtocolError", error: ended })
        }),
        Effect.ensuring(Effect.sync(onEnd)),
        Effect.interruptible,
        Effect.forkScoped
      )
      return {
        send: (_clientId, request) =>
          Effect.suspend(() => {
            if (ended !== undefined) return Effect.fail(ended)
            const encoded = parser.encode(request)
            if (encoded !== undefined) child.stdin!.write(encoded)
            return Effect.void
          }),
        supportsAck: true,
        supportsTransferables: false,
        codecFor: workerSerialization.codecFor
      }
    })
  )

/** A client of the worker `child` for as long as the scope lives; `onEnd` runs once its stdout has ended. */
export const makeWorkerClient = (child: ChildProcess, onEnd: () => void): Effect.Effect<WorkerClient, never, Scope.Scope> =>
  RpcClient.make(WorkerRpcs, { disableTracing: true }).pipe(
    Effect.provideServiceEffect(RpcClient.Protocol, workerProtocol(child, onEnd))
  )
