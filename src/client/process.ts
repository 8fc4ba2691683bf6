/**
 * The client's processes (`process/*`) on the peer: handles with their event
 * channels (one `ProcessChannel` per process, fed by the server's process
 * notifications), scoped starts, and the exec helpers.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { randomUUID } from "node:crypto"
import type {
  EnvPolicy,
  PolicyDecisionNotification,
  ProcessInfo,
  ReadResult,
  ResourceRequest,
  SignalName,
  StartParams,
  TerminalSize,
  WriteResult
} from "../protocol/schema.js"
import { type ClientError, ExecTimeout, TransportClosed } from "./ClientError.js"
import { type SandboxInput, sandboxField, toBytes } from "./fields.js"
import type { JsonRpcPeer } from "./JsonRpcPeer.js"
import { type NetworkProxyInput, networkProxyOf } from "./network.js"
import { type ExitStatus, ProcessChannel, type ProcessEvent, type WhenConsumerLags } from "./ProcessChannel.js"

/** What `exec` and `communicate` return: the output as bytes, or as text from `exec` with `encoding: "utf8"`. */
export interface ExecResult<Output extends Uint8Array | string = Uint8Array> extends ExitStatus {
  readonly stdout: Output
  readonly stderr: Output
}

/**
 * `process/start` params as the client takes them. The defaults suit a
 * server on another machine: the server's working directory, and the
 * server's environment without the names that look like secrets.
 */
export interface StartOptions {
  readonly argv: ReadonlyArray<string>
  /** Absolute on the server's host; default: the server's working directory. */
  readonly cwd?: string
  /**
   * The child's environment: the whole of it, or what is laid over the
   * server-side `envPolicy` when one is given. Default: none of the client's
   * variables (the server's environment, by the default policy).
   */
  readonly env?: Readonly<Record<string, string>>
  /**
   * Build the environment from the server's own (see PROTOCOL.md); fields
   * default as there. Default when neither this nor `env` is given:
   * `{inherit: "all"}` with the default exclusions (`*KEY*`, `*SECRET*`,
   * `*TOKEN*`).
   */
  readonly envPolicy?: Partial<EnvPolicy>
  readonly tty?: boolean
  readonly pipeStdin?: boolean
  readonly arg0?: string
  readonly size?: TerminalSize
  /** Confine the process (see PROTOCOL.md, "Sandbox"); default: the client's `sandbox` option. */
  readonly sandbox?: SandboxInput
  /** A process id; default: a fresh one. */
  readonly processId?: string
  /**
   * Limit its memory, processes and CPU by the server's cgroups (see
   * PROTOCOL.md, "Resource limits"); one above the operator's ceiling, or
   * where the server cannot enforce limits, is refused (InvalidRequest,
   * `reason` "resourcesAboveCeiling" or "resourcesUnavailable").
   * `resources.session` limits the whole session (this process and every
   * other of the session together) and only ever narrows: one above the
   * session's current limit is refused ("resourcesAboveSessionLimit"); a
   * server that understands it says `initialize`'s
   * `limits.resources.sessionRequests` (see PROTOCOL.md, "A session's limits").
   */
  readonly resources?: ResourceRequest
  /**
   * Run the process behind a managed network proxy of its own, which
   * decides its connections by host (docs/PROTOCOL.md, "The managed network
   * proxy"): the reference's form (`{proxy: {...}}`), or the short one
   * (`{allow: ["registry.npmjs.org"], deny: [...], mode: "full"}`), whose
   * unlisted hosts are asked of the client's `networkPolicyDecider` when it
   * has one (see `ManagedNetworkOptions`).
   */
  readonly networkProxy?: NetworkProxyInput
  /**
   * Leave the process running when the scope of `start` closes (it still
   * ends with the session). Default: closing the scope terminates it.
   */
  readonly detached?: boolean
}

/** `exec` options: those of `start` (but `tty`), and what `exec` adds. */
export interface ExecOptions extends Omit<StartOptions, "argv" | "tty" | "pipeStdin" | "detached"> {
  /** Bytes for the process's stdin, which is closed after them (default: no stdin). */
  readonly input?: Uint8Array | string
  /** Terminate the process and fail with `ExecTimeout` after this long. */
  readonly timeout?: Duration.Input
  /**
   * `"utf8"`: `stdout` and `stderr` as text, decoded once the process has
   * closed (malformed bytes become U+FFFD). Default: bytes.
   */
  readonly encoding?: "utf8"
}

