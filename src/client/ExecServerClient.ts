/**
 * A typed Effect client of exec-server: one method per request, typed by the
 * protocol's schemas; per-process event streams with a bounded buffer each
 * (see `ProcessChannel`); process handles as scoped resources; and, for a
 * session that may detach, reconnection by itself with the session resumed
 * and every process caught up from its last `seq`. It is made of parts: the
 * JSON-RPC peer (`JsonRpcPeer`) and the process, fs and http APIs on it.
 */
import type * as Rpc from "effect/rpc/Rpc"
import type * as RpcGroup from "effect/rpc/RpcGroup"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Option from "effect/Option"
import type * as Stream from "effect/Stream"
import type { EnvironmentInfo, InitializeResult, PolicyDecisionNotification } from "../protocol/schema.js"
import type { ClientError, ConnectError, InitializeTimeout } from "./ClientError.js"
import * as ClientTransport from "./ClientTransport.js"
import type { SandboxInput } from "./fields.js"
import * as ClientFs from "./fs.js"
import type { ClientFileSystem } from "./fs.js"
import * as ClientHttp from "./http.js"
import type { ClientHttp as ClientHttpApi } from "./http.js"
import * as JsonRpcPeer from "./JsonRpcPeer.js"
import type { Connector } from "./JsonRpcPeer.js"
import type { DeclaredErrorOf, Method, NotificationMethod, ParamsOf, ResultOf } from "./methods.js"
import { NetworkPolicyDecider, type PolicyDecider } from "./network.js"
import { type NotificationPayload, notificationsOf } from "./notifications.js"
import * as ClientProcesses from "./process.js"
import type { WhenConsumerLags } from "./ProcessChannel.js"
import type { ReconnectEvent, ReconnectOptions } from "./reconnect.js"

export type { SandboxInput } from "./fields.js"
export type { ClientFileHandle, ClientFileSystem, MissingWatch, PathChanges, WalkResult } from "./fs.js"
export type { ClientHttp, HttpRequest, HttpResponse } from "./http.js"
export type { Connector } from "./JsonRpcPeer.js"
export type { DeclaredErrorOf, Method, NotificationMethod, ParamsOf, ResultOf } from "./methods.js"
export { NOTIFICATION_BUFFER, type NotificationPayload } from "./notifications.js"
export type { Exec, ExecOptions, ExecResult, ProcessHandle, StartOptions } from "./process.js"
export type { ReconnectEvent, ReconnectOptions } from "./reconnect.js"
export {
  DEFAULT_POLICY_DECISION_TIMEOUT_MS,
  layerNetworkPolicyDecider,
  type ManagedNetworkOptions,
  managedNetwork,
  NetworkPolicyDecider,
  type NetworkProxyInput,
  type PolicyDecider,
  PolicyDecisions
} from "./network.js"
export { MAX_HELD_NETWORK_DECISIONS } from "./ProcessChannel.js"
export type { ExitStatus, ProcessEvent, WhenConsumerLags } from "./ProcessChannel.js"

/**
 * The client of one session: its processes (`ClientProcesses`), files, HTTP
 * and host; `Own`, the Rpcs of the application's own group (the option
 * `rpcs`), which `call` sends beside the protocol's.
 */
