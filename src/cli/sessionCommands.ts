/**
 * The command-line client's commands that look at a server and act on its
 * sessions without attaching to a process: `ps`, `sessions`, `kill`,
 * `environments` (a NATS cluster's registry) and `console-url`. `exec` and
 * `attach`, which attach, are remote.ts's.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as ExecServerClient from "../client/ExecServerClient.js"
import { defaultKeyFile, readKey } from "../console/consoleKey.js"
import { consolePageUrl } from "../console/WebConsole.js"
import { natsFlags } from "./commandFlags.js"
import * as Cli from "./commandSpec.js"
import * as NatsFlags from "./natsFlagValues.js"
import { CliFailure, clientLayer, connectionOptions, connectTimeout, reportFailure, sayingWhileConnecting, sessionOption } from "./remoteConnection.js"
import { signalWordsHelp } from "./signalWords.js"

export const psCommand = Cli.make(
  "ps",
  "List the processes of a session",
  { ...connectionOptions, session: sessionOption },
  (flags) =>
    Effect.gen(function*() {
      const client = yield* ExecServerClient.ExecServerClient
      const processes = yield* client.list
      // Memory and CPU time are known for a process in a cgroup (resource limits): their columns only when one is.
      const usage = processes.some((entry) => entry.memoryBytes !== undefined || entry.cpuTimeMs !== undefined)
      process.stdout.write(columns([
        ["PROCESS", "PID", "STATUS", "TTY", ...(usage ? ["MEM", "CPU"] : []), "COMMAND"],
        ...processes.map((entry) => [
          entry.processId,
          String(entry.pid),
          entry.running ? "running" : `exited ${entry.exitCode}`,
          entry.tty ? "yes" : "no",
          ...(usage
            ? [
              entry.memoryBytes === undefined ? "-" : sizeOf(entry.memoryBytes),
              entry.cpuTimeMs === undefined ? "-" : `${(entry.cpuTimeMs / 1000).toFixed(2)}s`
            ]
            : []),
          entry.argv.join(" ")
        ])
      ]))
      if (Option.isNone(flags.session)) process.stderr.write(`(session ${client.sessionId}; give --session ID to list a detached one)\n`)
    }).pipe(Effect.provide(clientLayer(flags)), Effect.catch(reportFailure))
)

/** A duration in the unit a person reads it in: 42s, 7m, 3h, 2d. */
export const ageOf = (ms: number): string => {
  const seconds = Math.max(0, Math.round(ms / 1000))
  if (seconds < 120) return `${seconds}s`
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`
  return `${Math.round(seconds / 86_400)}d`
}

/** Bytes as a size in the words `exec --memory` takes: 512B, 3.4K, 61.2M, 1.5G (powers of 1024). */
export const sizeOf = (bytes: number): string => {
  const units = ["K", "M", "G", "T"]
  if (bytes < 1024) return `${bytes}B`
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(1)}${units[unit]}`
}

/** Rows as aligned columns, the last one as it is. */
const columns = (rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
  return rows.map((row) => row.map((cell, column) => column === row.length - 1 ? cell : cell.padEnd(widths[column]!)).join("  ") + "\n").join("")
}

