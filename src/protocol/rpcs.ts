/**
 * Every method and notification of the protocol as `@effect/rpc` values: the
 * single source of truth for the server's dispatcher, its handlers and the
 * client. Requests fail with `ExecServerError`, whose members carry their
 * JSON-RPC codes.
 */
import * as Context from "effect/Context"
import * as Rpc from "effect/rpc/Rpc"
import * as RpcGroup from "effect/rpc/RpcGroup"
import * as RpcMiddleware from "effect/rpc/RpcMiddleware"
import { ExecServerError, InvalidRequest } from "./errors.js"
import * as S from "./schema.js"

/**
 * How a request is ordered against the others of its connection, as an
 * annotation on its Rpc (absent: it runs concurrently with everything).
 * `Alone`: nothing else runs meanwhile (the handshake). `PerProcess`: in
 * arrival order with the other commands to the same `processId`; with
 * `waitOnly`, it waits for the commands sent before it but holds up none
 * sent after it (a read right after a start sees the process).
 * `PerFileHandle`: in arrival order with the other requests to the same
 * `handleId` (a close comes after the writes sent before it).
 */
export type OrderingRule =
  | { readonly _tag: "Alone" }
  | { readonly _tag: "PerProcess"; readonly waitOnly: boolean }
  | { readonly _tag: "PerFileHandle" }

/**
 * The middleware of every method but the handshake's own: -32600 until the
 * connection's `initialize` and `initialized` are done. Declared here, once,
 * on the Rpcs; the server's dispatcher runs it around the handler (an
 * Effect 4 middleware wraps the handler's effect: the check, then the
 * handler), which checks nothing of the kind itself.
 */
export class RequiresHandshake extends RpcMiddleware.Service<RequiresHandshake>()("effect-exec-server/RequiresHandshake", {
  error: InvalidRequest
}) {}

/** The annotation that carries an Rpc's `OrderingRule`. */
export class RequestOrdering extends Context.Service<RequestOrdering, OrderingRule>()("effect-exec-server/RequestOrdering") {}

/**
 * Whether a request's second sending does what the first did, as an
 * annotation on its Rpc (absent: it may not). A client re-sends such a
 * request after a reconnect when the first one's answer was lost; the
 * outcome of any other request in flight at a drop is unknown.
 * (`process/write` is one because every write carries a `writeId`.)
 */
export const RetrySafe = Context.Reference<boolean>("effect-exec-server/RetrySafe", { defaultValue: () => false })

/**
 * Whether a server notification is an extension of ours that the reference
 * does not send, as an annotation on its Rpc (absent: it is the
 * reference's). The server sends an extension notification only on a
 * connection whose `initialize` named it in `notifications`, so a client
 * that did not ask (Codex) never sees a method it does not know.
 */
export const Extension = Context.Reference<boolean>("effect-exec-server/Extension", { defaultValue: () => false })

const ALONE: OrderingRule = { _tag: "Alone" }
const PER_PROCESS: OrderingRule = { _tag: "PerProcess", waitOnly: false }
const AFTER_PROCESS_COMMANDS: OrderingRule = { _tag: "PerProcess", waitOnly: true }
const PER_FILE_HANDLE: OrderingRule = { _tag: "PerFileHandle" }

/** The handshake: `initialize`. */
export class HandshakeRpcs extends RpcGroup.make(
  Rpc.make("initialize", { payload: S.InitializeParams, success: S.InitializeResult, error: ExecServerError })
    .annotate(RequestOrdering, ALONE),
  Rpc.make("environment/info", { payload: S.EmptyParams, success: S.EnvironmentInfo, error: ExecServerError })
    .middleware(RequiresHandshake),
  Rpc.make("environment/status", { payload: S.EmptyParams, success: S.EnvironmentStatus, error: ExecServerError })
    .middleware(RequiresHandshake),
  /** (ours) The server's sessions, attached and detached, as the console lists them: how a detached session is found again. */
  Rpc.make("session/list", { payload: S.EmptyParams, success: S.SessionListResult, error: ExecServerError })
    .middleware(RequiresHandshake)
) {}