export interface ExecServerClientShape<Own extends Rpc.Any = never> extends ClientProcesses.ClientProcesses {
  /** What the server answered to the first `initialize`. */
  readonly server: InitializeResult
  /** The session's id: pass it as `resumeSessionId` to take the session over from another client. */
  readonly sessionId: string
  /**
   * Sends any request of the protocol or of `Own`, typed by its Rpc: its
   * params in their wire form (`ParamsOf`: what the message carries, sent
   * as given, so a field the schema defaults may be left to the server,
   * which refuses what its schema does not take), its result decoded, and the
   * failure its Rpc declares (an `Own` method's, decoded by its error
   * schema) beside the client's errors.
   */
  readonly call: <Tag extends Method<Own>>(
    method: Tag,
    params: ParamsOf<Tag, Own>
  ) => Effect.Effect<ResultOf<Tag, Own>, ClientError | DeclaredErrorOf<Tag, Own>>
  readonly fs: ClientFileSystem
  /** HTTP requests the server makes on the client's behalf (`http/request`). */
  readonly http: ClientHttpApi
  /** The server's host (`environment/info`). */
  readonly environment: Effect.Effect<EnvironmentInfo, ClientError>
  /**
   * Every `method` notification of the session's server while the stream
   * runs, its params decoded and typed by the protocol's schema (see
   * `notificationsOf`): `notifications("network/policyDecision")`. An
   * extension notification needs the `notifications` option.
   */
  readonly notifications: <Tag extends NotificationMethod>(method: Tag) => Stream.Stream<NotificationPayload<Tag>, ClientError>
}

/**
 * The client of an application whose own group is `Group`: the type of
 * `make(connector, { rpcs: Group })`, for a service of the application's
 * own (`Context.Service<MyClient, ExecServerClient.WithRpcs<typeof MyRpcs>>`).
 */
export type WithRpcs<Group> = ExecServerClientShape<RpcGroup.Rpcs<Group>>

/**
 * The application's own requests (an `effect/rpc` group, the one its server
 * serves through `Surface.ProtocolExtension`): `call` names them, typed by
 * their schemas, and sends them as JSON-RPC beside the protocol's.
 */
export interface OwnRpcs<Own extends Rpc.Any> {
  readonly rpcs?: RpcGroup.RpcGroup<Own> | undefined
}

/** The exec-server client. */
export class ExecServerClient extends Context.Service<ExecServerClient, ExecServerClientShape>()("effect-exec-server/ExecServerClient") {}

/** Options shared by every way of connecting. */
export interface ClientOptions {
  readonly clientName?: string
  readonly initializeTimeoutMs?: number
  /** The sandbox of every process this client starts and every fs call it makes, unless a start says otherwise. */
  readonly sandbox?: SandboxInput
  /**
   * Keep the session's processes running this long after the connection
   * drops (capped by the server's `--max-detach-ttl-ms`), so that the client
   * can reconnect and resume. Default 0: a dropped connection ends them.
   */
  readonly detachTtlMs?: number
  /** Take over this detached session instead of starting a new one. */
  readonly resumeSessionId?: string
  /**
   * How long taking the session over waits while another connection holds
   * it (one that just let go may hold it for a moment): default 10 s; 0
   * fails at once with the server's `InvalidRequest`.
   */
  readonly resumeWaitMs?: number
  /**
   * Reconnect by itself when the connection drops, for a session that
   * outlives its connection (`detachTtlMs` > 0): default on with the
   * defaults of `ReconnectOptions`; `false` turns it off.
   */
  readonly reconnect?: false | ReconnectOptions
  /** Output bytes held per process for its consumer at most (default 4 MiB); see `whenConsumerLags` for the rest. */
  readonly maxBufferedBytesPerProcess?: number
  /**
   * A consumer of a process's events that falls `maxBufferedBytesPerProcess`
   * behind: `"read-later"` (the default) reads the rest from the server's
   * retained output once there is room, without slowing the session's other
   * processes (what the server evicted meanwhile is a `Gap`); `"pause"`
   * stops reading the connection until there is room, so the server holds
   * the processes back and nothing is lost (as the command-line client
   * does; every process of the connection then waits for the slowest
   * consumer, and one whose events nobody consumes holds the connection).
   */
  readonly whenConsumerLags?: WhenConsumerLags
  /** The largest message the client sends (default: the server's limit, else 16 MiB). */
  readonly maxMessageBytes?: number
  /**
   * Told of each step of getting a dropped connection back (a drop, each
   * failed attempt, the resume), for a person waiting on it; the final
   * failure is the `ReconnectFailed` every call then fails with.
   */
  readonly onReconnect?: (event: ReconnectEvent) => void
  /**
   * Answers the server's `network/policyRequest`: a process's managed proxy
   * asking about a host no rule decides (see `StartOptions.networkProxy`).
   * Questions are answered concurrently, each in a fiber of the client's;
   * one asked on a connection that then dropped is not answered (the server
   * has denied it). Without it (and without a `NetworkPolicyDecider` in the
   * context `make` runs in) the client answers -32601, which the server
   * takes as a denial.
   */
  readonly networkPolicyDecider?: PolicyDecider
  /**
   * Told of every `network/policyDecision` of the session (each process's
   * proxy reports each request it decided), as it arrives: for an audit
   * log. `ProcessHandle.networkDecisions` has one process's.
   */
  readonly onNetworkPolicyDecision?: (decision: PolicyDecisionNotification) => void
  /**
   * The extension notifications to ask the server for (those the reference
   * does not send: `Extension` in the protocol); `notifications(method)`
   * streams them. A server sends none unasked.
   */
  readonly notifications?: ReadonlyArray<NotificationMethod>
}

