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
import { ProtocolError } from "./ClientError.js"

/** Every request a client may send: the protocol's, and our console extension's (a console's connection only, but `console/createLink`). */
export const ClientRpcs = ExecServerRpcs.merge(ConsoleLinkRpcs, ConsoleRpcs)
type ExecServerRpc = RpcGroup.Rpcs<typeof ClientRpcs>

/** The requests, by name. */
export type RpcOf<Tag extends string> = Extract<ExecServerRpc, { readonly _tag: Tag }>
/** The names of the requests. */
export type Method = ExecServerRpc["_tag"]
/**
 * What a request answers, decoded. (Rpc.Success is a conditional type that
 * tsc cannot relate to itself for a generic method name; this is a lookup.)
 */
export type ResultOf<Tag extends string> = RpcOf<Tag>["successSchema"]["Type"]

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

/** The requests annotated `RetrySafe`: re-sent after a reconnect when their answer was lost. */
export const retrySafe = new Set<string>(
  [...ClientRpcs.requests.values()].filter((rpc) => Context.get(rpc.annotations, RetrySafe)).map((rpc) => rpc._tag)
)

/** The codecs of a request, by its method. */
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