export const sessionsCommand = Cli.make(
  "sessions",
  "List the server's sessions, attached and detached, to find one to attach to again",
  {
    ...connectionOptions,
    json: { _tag: "Switch", name: "json", help: "One JSON array of the sessions (as session/list answers) instead of a table" }
  },
  (flags) =>
    Effect.gen(function*() {
      const client = yield* ExecServerClient.ExecServerClient
      const listed = yield* client.call("session/list", {})
      // This client's own session is not one to look for.
      const sessions = listed.sessions.filter((session) => session.sessionId !== listed.sessionId)
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(sessions)}\n`)
        return
      }
      const now = Date.now()
      process.stdout.write(columns([
        ["SESSION", "STATE", "TTL", "PROCESSES", "AGE", "CLIENT", "PEER"],
        ...sessions.map((session) => [
          session.sessionId,
          session.attached
            ? "attached"
            : `detached${session.detachExpiresAtMs === null ? "" : ` (ends in ${ageOf(session.detachExpiresAtMs - now)})`}`,
          // What the server granted (its --max-detach-ttl-ms caps what a client asks).
          ageOf(session.detachTtlMs),
          String(session.processes),
          ageOf(now - session.createdAtMs),
          session.clientName,
          session.peer === null ? session.transport : `${session.transport} ${session.peer}`
        ])
      ]))
    }).pipe(Effect.provide(clientLayer(flags)), Effect.catch(reportFailure))
)

/** How a process ended, in words. */
const endOf = (status: ExecServerClient.ExitStatus, sent: string): string => {
  if (status.signal === "SIGKILL" && sent === "SIGTERM") return "killed after the grace period (SIGKILL)"
  if (status.signal !== null) return `${status.signal === sent ? "terminated" : "killed"} (${status.signal})`
  return `exited with code ${status.exitCode}`
}

export const killCommand = Cli.make(
  "kill",
  "Terminate a process (and wait until it is gone), or send it a signal",
  {
    ...connectionOptions,
    session: sessionOption,
    signal: {
      _tag: "OptionalSignal",
      name: "signal",
      help: "Send this signal instead of terminating (SIGTERM, then SIGKILL after the server's grace period), named as kill(1) " +
        `takes it, so KILL, SIGKILL, kill and 9 are one: ${signalWordsHelp()}`
    },
    wait: { _tag: "Switch", name: "wait", help: "With --signal: wait until the process has exited, and say how" },
    noWait: { _tag: "Switch", name: "no-wait", help: "Without --signal: return once SIGTERM is sent, without waiting for the exit" },
    processId: { _tag: "Arg", name: "process", help: "The process to terminate or signal" }
  },
  (flags) =>
    Effect.gen(function*() {
      const client = yield* ExecServerClient.ExecServerClient
      // The server answers alike for an unknown and an exited process: the list tells them apart.
      const info = (yield* client.list).find((entry) => entry.processId === flags.processId)
      if (info === undefined) {
        const where = Option.isSome(flags.session) ? `session ${flags.session.value}` : "a new session (give --session ID)"
        return yield* new CliFailure({ message: `no process ${flags.processId} in ${where}` })
      }
      const handle = client.process(flags.processId)
      const sent = Option.getOrElse(flags.signal, () => "SIGTERM")
      const delivered = info.running && (yield* Option.match(flags.signal, {
        onNone: () => handle.terminate(),
        onSome: (signal) => handle.signal(signal)
      }))
      if (!delivered) {
        const status = yield* handle.exited
        const ended = status.signal === null ? `exited with code ${status.exitCode}` : `was ended by ${status.signal}`
        return yield* new CliFailure({ message: `${flags.processId} is not running: it ${ended}` })
      }
      const wait = Option.isNone(flags.signal) ? !flags.noWait : flags.wait
      if (!wait) {
        process.stdout.write(`${flags.processId}: ${sent} sent${Option.isNone(flags.signal) ? ", SIGKILL after the grace period" : ""}\n`)
        return
      }
      process.stdout.write(`${flags.processId}: ${endOf(yield* handle.exited, sent)}\n`)
    }).pipe(Effect.provide(clientLayer(flags)), Effect.catch(reportFailure))
)

export const environmentsCommand = Cli.make(
  "environments",
  "List the live environments registered in a NATS cluster (executors started with --connect)",
  {
    connect: { _tag: "RequiredText", name: "connect", help: "The NATS cluster to ask: nats://HOST:PORT[,nats://HOST:PORT...]" },
    json: { _tag: "Switch", name: "json", help: "One JSON array of the records instead of a table" },
    connectTimeout,
    ...natsFlags
  },
  (flags) =>
    Effect.gen(function*() {
      const servers = NatsFlags.serversOf(flags.connect)
      if (typeof servers === "string") return yield* new CliFailure({ message: servers })
      const auth = NatsFlags.natsAuthOf(flags)
      if (typeof auth === "string") return yield* new CliFailure({ message: auth })
      // Loaded on demand, as for nats:// URLs.
      const [NatsConnect, Registry] = yield* Effect.promise(() =>
        Promise.all([import("../remote/natsConnect.js"), import("../remote/Registry.js")])
      )
      const connection = yield* NatsConnect.connectScoped({ servers, ...auth, name: "exec-server-cli", connectTimeoutMs: flags.connectTimeout }).pipe(
        sayingWhileConnecting(`connecting to ${flags.connect}`, flags.connectTimeout)
      )
      process.stdout.write(Registry.renderEnvironments(yield* Registry.list(connection), { json: flags.json }))
    }).pipe(Effect.scoped, Effect.catch(reportFailure))
)

export const consoleUrlCommand = Cli.make(
  "console-url",
  "Print a one-time login link to the web console of a server started with --console",
  {
    ...connectionOptions,
    consoleKeyFile: {
      _tag: "OptionalPath",
      name: "console-key-file",
      help: "The server's console key (its --console-key-file); default: console-PORT.key in $XDG_RUNTIME_DIR/exec-server, else ~/.exec-server, as the server writes it"
    }
  },
  (flags) => {
    // Checked before connecting: `stdio` would start a server of its own, which has no listener.
    if (!flags.url.startsWith("ws://") && !flags.url.startsWith("wss://")) {
      return reportFailure(new CliFailure({ message: "the console is on a WebSocket listener: give its ws://HOST:PORT" }))
    }
    return Effect.gen(function*() {
      // The operator's credential: the key the server wrote where only its user can read it.
      const url = new URL(flags.url)
      const keyFile = Option.getOrElse(
        flags.consoleKeyFile,
        () => defaultKeyFile(process.env, Number(url.port || (url.protocol === "wss:" ? 443 : 80)))
      )
      // Asked without a key it cannot read: a server without the console says so, one with it refuses (then the key's problem is why).
      const key = yield* Effect.result(readKey(keyFile))
      const keyProblem = key._tag === "Failure" ? key.failure.message : undefined
      const client = yield* ExecServerClient.ExecServerClient
      const link = yield* client.call("console/createLink", key._tag === "Success" ? { consoleKey: key.success } : {}).pipe(
        Effect.catchIf(
          (error) => error._tag === "ExecServer/MethodNotFound",
          () => Effect.fail(new CliFailure({ message: `the server at ${flags.url} has no web console: start it with --console` }))
        ),
        Effect.catchIf(
          (error) => error._tag === "ExecServer/InvalidRequest" && keyProblem !== undefined,
          () => Effect.fail(new CliFailure({ message: keyProblem! }))
        )
      )
      process.stdout.write(`${consolePageUrl(flags.url, link.path)}\n`)
      const minutes = Math.max(1, Math.round((link.expiresAtMs - Date.now()) / 60_000))
      process.stderr.write(`(one use, within ${minutes} minutes)\n`)
    }).pipe(Effect.provide(clientLayer(flags)), Effect.catch(reportFailure))
  }
)
