/**
 * The server's side of a sandboxed file worker's stdio: an `RpcClient`
 * protocol of `WorkerRpcs` on its pipes. Apart from `SandboxedFs`, so that
 * the package's public types do not reach into @effect/rpc's client.
 */
import * as NodeStream from "@effect/platform-node/NodeStream";
import * as RpcClient from "@effect/rpc/RpcClient";
import { RpcClientError } from "@effect/rpc/RpcClientError";
import * as Effect from "effect/Effect";
import * as Stream from "effect/Stream";
import { workerSerialization } from "./WorkerRpcs.js";
/**
 * The client's side of a worker's stdio: requests written to its stdin,
 * answers read from its stdout. When its stdout ends (the worker exited or
 * was killed), what still waits fails with an `RpcClientError`, as does
 * anything asked later; then `onEnd` runs.
 */
export const workerProtocol = (child, onEnd) => RpcClient.Protocol.make((writeResponse) => Effect.gen(function* () {
    const parser = workerSerialization.unsafeMake();
    let ended;
    yield* NodeStream.fromReadable(() => child.stdout, (cause) => cause).pipe(Stream.runForEach((bytes) => Effect.suspend(() => Effect.forEach(parser.decode(bytes), writeResponse, { discard: true }))), Effect.exit, Effect.flatMap(() => {
        ended = new RpcClientError({ reason: "Protocol", message: "the sandboxed file worker ended" });
        return writeResponse({ _tag: "ClientProtocolError", error: ended });
    }), Effect.ensuring(Effect.sync(onEnd)), Effect.interruptible, Effect.forkScoped);
    return {
        send: (request) => Effect.suspend(() => {
            if (ended !== undefined)
                return Effect.fail(ended);
            const encoded = parser.encode(request);
            if (encoded !== undefined)
                child.stdin.write(encoded);
            return Effect.void;
        }),
        supportsAck: true,
        supportsTransferables: false
    };
}));
//# sourceMappingURL=workerClient.js.map