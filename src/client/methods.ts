/**
 * What a client may ask of the server and hear from it, derived from the
 * protocol's RpcGroups: the methods by name with their payloads and
 * results, their codecs, and which of them are safe to send again.
 */
import type * as Rpc from "effect/rpc/Rpc"
import type * as RpcGroup from "effect/rpc/RpcGroup"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import { ConsoleLinkRpcs, ConsoleRpcs } from "../protocol/console.js"
import { ClientNotificationRpcs, ExecServerRpcs, RetrySafe, type ServerNotificationMethod, type ServerNotificationRpcs, type ServerRequestRpcs } from "../protocol/rpcs.js"
import { codecOf, type RpcCodec } from "../wire/RpcCodecs.js"
import { fromWireError, type WireError } from "../protocol/errors.js"
import { ProtocolError, ServerError } from "./ClientError.js"

/** Every request a client may send: the protocol's, and our console extension's (a console's connection only, but `console/createLink`). */
export const ClientRpcs = ExecServerRpcs.merge(ConsoleLinkRpcs, ConsoleRpcs)
type ExecServerRpc = RpcGroup.Rpcs<typeof ClientRpcs>

/**
 * The requests, by name: the protocol's, and `Own`'s (the Rpcs of an
 * application's own group, the client option `rpcs`).
 */
export type RpcOf<Tag extends string, Own extends Rpc.Any = never> = Extract<ExecServerRpc | Own, { readonly _tag: Tag }>
/** The names of the requests: the protocol's, and `Own`'s. */
export type Method<Own extends Rpc.Any = never> = ExecServerRpc["_tag"] | Own["_tag"]
/**
 * What a request sends, in its wire form (its payload schema's `Encoded`):
 * the JSON-RPC message's `params` exactly as the caller writes them, bytes
 * as base64 text, and a field the schema gives a default to (`pipeStdin`)
 * optional, for the server to fill in.
 */
export type ParamsOf<Tag extends string, Own extends Rpc.Any = never> = WireParams<RpcOf<Tag, Own>>
type WireParams<R> = R extends Rpc.Rpc<infer _Tag, infer Payload, infer _Success, infer _Error, infer _Middleware, infer _Requires>
  ? Payload["Encoded"]
  : never
/**
 * What a request answers, decoded. (Rpc.Success is a conditional type that
 * tsc cannot relate to itself for a generic method name; the protocol's is
 * a lookup, and an application's own group adds its methods' only where
 * there is one.)
 */
export type ResultOf<Tag extends string, Own extends Rpc.Any = never> = [Own] extends [never] ? ProtocolResultOf<Tag>
  : Tag extends ExecServerRpc["_tag"] ? ProtocolResultOf<Tag>
  : Rpc.Success<Extract<Own, { readonly _tag: Tag }>>
type ProtocolResultOf<Tag extends string> = Extract<ExecServerRpc, { readonly _tag: Tag }>["successSchema"]["Type"]
/**
 * What a method of `Own` fails with as its Rpc declares it (its error
 * schema's type and its middlewares'), besides the client's own errors;
 * never for the protocol's.
 */
export type DeclaredErrorOf<Tag extends string, Own extends Rpc.Any = never> = Rpc.Error<Extract<Own, { readonly _tag: Tag }>>

type ServerNotification = RpcGroup.Rpcs<typeof ServerNotificationRpcs>
/** The server's notifications, by name. */
export type NotificationOf<Tag extends string> = Extract<ServerNotification, { readonly _tag: Tag }>
/** The names of the server's notifications. */
export type NotificationMethod = ServerNotificationMethod

type ServerRequest = RpcGroup.Rpcs<typeof ServerRequestRpcs>
/** The requests the server makes of its client, by name. */
export type ServerRequestOf<Tag extends string> = Extract<ServerRequest, { readonly _tag: Tag }>
/** The names of the requests the server makes of its client. */
export type ServerRequestMethod = ServerRequest["_tag"]
/**
 * Serves a request of the server's: its params decoded, its result to be
 * encoded. A failure or a defect is answered -32603.
 */
export type ServerRequestHandler<Tag extends ServerRequestMethod> = (
  params: Rpc.Payload<ServerRequestOf<Tag>>
) => Effect.Effect<Rpc.Success<ServerRequestOf<Tag>>, unknown>

/** What the table reads of an application's `RpcGroup` (any group has it, whatever its Rpcs). */
export interface RequestGroup {
  readonly requests: ReadonlyMap<string, Rpc.Any>
}

/**
 * The requests one client may send, by method: the protocol's and those of
 * the application's own group (which win a name both have, as they do on
 * the server, `Surface.merge`).
 */
export class MethodTable {
  private readonly own: ReadonlyMap<string, Rpc.AnyWithProps>

  constructor(own: RequestGroup | undefined) {
    this.own = (own?.requests ?? new Map()) as ReadonlyMap<string, Rpc.AnyWithProps>
  }

  /** The Rpc of a method, undefined for a name neither group has. */
  rpc(method: string): Rpc.AnyWithProps | undefined {
    return this.own.get(method) ?? ClientRpcs.requests.get(method) as Rpc.AnyWithProps | undefined
  }

  /** Whether a request may be sent again after a reconnect lost its answer: its Rpc is annotated `RetrySafe`. */
  retrySafe(method: string): boolean {
    const rpc = this.rpc(method)
    return rpc !== undefined && Context.get(rpc.annotations, RetrySafe)
  }

  /**
   * The typed error of an error answer: for the application's own method,
   * the failure its Rpc declares, decoded from `data` (see
   * `declaredWireError`); else the protocol's error of its code, else a
   * `ServerError`.
   */
  failure(method: string, error: WireError): unknown {
    const own = this.own.get(method)
    if (own !== undefined && error.data !== undefined) {
      const declared = codecOf(own).decodeFailure(error.data)
      if (Result.isSuccess(declared)) return declared.success
    }
    return fromWireError(error) ?? new ServerError({ method, ...error })
  }
}

/** The codecs of a request of the protocol, by its method. */
export const requestCodec = (method: string): RpcCodec =>
  codecOf(ClientRpcs.requests.get(method) as unknown as Rpc.AnyWithProps)

/** The `initialized` notification, as it is sent. */
export const initialized = JSON.stringify({
  method: "initialized",
  params: Result.getOrThrow(
    codecOf(ClientNotificationRpcs.requests.get("initialized") as unknown as Rpc.AnyWithProps).encodePayload({})
  )
})

/** A result decoded with its request's codec; a result that does not match is a `ProtocolError`. */
export const decodeResult = (method: string, codec: RpcCodec, result: unknown): Effect.Effect<unknown, ProtocolError> => {
  const decoded = codec.decodeSuccess(result)
  return Result.isSuccess(decoded)
    ? Effect.succeed(decoded.success)
    : Effect.fail(new ProtocolError({ message: `unexpected ${method} result: ${decoded.failure.message}` }))
}