/** `exec`: the output as bytes, or as text with `encoding: "utf8"` (typed by the options given). */
export interface Exec {
  (argv: ReadonlyArray<string>, options: ExecOptions & { readonly encoding: "utf8" }): Effect.Effect<
    ExecResult<string>,
    ClientError | ExecTimeout
  >
  (argv: ReadonlyArray<string>, options?: ExecOptions & { readonly encoding?: undefined }): Effect.Effect<
    ExecResult,
    ClientError | ExecTimeout
  >
  /** Options whose `encoding` is not known until run time. */
  (argv: ReadonlyArray<string>, options?: ExecOptions): Effect.Effect<
    ExecResult<Uint8Array | string>,
    ClientError | ExecTimeout
  >
}

/** A process of the client's session. */
export interface ProcessHandle {
  readonly processId: string
  /**
   * Its events in seq order, ending after `Closed`: a `Gap` stands for
   * output the server evicted before the client read it. One consumer.
   */
  readonly events: Stream.Stream<ProcessEvent, ClientError>
  /** Completes with the exit status (without consuming `events`); `UnknownProcess` for an id the server does not know. */
  readonly exited: Effect.Effect<ExitStatus, ClientError>
  readonly write: (data: Uint8Array | string) => Effect.Effect<WriteResult, ClientError>
  readonly closeStdin: Effect.Effect<WriteResult, ClientError>
  readonly terminate: (options?: { readonly mode?: "graceful" | "force"; readonly graceMs?: number }) => Effect.Effect<boolean, ClientError>
  readonly resize: (size: TerminalSize) => Effect.Effect<void, ClientError>
  readonly signal: (signal: SignalName) => Effect.Effect<boolean, ClientError>
  readonly read: (options?: { readonly afterSeq?: number; readonly maxBytes?: number; readonly waitMs?: number }) => Effect.Effect<ReadResult, ClientError>
  /**
   * Its managed proxy's decisions (`network/policyDecision`), as they
   * arrive, ending when it closes; for an audit. Not retained by the
   * server: those sent while the connection is down are not seen, and a
   * consumer more than `MAX_HELD_NETWORK_DECISIONS` behind loses the oldest.
   */
  readonly networkDecisions: Stream.Stream<PolicyDecisionNotification>
}

/** The process API of a client, part of `ExecServerClientShape`. */
export interface ClientProcesses {
  /** Starts a process owned by the scope: closing it terminates the process, unless `detached`. */
  readonly start: (options: StartOptions) => Effect.Effect<ProcessHandle, ClientError, Scope.Scope>
  /**
   * The handle of a process of the session that this client did not start
   * (one started before a resume, or through `call`): its events are read
   * from the server's retained output; an unknown id fails with `UnknownProcess`.
   */
  readonly process: (processId: string) => ProcessHandle
  readonly list: Effect.Effect<ReadonlyArray<ProcessInfo>, ClientError>
  /** Waits for a process to exit. */
  readonly wait: (processId: string) => Effect.Effect<ExitStatus, ClientError>
  /** Writes `input`, closes stdin and collects the output until the process closes (consumes its events). */
  readonly communicate: (processId: string, input?: Uint8Array | string) => Effect.Effect<ExecResult, ClientError>
  /**
   * Runs a command with pipes and collects its exit status and output: bytes,
   * or text with `encoding: "utf8"`. Interrupting it (or its `timeout`)
   * terminates the process.
   */
  readonly exec: Exec
}

/** What the process API takes of the client's options. */
export interface ProcessOptions {
  readonly sandbox?: SandboxInput
  readonly maxBufferedBytesPerProcess?: number
  readonly whenConsumerLags?: WhenConsumerLags
  /** The client answers `network/policyRequest`: a short-form `networkProxy` asks it by default. */
  readonly hasNetworkPolicyDecider?: boolean
}

// Process ids live in the session, which two clients of this Node process may share (a resume): numbered process-wide.
let nextProcessNumber = 1

const envFields = (startOptions: StartOptions): Pick<StartParams, "env" | "envPolicy"> => {
  const policy = startOptions.envPolicy ?? (startOptions.env === undefined ? {} : undefined)
  return {
    env: startOptions.env ?? {},
    ...(policy === undefined ? {} : {
      envPolicy: {
        inherit: policy.inherit ?? "all",
        ignoreDefaultExcludes: policy.ignoreDefaultExcludes ?? false,
        exclude: policy.exclude ?? [],
        includeOnly: policy.includeOnly ?? [],
        set: policy.set ?? {}
      }
    })
  }
}

