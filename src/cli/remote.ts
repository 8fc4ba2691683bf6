/**
 * The command-line client: `exec` and `attach` against a server (WebSocket,
 * a stdio server it starts, or an environment over NATS), as `kubectl exec`
 * and `docker attach` work (its other commands are sessionCommands.ts's). Built on the typed client; the local terminal is
 * raw only while a TTY process is attached, and restored on every way out.
 */
import type { CommandGuide } from "./help.js"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import type { ClientError } from "../client/ClientError.js"
import * as ExecServerClient from "../client/ExecServerClient.js"
import * as Cli from "./commandSpec.js"
import { canPrompt, denialTeller, TerminalAsker, terminalDecider } from "./networkPrompt.js"
import { execNetworkOf, networkFlagsGiven, networkOptions } from "./networkFlags.js"
import { execResourcesOf, resourceOptions } from "./resourceFlags.js"
import { execSandboxOf, sandboxOptions } from "./sandboxFlags.js"
import {
  type AttachOptions,
  attachTo,
  type ForwardedSignal,
  forwardSignals,
  firstSignal,
  SIGPIPE_STATUS,
  signalStatus,
  takeOverSignals,
  startingTerminalSize
} from "./attach.js"
import {
  connectionOptions,
  DETACH_TTL_MS,
  CliFailure,
  clientLayer,
  reportFailure
} from "./remoteConnection.js"
import { ageOf, consoleUrlCommand, environmentsCommand, killCommand, psCommand, sessionsCommand } from "./sessionCommands.js"

/**
 * The line that says a process was left running, and how to get back to it
 * (on stderr; a `\r` first, for a terminal that was raw until just now).
 */
const reportDetached = (url: string, sessionId: string, processId: string, kept: string | undefined) =>
  process.stderr.write(
    `${process.stderr.isTTY ? "\r" : ""}[exec-server: detached; ${kept === undefined ? "" : `${kept}; `}session ${sessionId}, process ${processId}; ` +
      `attach with: exec-server attach ${url} --session ${sessionId} --process ${processId}]\n`
  )

/**
 * What the server granted of the detach TTL asked, when it is less (its
 * `--max-detach-ttl-ms` caps it): `the server keeps it 5m (asked 10m)`.
 * Undefined when it granted all, or did not say (an older server).
 */
const keptLess = (asked: number | undefined, granted: number | undefined): string | undefined =>
  asked === undefined || granted === undefined || granted >= asked
    ? undefined
    : granted === 0
    ? `the server does not keep it (asked ${ageOf(asked)}; its --max-detach-ttl-ms is 0)`
    : `the server keeps it ${ageOf(granted)} (asked ${ageOf(asked)})`

/** Reports a misuse of the command line on stderr and exits 2, as the parser's own checks do. */
const reportUsage = (message: string) =>
  Effect.sync(() => {
    process.stderr.write(`exec-server: ${message}\n`)
    process.exitCode = 2
  })

/** Why a start failed, as a shell would say it, and the exit status a shell gives it: 127 not found, 126 not executable. */
const startFailure = (program: string, error: ClientError): { readonly says: string; readonly status: number } => {
  if (error._tag === "ExecServer/SpawnNotFound") {
    return error.missing === "program"
      ? { says: `${program}: command not found`, status: 127 }
      : { says: error.message, status: 1 }
  }
  if (error._tag === "ExecServer/InternalError" && error.errno !== undefined && error.errno in CANNOT_EXECUTE) {
    return { says: `${program}: cannot execute: ${CANNOT_EXECUTE[error.errno]}`, status: 126 }
  }
  // As docker run: the limits asked cannot be had here, and nothing ran.
  if (error._tag === "ExecServer/InvalidRequest" && (error.reason === "resourcesAboveCeiling" || error.reason === "resourcesUnavailable")) {
    return { says: `refused: ${error.message}`, status: 125 }
  }
  return { says: error.message, status: 1 }
}