/**
 * Makes a client: connects, performs the handshake, routes responses and
 * events, and (when the session may detach) reconnects on a drop.
 */
export const make = <Own extends Rpc.Any = never>(
  connector: Connector,
  options: ClientOptions & OwnRpcs<Own> = {}
): Effect.Effect<ExecServerClientShape<Own>, InitializeTimeout | ClientError | ConnectError, Scope.Scope> =>
  Effect.gen(function*() {
    const peer = yield* JsonRpcPeer.make(connector, options)
    const decider = options.networkPolicyDecider ?? Option.getOrUndefined(yield* Effect.serviceOption(NetworkPolicyDecider))
    // Served and subscribed before the first link is up.
    if (decider !== undefined) {
      peer.serve("network/policyRequest", (params) => Effect.map(decider(params), (decision) => ({ decision })))
    }
    const onDecision = options.onNetworkPolicyDecision
    if (onDecision !== undefined) {
      peer.subscribe("network/policyDecision", (decision) => {
        try {
          onDecision(decision)
        } catch {
          // The application's callback runs on the connection's reader: its throw must not stop the reading.
        }
      })
    }
    const processes = ClientProcesses.make(peer, { ...options, hasNetworkPolicyDecider: decider !== undefined })
    const http = ClientHttp.make(peer)
    const server = yield* peer.open
    const fs = yield* ClientFs.make(peer, options.sandbox)
    const call = <Tag extends Method<Own>>(method: Tag, params: ParamsOf<Tag, Own>) =>
      peer.sendWire(method, params) as Effect.Effect<ResultOf<Tag, Own>, ClientError | DeclaredErrorOf<Tag, Own>>
    return {
      server,
      http,
      environment: peer.call("environment/info", {}),
      get sessionId() {
        return peer.sessionId ?? server.sessionId
      },
      fs,
      call,
      notifications: (method) => notificationsOf(peer, server, method),
      ...processes
    }
  })

/** A client connected over WebSocket (reconnecting to the same URL). */
export const layerWebSocket = (
  options: ClientTransport.WebSocketClientOptions & ClientOptions
): Layer.Layer<ExecServerClient, ClientError | InitializeTimeout | ConnectError> =>
  Layer.effect(ExecServerClient, make(ClientTransport.webSocket(options), options))

/**
 * A client of a server it spawns and owns (killed with its process group
 * when the layer closes). A server that dies takes its processes with it,
 * so this client does not reconnect.
 */
export const layerSpawnLocal = (
  options: ClientTransport.SpawnLocalOptions & Omit<ClientOptions, "reconnect" | "resumeSessionId"> = {}
): Layer.Layer<ExecServerClient, ClientError | InitializeTimeout | ConnectError> =>
  Layer.effect(ExecServerClient, make(ClientTransport.spawnLocal(options), { ...options, reconnect: false }))