/** Output and exit status of a handle's events until it closes. */
const collect = (handle: ProcessHandle, sink: { stdout: Array<Uint8Array>; stderr: Array<Uint8Array> }) =>
  handle.events.pipe(
    Stream.runFold((): ExitStatus | undefined => undefined, (status, event) => {
      if (event._tag === "Output") (event.stream === "stderr" ? sink.stderr : sink.stdout).push(event.bytes)
      return event._tag === "Exited"
        ? {
          exitCode: event.exitCode,
          signal: event.signal,
          sandboxDenied: event.sandboxDenied,
          ...(event.oomKilled === undefined ? {} : { oomKilled: event.oomKilled })
        }
        : status
    }),
    Effect.zipWith(handle.exited, (seen, status) => seen ?? status),
    Effect.map((status): ExecResult => ({
      ...status,
      stdout: Buffer.concat(sink.stdout),
      stderr: Buffer.concat(sink.stderr)
    }))
  )

/** The process API on `peer`; it routes the process notifications to their channels. */
export const make = (peer: JsonRpcPeer, options: ProcessOptions): ClientProcesses => {
  const maxBufferedBytes = options.maxBufferedBytesPerProcess ?? 4 * 1024 * 1024
  const holdReading = options.whenConsumerLags === "pause" ? (until: Effect.Effect<void>) => peer.holdReading(until) : undefined
  /** The channel of each process the client follows, by id. */
  const channels = new Map<string, ProcessChannel>()
  // The server applies a writeId once per process: ids must not repeat across clients of a session.
  const writeIdPrefix = randomUUID()
  let nextWriteNumber = 1

  peer.subscribe("process/output", (p) =>
    channels.get(p.processId)?.offer({ _tag: "Output", seq: p.seq, stream: p.stream, bytes: p.chunk }))
  peer.subscribe("process/exited", (p) =>
    channels.get(p.processId)?.offer({
      _tag: "Exited",
      seq: p.seq,
      exitCode: p.exitCode,
      signal: p.signal ?? null,
      sandboxDenied: p.sandboxDenied,
      ...(p.oomKilled === undefined ? {} : { oomKilled: p.oomKilled })
    }))
  peer.subscribe("process/closed", (p) => channels.get(p.processId)?.offer({ _tag: "Closed", seq: p.seq }))
  peer.subscribe("network/policyDecision", (decision) => channels.get(decision.processId)?.offerNetworkDecision(decision))
  peer.listen({
    // Caught up from each process's last seq.
    resumed: () => {
      for (const channel of channels.values()) channel.resync()
    },
    shutDown: (error) => {
      for (const channel of [...channels.values()]) channel.fail(error)
      channels.clear()
    }
  })

  const newChannel = (processId: string): ProcessChannel => {
    const channel: ProcessChannel = new ProcessChannel({
      processId,
      maxBufferedBytes,
      holdReading,
      read: (params) => peer.call("process/read", { processId, ...params }),
      fork: peer.fork,
      onClosed: () => {
        if (channels.get(processId) === channel) channels.delete(processId)
      }
    })
    return channel
  }

  const handleOf = (channel: ProcessChannel): ProcessHandle => {
    const processId = channel.processId
    return {
      processId,
      events: channel.events,
      exited: channel.exited,
      write: (data) =>
        peer.call("process/write", { processId, chunk: toBytes(data), writeId: `${writeIdPrefix}-${nextWriteNumber++}` }),
      closeStdin: peer.call("process/closeStdin", { processId }),
      terminate: (terminateOptions = {}) =>
        Effect.map(
          peer.call("process/terminate", {
            processId,
            mode: terminateOptions.mode ?? "graceful",
            ...(terminateOptions.graceMs === undefined ? {} : { graceMs: terminateOptions.graceMs })
          }),
          (result) => result.running
        ),
      resize: (size) => Effect.asVoid(peer.call("process/resize", { processId, ...size })),
      signal: (signal) => Effect.map(peer.call("process/signal", { processId, signal }), (result) => result.delivered === true),
      read: (readOptions = {}) => peer.call("process/read", { processId, ...readOptions }),
      networkDecisions: channel.networkDecisions
    }
  }

  const attach = (processId: string): ProcessHandle => {
    let channel = channels.get(processId)
    if (channel === undefined) {
      channel = newChannel(processId)
      if (peer.closed !== undefined) channel.fail(peer.closed)
      else {
        channels.set(processId, channel)
        channel.resync()
      }
    }
    return handleOf(channel)
  }

  const startUnscoped = (startOptions: StartOptions): Effect.Effect<ProcessHandle, ClientError> =>
    Effect.gen(function*() {
      const processId = startOptions.processId ?? `client-${process.pid}-${nextProcessNumber++}`
      const params: StartParams = {
        processId,
        argv: startOptions.argv,
        ...(startOptions.cwd === undefined ? {} : { cwd: startOptions.cwd }),
        ...envFields(startOptions),
        tty: startOptions.tty ?? false,
        pipeStdin: startOptions.pipeStdin ?? false,
        ...(startOptions.arg0 === undefined ? {} : { arg0: startOptions.arg0 }),
        ...(startOptions.size === undefined ? {} : { size: startOptions.size }),
        ...(yield* sandboxField(startOptions.sandbox, options.sandbox)),
        ...(startOptions.resources === undefined ? {} : { resources: startOptions.resources }),
        ...(startOptions.networkProxy === undefined
          ? {}
          : { networkProxy: networkProxyOf(startOptions.networkProxy, options.hasNetworkPolicyDecider === true) })
      }
      const previous = channels.get(processId)
      // Registered before the request, so that no early event is missed;
      // a channel of an earlier process of that id stays until the server says.
      const channel = newChannel(processId)
      if (previous === undefined) channels.set(processId, channel)
      yield* peer.call("process/start", params).pipe(
        Effect.tapError(() =>
          Effect.sync(() => {
            if (channels.get(processId) === channel) channels.delete(processId)
          })
        )
      )
      if (previous !== undefined) {
        // The server took the id again, so the earlier process is gone: its events were read or are lost.
        previous.fail(new TransportClosed({ message: `process id ${processId} was reused` }))
        channels.set(processId, channel)
        channel.resync()
      }
      return handleOf(channel)
    })

  /** Terminates a process whose owner is done with it, unless it already closed. */
  const release = (handle: ProcessHandle): Effect.Effect<void> =>
    Effect.suspend(() => {
      const channel = channels.get(handle.processId)
      if (channel === undefined || channel.finished || peer.closed !== undefined) return Effect.void
      return handle.terminate().pipe(Effect.timeout("5 seconds"), Effect.ignore)
    })

  const start = (startOptions: StartOptions): Effect.Effect<ProcessHandle, ClientError, Scope.Scope> =>
    startOptions.detached === true
      ? startUnscoped(startOptions)
      : Effect.acquireRelease(startUnscoped(startOptions), release)

  const communicate = (processId: string, input?: Uint8Array | string) =>
    Effect.gen(function*() {
      const handle = attach(processId)
      if (input !== undefined) yield* handle.write(input)
      yield* handle.closeStdin
      return yield* collect(handle, { stdout: [], stderr: [] })
    })

  const execBytes = (argv: ReadonlyArray<string>, execOptions: ExecOptions) =>
    Effect.scoped(Effect.gen(function*() {
      const { encoding: _, input, timeout, ...startOptions } = execOptions
      const handle = yield* start({ ...startOptions, argv, tty: false, pipeStdin: input !== undefined })
      if (input !== undefined) {
        yield* handle.write(input)
        yield* handle.closeStdin
      }
      const sink = { stdout: [] as Array<Uint8Array>, stderr: [] as Array<Uint8Array> }
      const collected = collect(handle, sink)
      if (timeout === undefined) return yield* collected
      return yield* collected.pipe(
        Effect.timeoutOrElse({
          duration: timeout,
          orElse: () =>
            Effect.fail(
              new ExecTimeout({
                processId: handle.processId,
                message: `${argv[0]} ran longer than ${Duration.format(Duration.fromInputUnsafe(timeout))}; it was terminated`,
                stdout: Buffer.concat(sink.stdout),
                stderr: Buffer.concat(sink.stderr)
              })
            )
        })
      )
    }))

  function exec(
    argv: ReadonlyArray<string>,
    options: ExecOptions & { readonly encoding: "utf8" }
  ): Effect.Effect<ExecResult<string>, ClientError | ExecTimeout>
  function exec(
    argv: ReadonlyArray<string>,
    options?: ExecOptions & { readonly encoding?: undefined }
  ): Effect.Effect<ExecResult, ClientError | ExecTimeout>
  function exec(argv: ReadonlyArray<string>, options?: ExecOptions): Effect.Effect<ExecResult<Uint8Array | string>, ClientError | ExecTimeout>
  function exec(argv: ReadonlyArray<string>, options: ExecOptions = {}): Effect.Effect<ExecResult<Uint8Array | string>, ClientError | ExecTimeout> {
    const result = execBytes(argv, options)
    if (options.encoding !== "utf8") return result
    return Effect.map(result, (bytes): ExecResult<string> => {
      const decoder = new TextDecoder()
      return { ...bytes, stdout: decoder.decode(bytes.stdout), stderr: decoder.decode(bytes.stderr) }
    })
  }

  return {
    start,
    process: attach,
    list: Effect.map(peer.call("process/list", {}), (result) => result.processes),
    wait: (processId) => attach(processId).exited,
    communicate,
    exec
  }
}