/** The errors of a program that exists and cannot be run, in strerror's words. */
const CANNOT_EXECUTE: Record<string, string> = {
  EACCES: "Permission denied",
  EPERM: "Operation not permitted",
  ENOEXEC: "Exec format error",
  EISDIR: "Is a directory",
  ETXTBSY: "Text file busy"
}

/** What the client says of a process whose cgroup met its memory limit (its status stays the kernel's: 137 for SIGKILL). */
const OOM_KILLED = "killed by the kernel's OOM killer at its memory limit"

/** A command that ends the client with an exit status, after a message on stderr when there is one. */
class ExitWith extends Data.TaggedError("ExitWith")<{ readonly status: number; readonly says?: string }> {}

const execCommand = Cli.make(
  "exec",
  "Run a command on a server, like ssh or kubectl exec; exits with its exit status",
  {
    ...connectionOptions,
    tty: {
      _tag: "Switch",
      name: "tty",
      alias: "t",
      help: "Run in a terminal, the local one raw (the default when stdin and stdout are both terminals)"
    },
    noTty: { _tag: "Switch", name: "no-tty", alias: "T", help: "Run with pipes, stdout and stderr apart, even from a terminal" },
    cwd: { _tag: "OptionalText", name: "cwd", help: "Working directory (default: the server's)" },
    env: { _tag: "KeyValue", name: "env", help: "K=V set over the server's environment (repeatable)" },
    detachTtlMs: {
      _tag: "OptionalWhole",
      name: "detach-ttl-ms",
      help: "Keep the session this long (ms) after this client goes, so that the command can be left running: " +
        "Ctrl-P Ctrl-Q detaches from a terminal (without it, leaving ends the command, and the keys go to it). " +
        "The server's --max-detach-ttl-ms caps it (default 300000); the client says when it got less"
    },
    detach: {
      _tag: "Switch",
      name: "detach",
      help: "Start the command and leave it running at once; prints SESSION PROCESS on stdout (the session stays --detach-ttl-ms, default 300000)"
    },
    processId: { _tag: "OptionalText", name: "process", help: "The process id to give it (default: a fresh one)" },
    ...resourceOptions,
    ...sandboxOptions,
    ...networkOptions,
    argv: { _tag: "Arg", name: "command", help: "The command and its arguments, after --", variadic: true }
  },
  (flags) => {
    const detachTtlMs = Option.getOrUndefined(flags.detachTtlMs) ?? (flags.detach ? DETACH_TTL_MS : undefined)
    if (flags.tty && flags.noTty) return reportUsage("--tty and --no-tty contradict each other: give one")
    if (detachTtlMs !== undefined && flags.url === "stdio") {
      return reportUsage("a stdio server ends with this command: leaving a command running needs a ws:// server")
    }
    if (detachTtlMs !== undefined && detachTtlMs <= 0) return reportUsage("--detach-ttl-ms must be more than 0")
    const limits = execResourcesOf(flags)
    if (typeof limits === "string") return reportUsage(limits)
    const sandbox = execSandboxOf(flags, networkFlagsGiven(flags))
    if (typeof sandbox === "string") return reportUsage(sandbox)
    const network = execNetworkOf(flags, flags.detach, sandbox.proxy)
    if (typeof network === "string") return reportUsage(network)
    // As ssh decides: a terminal when asked for, or when both ends of the
    // client are one (output into a pipe or a file gets pipes: no \r\n, no
    // colours, stderr apart).
    const tty = flags.tty || !flags.detach && !flags.noTty && process.stdin.isTTY === true && process.stdout.isTTY === true
    const program = flags.argv[0]!
    return Effect.gen(function*() {
      const signals = yield* takeOverSignals
      // Until the client is connected, a signal ends it at once, as it asks.
      const client = yield* Effect.raceFirst(
        Effect.map(
          Layer.build(clientLayer({
            ...flags,
            detachTtlMs,
            network: network.client
          })),
          (built) => Context.get(built, ExecServerClient.ExecServerClient)
        ),
        endedBySignal(signals)
      )
      const starting = yield* Effect.forkScoped(
        client.start({
          argv: flags.argv,
          tty,
          pipeStdin: !tty && !flags.detach,
          // A session that outlives this client keeps its process however the client goes.
          detached: detachTtlMs !== undefined,
          ...(tty ? { size: startingTerminalSize() } : {}),
          ...Option.match(flags.processId, { onNone: () => ({}), onSome: (processId) => ({ processId }) }),
          ...Option.match(flags.cwd, { onNone: () => ({}), onSome: (cwd) => ({ cwd }) }),
          ...Option.match(flags.env, {
            onNone: () => ({}),
            onSome: (set) => ({ envPolicy: { set } })
          }),
          ...limits,
          ...sandbox.start,
          ...network.start
        }).pipe(Effect.mapError((error) => new ExitWith(startFailure(program, error))))
      )
      const { handle, early } = yield* startedOrSignalled(starting, signals)
      const kept = keptLess(detachTtlMs, client.server.detachTtlMs)
      if (flags.detach) {
        process.stdout.write(`${client.sessionId} ${handle.processId}\n`)
        reportDetached(flags.url, client.sessionId, handle.processId, kept)
        // Detached, the command runs on; the client still leaves as the signal asked.
        if (early !== undefined) return yield* new ExitWith({ status: signalStatus(early) })
        return
      }
      // The keys only from a terminal: piped bytes may hold them by chance.
      const detachKeys = detachTtlMs !== undefined && process.stdin.isTTY === true
      if (detachKeys) {
        process.stderr.write(`[exec-server: Ctrl-P Ctrl-Q detaches, leaving it running${kept === undefined ? "" : `; ${kept}`}]\r\n`)
      } else if (kept !== undefined) {
        // Said before it matters: a dropped connection leaves the session for that long.
        process.stderr.write(`exec-server: ${kept}\n`)
      }
      yield* follow(handle, signals, {
        early,
        tty,
        detachKeys,
        input: network.asker,
        url: flags.url,
        sessionId: client.sessionId,
        kept,
        // As a pipeline ends: the command goes with the reader.
        onOutputClosed: handle.terminate().pipe(Effect.timeout("5 seconds"), Effect.ignore)
      })
    }).pipe(endWithStatus)
  }
)

