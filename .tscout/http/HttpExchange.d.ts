/**
 * `http/request`: an HTTP exchange the server makes on its client's behalf
 * (the reference uses it for MCP over streamable HTTP and OAuth discovery),
 * on @effect/platform's HttpClient. This module checks a request as the
 * reference does, follows redirects as browsers and reqwest do (at most 10;
 * a 301/302 turns a POST into a GET, a 303 anything but HEAD; credentials
 * are not carried to another origin), and maps failures to the protocol's
 * errors.
 */
import * as HttpClient from "@effect/platform/HttpClient";
import type * as HttpClientError from "@effect/platform/HttpClientError";
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse";
import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import { InternalError, InvalidParams } from "../protocol/errors.js";
import type { HttpRequestParams } from "../protocol/schema.js";
/** How many redirects are followed before the exchange fails. */
export declare const MAX_REDIRECTS = 10;
/** A request that passed the checks, ready to send. */
export interface CheckedRequest {
    readonly method: string;
    readonly url: URL;
    /** Lower-cased names, in first-seen order; repeated names joined with ", ". */
    readonly headers: ReadonlyArray<readonly [string, string]>;
    readonly body: Uint8Array | undefined;
}
/** Checks a request as the reference does; `environment` is the server's, for `valueEnvVar`. */
export declare const check: (params: HttpRequestParams, environment: Readonly<Record<string, string | undefined>>) => Effect.Effect<CheckedRequest, InvalidParams>;
/** The protocol's error for a failed exchange. */
export declare const failureOf: (error: HttpClientError.HttpClientError | InternalError) => InternalError;
/**
 * Sends the request and follows its redirects (unless `follow` is false):
 * the final response, whose body is read in the caller's scope.
 */
export declare const exchange: (request: CheckedRequest, follow: boolean) => Effect.Effect<HttpClientResponse.HttpClientResponse, InternalError, HttpClient.HttpClient | Scope.Scope>;
//# sourceMappingURL=HttpExchange.d.ts.map