/**
 * HTTP requests the server makes on the client's behalf (`http/request`) on
 * the peer: the body buffered, or streamed from the server's
 * `http/request/bodyDelta` notifications, which it routes to their streams.
 */
import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import type * as Stream from "effect/Stream";
import type { ClientError } from "./ClientError.js";
import type { JsonRpcPeer } from "./JsonRpcPeer.js";
/** An HTTP request for the server to make. */
export interface HttpRequest {
    readonly method?: string;
    readonly url: string;
    /** In order; `valueEnvVar` appends a variable of the server's environment. */
    readonly headers?: ReadonlyArray<{
        readonly name: string;
        readonly value?: string;
        readonly valueEnvVar?: string;
    }>;
    readonly body?: Uint8Array | string;
    /** One deadline for the whole exchange, body included. */
    readonly timeoutMs?: number;
    readonly redirectPolicy?: "follow" | "stop";
}
/** An HTTP response, its body whole or as a stream. */
export interface HttpResponse<Body> {
    readonly status: number;
    readonly headers: ReadonlyArray<{
        readonly name: string;
        readonly value: string;
    }>;
    readonly body: Body;
}
/** `http/request`, buffered or streamed. */
export interface ClientHttp {
    readonly request: (request: HttpRequest) => Effect.Effect<HttpResponse<Uint8Array>, ClientError>;
    /**
     * The response as soon as its headers are in, its body a stream of the
     * server's `http/request/bodyDelta`s (failing when the body did); closing
     * the scope stops listening.
     */
    readonly stream: (request: HttpRequest) => Effect.Effect<HttpResponse<Stream.Stream<Uint8Array, ClientError>>, ClientError, Scope.Scope>;
}
/** The http API on `peer`; a streamed body fails when the connection it comes on drops. */
export declare const make: (peer: JsonRpcPeer) => ClientHttp;
//# sourceMappingURL=http.d.ts.map