/** Ends the client with the status (and its message, if any, on stderr). */
const exitWith = (exit: ExitWith) =>
  Effect.sync(() => {
    if (exit.says !== undefined) process.stderr.write(`exec-server: ${exit.says}\n`)
    process.exitCode = exit.status
  })

/** Runs an attaching command in its scope and leaves with its status: an `ExitWith`'s, or 1 for a failure. */
const endWithStatus = <E extends { readonly _tag: string; readonly message: string }, R>(
  command: Effect.Effect<void, E | ExitWith, R>
) =>
  command.pipe(
    Effect.scoped,
    Effect.catch((error) => error._tag === "ExitWith" ? exitWith(error as ExitWith) : reportFailure(error))
  )

/** How long a signal received while the start is asked for waits for its answer before it ends the client. */
const START_ANSWER_WAIT = "2 seconds"

/**
 * The started process, and the signal the client received while its start
 * was being asked for, if one came. The server may have started the command
 * already: the answer is waited for (a moment) and the signal then passed on
 * to the command as any later one, rather than the client going while its
 * command runs on until the server sees the connection close. No answer by
 * then (a server that stalls): the signal ends the client, as it asks.
 */
const startedOrSignalled = (
  starting: Fiber.Fiber<ExecServerClient.ProcessHandle, ExitWith>,
  signals: Queue.Dequeue<ForwardedSignal>
): Effect.Effect<{ readonly handle: ExecServerClient.ProcessHandle; readonly early?: ForwardedSignal }, ExitWith> =>
  Effect.gen(function*() {
    const first = yield* Effect.raceFirst(
      Effect.map(Fiber.join(starting), (handle) => ({ _tag: "Started" as const, handle })),
      Effect.map(Queue.take(signals), (signal) => ({ _tag: "Signalled" as const, signal }))
    )
    if (first._tag === "Started") return { handle: first.handle }
    const answer = yield* Effect.timeoutOption(Fiber.join(starting), START_ANSWER_WAIT)
    if (Option.isNone(answer)) {
      yield* Fiber.interrupt(starting)
      return yield* new ExitWith({ status: signalStatus(first.signal) })
    }
    return { handle: answer.value, early: first.signal }
  })