/** Process supervision: `process/*`. */
export class ProcessRpcs extends RpcGroup.make(
  Rpc.make("process/start", { payload: S.StartParams, success: S.StartResult, error: ExecServerError })
    .annotate(RequestOrdering, PER_PROCESS),
  Rpc.make("process/write", { payload: S.WriteParams, success: S.WriteResult, error: ExecServerError })
    .annotate(RequestOrdering, PER_PROCESS)
    .annotate(RetrySafe, true),
  Rpc.make("process/read", { payload: S.ReadParams, success: S.ReadResult, error: ExecServerError })
    .annotate(RequestOrdering, AFTER_PROCESS_COMMANDS)
    .annotate(RetrySafe, true),
  Rpc.make("process/terminate", {
    payload: S.TerminateParams,
    success: S.TerminateResult,
    error: ExecServerError
  }).annotate(RequestOrdering, PER_PROCESS),
  Rpc.make("process/resize", { payload: S.ResizeParams, success: S.EmptyResult, error: ExecServerError })
    .annotate(RequestOrdering, PER_PROCESS)
    .annotate(RetrySafe, true),
  Rpc.make("process/closeStdin", { payload: S.CloseStdinParams, success: S.WriteResult, error: ExecServerError })
    .annotate(RequestOrdering, PER_PROCESS),
  Rpc.make("process/signal", { payload: S.SignalParams, success: S.SignalResult, error: ExecServerError })
    .annotate(RequestOrdering, PER_PROCESS),
  Rpc.make("process/list", { payload: S.EmptyResult, success: S.ListResult, error: ExecServerError })
    .annotate(RetrySafe, true)
).middleware(RequiresHandshake) {}

/** Host filesystem access: `fs/*`. */
export class FsRpcs extends RpcGroup.make(
  Rpc.make("fs/readFile", { payload: S.ReadFileParams, success: S.ReadFileResult, error: ExecServerError })
    .annotate(RetrySafe, true),
  Rpc.make("fs/writeFile", { payload: S.WriteFileParams, success: S.EmptyResult, error: ExecServerError })
    .annotate(RetrySafe, true),
  Rpc.make("fs/createDirectory", {
    payload: S.CreateDirectoryParams,
    success: S.EmptyResult,
    error: ExecServerError
  }),
  Rpc.make("fs/getMetadata", { payload: S.GetMetadataParams, success: S.GetMetadataResult, error: ExecServerError })
    .annotate(RetrySafe, true),
  Rpc.make("fs/readDirectory", {
    payload: S.ReadDirectoryParams,
    success: S.ReadDirectoryResult,
    error: ExecServerError
  }).annotate(RetrySafe, true),
  Rpc.make("fs/remove", { payload: S.RemoveParams, success: S.EmptyResult, error: ExecServerError }),
  Rpc.make("fs/copy", { payload: S.CopyParams, success: S.EmptyResult, error: ExecServerError }),
  Rpc.make("fs/watchMissing", { payload: S.WatchMissingParams, success: S.WatchMissingResult, error: ExecServerError }),
  Rpc.make("fs/watch", { payload: S.WatchParams, success: S.WatchResult, error: ExecServerError }),
  Rpc.make("fs/unwatch", { payload: S.UnwatchParams, success: S.EmptyResult, error: ExecServerError }),
  Rpc.make("fs/walk", { payload: S.WalkParams, success: S.WalkResult, error: ExecServerError }),
  Rpc.make("fs/canonicalize", { payload: S.CanonicalizeParams, success: S.CanonicalizeResult, error: ExecServerError }),
  Rpc.make("fs/open", { payload: S.OpenFileParams, success: S.OpenFileResult, error: ExecServerError })
    .annotate(RequestOrdering, PER_FILE_HANDLE),
  Rpc.make("fs/readBlock", { payload: S.ReadBlockParams, success: S.ReadBlockResult, error: ExecServerError })
    .annotate(RequestOrdering, PER_FILE_HANDLE)
    .annotate(RetrySafe, true),
  Rpc.make("fs/writeBlock", { payload: S.WriteBlockParams, success: S.EmptyResult, error: ExecServerError })
    .annotate(RequestOrdering, PER_FILE_HANDLE)
    .annotate(RetrySafe, true),
  Rpc.make("fs/close", { payload: S.CloseFileParams, success: S.EmptyResult, error: ExecServerError })
    .annotate(RequestOrdering, PER_FILE_HANDLE)
).middleware(RequiresHandshake) {}

/** Requests the server makes on the client's behalf: `http/request`. */
export class HttpRpcs extends RpcGroup.make(
  Rpc.make("http/request", { payload: S.HttpRequestParams, success: S.HttpRequestResult, error: ExecServerError })
).middleware(RequiresHandshake) {}

/** What the environment knows of Codex: `environmentConfig/read`. */
export class EnvironmentConfigRpcs extends RpcGroup.make(
  Rpc.make("environmentConfig/read", {
    payload: S.EnvironmentConfigReadParams,
    success: S.EnvironmentConfigReadResult,
    error: ExecServerError
  })
).middleware(RequiresHandshake) {}

