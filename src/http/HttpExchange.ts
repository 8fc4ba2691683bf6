/**
 * `http/request`: an HTTP exchange the server makes on its client's behalf
 * (the reference uses it for MCP over streamable HTTP and OAuth discovery),
 * on Effect's HttpClient. This module checks a request as the
 * reference does, follows redirects as browsers and reqwest do (at most 10;
 * a 301/302 turns a POST into a GET, a 303 anything but HEAD; credentials
 * are not carried to another origin), and maps failures to the protocol's
 * errors.
 */
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import type * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import type * as Scope from "effect/Scope"
import { InternalError, InvalidParams } from "../protocol/errors.js"
import type { HttpRequestParams } from "../protocol/schema.js"

/** How many redirects are followed before the exchange fails. */
export const MAX_REDIRECTS = 10

/**
 * Variables a header may never read from the server's environment, whatever
 * the client asks (the reference's list): the server's own credentials.
 */
const DENIED_ENV_VARS = new Set([
  "CODEX_EXEC_SERVER_NOISE_AUTH_TOKEN",
  "OPENAI_FEDERATION_RULE_ID",
  "OPENAI_IDENTITY_TOKEN_FILE",
  "OPENAI_WORKLOAD_IDENTITY_CONTEXT",
  "OPENAI_API_KEY",
  "CODEX_API_KEY",
  "CODEX_ACCESS_TOKEN",
  "CODEX_CONNECTORS_TOKEN",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AZURE_CLIENT_SECRET",
  "AZURE_FEDERATED_TOKEN_FILE",
  "GOOGLE_APPLICATION_CREDENTIALS"
])

/** Headers that carry credentials, dropped when a redirect leads to another origin. */
const CREDENTIAL_HEADERS = ["authorization", "cookie", "proxy-authorization"]

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
// A header value: visible ASCII, spaces and tabs, and bytes above ASCII; no CR, LF or NUL.
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/

/** A request that passed the checks, ready to send. */
export interface CheckedRequest {
  readonly method: string
  readonly url: URL
  /** Lower-cased names, in first-seen order; repeated names joined with ", ". */
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly body: Uint8Array | undefined
}

const invalid = (message: string) => new InvalidParams({ message: `http/request ${message}` })

/**
 * Checks a request as the reference does; `environment` is the server's, for
 * `valueEnvVar`, of which only the `allowed` variables may be read (the
 * operator's `--http-header-env`): stricter than the reference, whose short
 * deny list let any other variable (a `GITHUB_TOKEN`) go to any host.
 */
export const check = (
  params: HttpRequestParams,
  environment: Readonly<Record<string, string | undefined>>,
  allowed: ReadonlyArray<string>
): Effect.Effect<CheckedRequest, InvalidParams> =>
  Effect.suspend(() => {
    if (!TOKEN.test(params.method)) return Effect.fail(invalid("method is invalid: invalid HTTP method"))
    let url: URL
    try {
      url = new URL(params.url)
    } catch (error) {
      return Effect.fail(invalid(`url is invalid: ${error instanceof Error ? error.message : String(error)}`))
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      return Effect.fail(invalid(`only supports http and https URLs, got ${url.protocol.slice(0, -1)}`))
    }
    const headers = new Map<string, string>()
    for (const header of params.headers) {
      if (!TOKEN.test(header.name)) return Effect.fail(invalid("header name is invalid: invalid HTTP header name"))
      let value = header.value
      if (header.valueEnvVar !== undefined) {
        const variable = header.valueEnvVar
        if (DENIED_ENV_VARS.has(variable.toUpperCase())) {
          return Effect.fail(invalid(`header ${header.name} cannot use executor environment variable ${variable}`))
        }
        if (!allowed.includes(variable)) {
          return Effect.fail(invalid(
            `header ${header.name} cannot use executor environment variable ${variable}: the operator has not allowed it (--http-header-env ${variable})`
          ))
        }
        const fromEnvironment = environment[variable]
        if (fromEnvironment === undefined) {
          return Effect.fail(invalid(`header ${header.name} requires executor environment variable ${variable}`))
        }
        if (fromEnvironment === "") {
          return Effect.fail(invalid(`header ${header.name} requires a non-empty executor environment variable ${variable}`))
        }
        value += fromEnvironment
      }
      if (!HEADER_VALUE.test(value)) return Effect.fail(invalid(`header value is invalid for ${header.name}: failed to parse header value`))
      const name = header.name.toLowerCase()
      const previous = headers.get(name)
      headers.set(name, previous === undefined ? value : `${previous}, ${value}`)
    }
    return Effect.succeed({ method: params.method, url, headers: [...headers], body: params.bodyBase64 })
  })

const requestOf = (request: CheckedRequest): HttpClientRequest.HttpClientRequest => {
  let built = HttpClientRequest.make(request.method as "GET")(request.url)
  for (const [name, value] of request.headers) built = HttpClientRequest.setHeader(built, name, value)
  return request.body === undefined ? built : HttpClientRequest.bodyUint8Array(built, request.body)
}

/** The protocol's error for a failed exchange. */
export const failureOf = (error: HttpClientError.HttpClientError | InternalError): InternalError => {
  if (error._tag === "ExecServer/InternalError") return error
  const { reason } = error
  const cause = reason.cause instanceof Error && reason.cause.message !== "" ? `: ${reason.cause.message}` : ""
  // A request's failures (transport, encoding, URL) against the response's (status, decoding, empty body).
  return reason._tag === "TransportError" || reason._tag === "EncodeError" || reason._tag === "InvalidUrlError"
    ? new InternalError({ message: `http/request failed: error sending request for url (${reason.request.url})${cause}` })
    : new InternalError({ message: `failed to read http/request response body: ${reason.message}` })
}

/** Reads at most `limit` bytes of a body that is thrown away (a redirect's). */
const discard = (response: HttpClientResponse.HttpClientResponse) => Effect.ignore(Effect.timeout(response.text, "2 seconds"))

/**
 * Sends the request and follows its redirects (unless `follow` is false):
 * the final response, whose body is read in the caller's scope.
 */
export const exchange = (
  request: CheckedRequest,
  follow: boolean
): Effect.Effect<HttpClientResponse.HttpClientResponse, InternalError, HttpClient.HttpClient | Scope.Scope> =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    let current = request
    for (let redirects = 0; ; redirects++) {
      const response = yield* client.execute(requestOf(current)).pipe(Effect.mapError(failureOf))
      const location = response.headers["location"]
      if (!follow || location === undefined || ![301, 302, 303, 307, 308].includes(response.status)) return response
      if (redirects === MAX_REDIRECTS) {
        yield* discard(response)
        return yield* new InternalError({ message: "http/request failed: too many redirects" })
      }
      yield* discard(response)
      const next = new URL(location, current.url)
      if (next.protocol !== "http:" && next.protocol !== "https:") {
        return yield* new InternalError({ message: `http/request failed: redirect to a ${next.protocol.slice(0, -1)} URL` })
      }
      const asGet = response.status === 303 ? current.method !== "HEAD" : (response.status === 301 || response.status === 302) && current.method === "POST"
      const sameOrigin = next.origin === current.url.origin
      current = {
        method: asGet ? "GET" : current.method,
        url: next,
        headers: current.headers.filter(([name]) =>
          (sameOrigin || !CREDENTIAL_HEADERS.includes(name)) &&
          (!asGet || name !== "content-type" && name !== "content-length")
        ),
        body: asGet ? undefined : current.body
      }
    }
  })