/** Fails with the status of the first signal the client receives (until the client is connected, a signal ends it). */
const endedBySignal = (signals: Queue.Dequeue<ForwardedSignal>) =>
  Effect.flatMap(firstSignal(signals), (status) => Effect.fail(new ExitWith({ status })))

/**
 * Follows a process until it closes (the client's status is then its
 * exit code), the local side detaches, or stdout's reader goes away (141,
 * after `onOutputClosed`), with the signals the client receives passed on
 * to it meanwhile (one that cannot reach it ends the client).
 */
const follow = (
  handle: ExecServerClient.ProcessHandle,
  signals: Queue.Dequeue<ForwardedSignal>,
  options: AttachOptions & {
    /** A signal received before the process ran, passed on first. */
    readonly early?: ForwardedSignal | undefined
    readonly url: string
    readonly sessionId: string
    /** What the server granted of the detach TTL, when less than asked. */
    readonly kept?: string | undefined
    readonly onOutputClosed: Effect.Effect<void>
  }
): Effect.Effect<void, ClientError | ExitWith> =>
  Effect.gen(function*() {
    const attachment = yield* Effect.raceFirst(
      attachTo(handle, options),
      Effect.flatMap(forwardSignals(signals, handle, options.early), (status) => Effect.fail(new ExitWith({ status })))
    )
    switch (attachment._tag) {
      case "Detached":
        reportDetached(options.url, options.sessionId, handle.processId, options.kept)
        return
      case "OutputClosed":
        yield* options.onOutputClosed
        return yield* new ExitWith({ status: SIGPIPE_STATUS })
      case "Closed":
        if (attachment.oomKilled === true) process.stderr.write(`exec-server: ${OOM_KILLED}\n`)
        process.exitCode = attachment.exitCode
    }
  })

const attachCommand = Cli.make(
  "attach",
  "Attach to a process of a detached session: its retained output, then live; Ctrl-P Ctrl-Q detaches",
  {
    ...connectionOptions,
    session: { _tag: "RequiredText", name: "session", help: "The detached session the process belongs to" },
    processId: { _tag: "RequiredText", name: "process", help: "The process to attach to" }
  },
  (flags) =>
    Effect.gen(function*() {
      const signals = yield* takeOverSignals
      // The session's processes may ask about hosts (exec --ask-domains, detached): on a terminal the one attached answers;
      // the hosts their proxies refuse are told, as exec tells them.
      const asker = canPrompt() ? new TerminalAsker() : undefined
      const started = yield* Effect.raceFirst(
        Effect.gen(function*() {
          const client = Context.get(
            yield* Layer.build(clientLayer({
              ...flags,
              session: Option.some(flags.session),
              network: {
                ...(asker === undefined ? {} : { networkPolicyDecider: terminalDecider(asker) }),
                onNetworkPolicyDecision: denialTeller(asker !== undefined)
              }
            })),
            ExecServerClient.ExecServerClient
          )
          const info = (yield* client.list).find((entry) => entry.processId === flags.processId)
          if (info === undefined) return yield* new CliFailure({ message: `no process ${flags.processId} in session ${flags.session}` })
          return { client, info }
        }),
        endedBySignal(signals)
      )
      const handle = started.client.process(flags.processId)
      process.stderr.write("[exec-server: attached; Ctrl-P Ctrl-Q detaches]\r\n")
      const tty = started.info.tty && process.stdin.isTTY === true
      yield* follow(handle, signals, {
        tty,
        detachKeys: true,
        input: asker,
        url: flags.url,
        sessionId: flags.session,
        // Not this client's process: it is left running, as a detach would.
        onOutputClosed: Effect.void
      })
    }).pipe(endWithStatus)
)