/** What Codex finds where its code lives, and installed: `capabilityRoots/discoverV1`, `capabilities/discoverV2`. */
export class CapabilityRpcs extends RpcGroup.make(
  Rpc.make("capabilityRoots/discoverV1", {
    payload: S.CapabilityRootsDiscoverParams,
    success: S.CapabilityRootsDiscoverResult,
    error: ExecServerError
  }),
  Rpc.make("capabilities/discoverV2", { payload: S.DiscoverV2Params, success: S.DiscoverV2Result, error: ExecServerError })
).middleware(RequiresHandshake) {}

/** Every request the server answers. */
export const ExecServerRpcs = HandshakeRpcs.merge(ProcessRpcs, FsRpcs, HttpRpcs, EnvironmentConfigRpcs, CapabilityRpcs)
/** @see ExecServerRpcs */
export type ExecServerRpcs = RpcGroup.Rpcs<typeof ExecServerRpcs>

/** Notifications a client sends (no response): `initialized`. */
export class ClientNotificationRpcs extends RpcGroup.make(
  Rpc.make("initialized", { payload: S.EmptyResult })
) {}

/** Notifications the server pushes: process events, and a missing-path watch that fired. */
export class ServerNotificationRpcs extends RpcGroup.make(
  Rpc.make("process/output", { payload: S.OutputNotification }),
  Rpc.make("process/exited", { payload: S.ExitedNotification }),
  Rpc.make("process/closed", { payload: S.ClosedNotification }),
  Rpc.make("fs/missingChanged", { payload: S.MissingChangedNotification }),
  Rpc.make("fs/changed", { payload: S.ChangedNotification }),
  Rpc.make("http/request/bodyDelta", { payload: S.HttpBodyDeltaNotification }),
  Rpc.make("network/policyDecision", { payload: S.PolicyDecisionNotification })
) {}

/** The names of the server's notifications. */
export type ServerNotificationMethod = RpcGroup.Rpcs<typeof ServerNotificationRpcs>["_tag"]

/** The server's extension notifications (annotated `Extension`): what a client may ask for in `initialize`. */
export const extensionNotifications: ReadonlySet<string> = new Set(
  [...ServerNotificationRpcs.requests.values()].filter((rpc) => Context.get(rpc.annotations, Extension)).map((rpc) => rpc._tag)
)

/**
 * The `process/*` notifications whose payload has no `seq`: none, or this
 * file does not compile (the error names them). A client orders a process's
 * notifications by `seq` and reads on from it after a gap, so each carries
 * one (`S.ProcessEventFields`).
 */
type ProcessNotificationsWithoutSeq = {
  [Tag in ServerNotificationMethod]: Tag extends `process/${string}`
    ? Rpc.Payload<Extract<RpcGroup.Rpcs<typeof ServerNotificationRpcs>, { readonly _tag: Tag }>> extends { readonly seq: number } ? never
    : Tag
    : never
}[ServerNotificationMethod]
const everyProcessNotificationCarriesSeq: [ProcessNotificationsWithoutSeq] extends [never] ? true : ProcessNotificationsWithoutSeq = true
void everyProcessNotificationCarriesSeq

/**
 * Requests the server makes of its client: `network/policyRequest` (a
 * process's proxy asks about a host). A client that serves none answers
 * -32601, which the server takes as a refusal.
 */
export class ServerRequestRpcs extends RpcGroup.make(
  Rpc.make("network/policyRequest", { payload: S.PolicyRequestParams, success: S.PolicyRequestResult })
) {}

/** The `network/policyRequest` request. */
export const NetworkPolicyRequest = ServerRequestRpcs.requests.get("network/policyRequest")!
/** The `network/policyDecision` notification. */
export const NetworkPolicyDecision = ServerNotificationRpcs.requests.get("network/policyDecision")!

/** The `process/output` notification. */
export const ProcessOutput = ServerNotificationRpcs.requests.get("process/output")!
/** The `process/exited` notification. */
export const ProcessExited = ServerNotificationRpcs.requests.get("process/exited")!
/** The `process/closed` notification. */
export const ProcessClosed = ServerNotificationRpcs.requests.get("process/closed")!
/** The `http/request/bodyDelta` notification. */
export const HttpBodyDelta = ServerNotificationRpcs.requests.get("http/request/bodyDelta")!
/** The `fs/changed` notification. */
export const PathsChanged = ServerNotificationRpcs.requests.get("fs/changed")!
/** The `fs/missingChanged` notification. */
export const MissingChanged = ServerNotificationRpcs.requests.get("fs/missingChanged")!