/** The client subcommands of the binary. */
export const clientCommands = [
  execCommand,
  attachCommand,
  psCommand,
  killCommand,
  sessionsCommand,
  environmentsCommand,
  consoleUrlCommand
] as const

/** Each client command's usage line and examples, for its `--help`. */
export const clientGuides: Readonly<Record<string, CommandGuide>> = {
  exec: {
    summary: "Run a command on a server, like ssh; exits with its status",
    usage: "exec-server exec [FLAGS] URL -- COMMAND [ARG...]   (URL: ws://HOST:PORT, nats://HOST:PORT/ENV or stdio)",
    examples: [
      "exec-server exec ws://127.0.0.1:8765 -- make test          # its exit status is the client's",
      "exec-server exec --detach-ttl-ms 600000 URL -- bash         # Ctrl-P Ctrl-Q leaves it running",
      "exec-server exec --allow-domain registry.npmjs.org URL -- npm ci   # other hosts: asked on the terminal, else denied",
      "exec-server exec --sandbox-write \"$PWD\" -m 2G URL -- make  # writes $PWD only, no network, 2G of memory"
    ]
  },
  attach: {
    summary: "Attach to a process of a detached session",
    usage: "exec-server attach [FLAGS] URL --session S --process P",
    examples: ["exec-server attach ws://127.0.0.1:8765 --session S --process P   # retained output, then live"]
  },
  sessions: {
    summary: "List the server's sessions, to find a detached one",
    usage: "exec-server sessions [FLAGS] URL [--json]",
    examples: [
      "exec-server sessions ws://127.0.0.1:8765                   # then: exec-server ps URL --session S",
      "exec-server sessions ws://127.0.0.1:8765 --json | jq -r '.[] | select(.attached | not) | .sessionId'"
    ]
  },
  ps: {
    summary: "List the processes of a session",
    usage: "exec-server ps [FLAGS] URL [--session S]",
    examples: ["exec-server ps ws://127.0.0.1:8765 --session S"]
  },
  kill: {
    summary: "Terminate a process, or send it a signal",
    usage: "exec-server kill [FLAGS] URL PROCESS [--session S] [--signal SIGNAL [--wait]] [--no-wait]",
    examples: [
      "exec-server kill ws://127.0.0.1:8765 P --session S                  # SIGTERM, SIGKILL after the grace period; waits",
      "exec-server kill ws://127.0.0.1:8765 P --session S --signal INT",
      "exec-server kill ws://127.0.0.1:8765 P --session S --signal 9 --wait   # or KILL, SIGKILL, kill"
    ]
  },
  environments: {
    summary: "List the environments registered in a NATS cluster",
    usage: "exec-server environments --connect nats://HOST:PORT[,...] [--json] [FLAGS]",
    examples: ["exec-server environments --connect nats://127.0.0.1:4222"]
  },
  "console-url": {
    summary: "Print a one-time login link to a server's web console",
    usage: "exec-server console-url [FLAGS] ws://HOST:PORT",
    examples: [
      "exec-server console-url ws://127.0.0.1:8765 --token-file /etc/exec-server/token   # as the server's user, on its host",
      "exec-server console-url ws://127.0.0.1:8765 --console-key-file /run/exec-server/console.key"
    ]
  }
}
