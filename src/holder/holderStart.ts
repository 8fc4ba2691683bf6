/**
 * Starting an `exec-server-holder` to be attached later: its command line,
 * the child's environment on its stdin, its one start line, and the
 * protocol's error for a failed start. Holder.ts re-exports it.
 */
import * as Effect from "effect/Effect"
import * as NodeChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import { nativeSpawner } from "../native/addon.js"
import { InternalError, SpawnNotFound } from "../protocol/errors.js"
import { HolderSpawnFailed, HolderUnavailable, type SpawnStage } from "./holderErrors.js"

/** The holder's executable, built beside the addon. */
export const HOLDER_PATH = new URL("../../build/Release/exec-server-holder", import.meta.url).pathname


/** What a holder is to start. */
export interface HolderSpawnOptions {
  /** The holder's socket; its directory should be the caller's alone (0700). */
  readonly socketPath: string
  /** argv[0] included. */
  readonly argv: ReadonlyArray<string>
  /** The program run as `argv` (default argv[0]; searched on the child's PATH without a slash). */
  readonly file?: string | undefined
  /** The child's whole environment. */
  readonly env: Readonly<Record<string, string>>
  readonly cwd?: string | undefined
  /** On a terminal of this size; else with pipes. */
  readonly terminal?: { readonly rows: number; readonly cols: number } | undefined
  /** Pipes only: a writable stdin (else /dev/null). */
  readonly pipeStdin?: boolean | undefined
  /** cgroup.procs files the child joins before it runs anything. */
  readonly joinCgroups?: ReadonlyArray<string> | undefined
  /** The output ring: the newest bytes kept (default 8 MiB). */
  readonly ringBytes?: number | undefined
  /** How long the holder waits for a server to attach before it ends the child's group and exits (default 5 minutes). */
  readonly orphanTtlMs?: number | undefined
  /**
   * Once the child is done and everything is acknowledged, the holder stays
   * (its exit and ring kept for a later server) until DONE, or until no
   * server was attached this long (default: it exits at once).
   */
  readonly lingerMs?: number | undefined
  /** Between SIGTERM and SIGKILL when the holder ends the group (default 2 s). */
  readonly killGraceMs?: number | undefined
  /** Stdin the child has not read that the holder keeps (default 16 MiB). */
  readonly stdinBacklogBytes?: number | undefined
  /** Files the holder removes as it exits (what the server wrote about its process). */
  readonly removeOnExit?: ReadonlyArray<string> | undefined
  /** The executable (default HOLDER_PATH). */
  readonly holderPath?: string | undefined
}

/** A started holder. */
export interface HolderStarted {
  readonly holderPid: number
  readonly childPid: number
  readonly socketPath: string
}

/** The holder's command line for `options`. */
export const holderArgv = (options: HolderSpawnOptions): Array<string> => {
  const args = ["--socket", options.socketPath]
  const number = (flag: string, value: number | undefined) => {
    if (value !== undefined) args.push(flag, `${Math.floor(value)}`)
  }
  number("--ring-bytes", options.ringBytes)
  number("--orphan-ttl-ms", options.orphanTtlMs)
  number("--linger-ms", options.lingerMs)
  number("--kill-grace-ms", options.killGraceMs)
  number("--stdin-backlog-bytes", options.stdinBacklogBytes)
  if (options.terminal !== undefined) args.push("--pty", `${options.terminal.rows}`, `${options.terminal.cols}`)
  else if (options.pipeStdin === true) args.push("--stdin")
  if (options.cwd !== undefined) args.push("--cwd", options.cwd)
  if (options.file !== undefined) args.push("--file", options.file)
  for (const file of options.joinCgroups ?? []) args.push("--cgroup", file)
  for (const file of options.removeOnExit ?? []) args.push("--remove-on-exit", file)
  args.push("--", ...options.argv)
  return args
}

/** The child's environment as the holder reads it on its stdin: NUL-terminated NAME=VALUE entries. */
export const environmentBlock = (env: Readonly<Record<string, string>>): Buffer => {
  let text = ""
  for (const name in env) text += `${name}=${env[name]}\0`
  return Buffer.from(text, "utf8")
}

/** The holder's one line on stdout, parsed. */
export const parseStartLine = (line: string, socketPath: string): HolderStarted | HolderSpawnFailed | HolderUnavailable => {
  const ready = /^ready (\d+) (\d+)$/.exec(line)
  if (ready !== null) return { holderPid: Number(ready[1]), childPid: Number(ready[2]), socketPath }
  const failed = /^failed (\w+) (\w+) ?(.*)$/.exec(line)
  if (failed === null) return new HolderUnavailable({ message: `the holder said ${JSON.stringify(line)}` })
  const [, stage, errno, path] = failed as unknown as [string, SpawnStage, string, string]
  return new HolderSpawnFailed({
    message: `cannot start ${path === "" ? "the child" : path}: ${stage} ${errno}`,
    stage,
    errno,
    path,
    exitStatus: errno === "ENOENT" && (stage === "program" || stage === "interpreter") ? 127 : 126
  })
}

/**
 * Starts a holder: the child runs once this succeeds, held until a server
 * attaches (`attach`) or the orphan TTL ends it. The holder leads a session
 * of its own, so the caller's end does not end it. Started with the addon's
 * posix_spawn where it is built, else with Node's child_process.
 */
export const spawn = (options: HolderSpawnOptions): Effect.Effect<HolderStarted, HolderSpawnFailed | HolderUnavailable> =>
  Effect.callback<HolderStarted, HolderSpawnFailed | HolderUnavailable>((resume) => {
    const path = options.holderPath ?? HOLDER_PATH
    try {
      Fs.accessSync(path, Fs.constants.X_OK)
    } catch (error) {
      resume(Effect.fail(new HolderUnavailable({ message: `${path} cannot be run: ${(error as Error).message}` })))
      return
    }
    const args = holderArgv(options)
    let stdout: Net.Socket
    const addon = nativeSpawner()
    try {
      if (addon !== undefined) {
        // The holder's own environment is empty: the child's comes on stdin.
        const [, stdinFd, stdoutFd, stderrFd] = addon.spawn(path, [path, ...args], [], null, true, () => {})
        Fs.closeSync(stderrFd)
        stdout = new Net.Socket({ fd: stdoutFd, readable: true, writable: false })
        // Written at once: the holder reads it to its end before anything else (a larger environment waits for that).
        try {
          Fs.writeSync(stdinFd, environmentBlock(options.env))
        } finally {
          Fs.closeSync(stdinFd)
        }
      } else {
        const child = NodeChildProcess.spawn(path, args, { detached: true, env: {}, stdio: ["pipe", "pipe", "ignore"] })
        child.on("error", () => {})
        child.unref()
        child.stdin!.on("error", () => {})
        child.stdin!.end(environmentBlock(options.env))
        stdout = child.stdout as Net.Socket
      }
    } catch (error) {
      resume(Effect.fail(new HolderUnavailable({ message: `cannot start ${path}: ${(error as Error).message}` })))
      return
    }
    let text = ""
    stdout.setEncoding("utf8")
    stdout.on("data", (chunk: string) => {
      text += chunk
    })
    stdout.on("error", () => {})
    // Ends as the holder says its line: nothing of the caller waits on the holder after that.
    stdout.on("close", () => {
      const line = text.split("\n")[0] ?? ""
      const outcome = parseStartLine(line, options.socketPath)
      resume("holderPid" in outcome ? Effect.succeed(outcome) : Effect.fail(outcome))
    })
  })

/**
 * The protocol's error for a failed start, as the server's spawners make
 * it: a missing cwd or program is SpawnNotFound, the rest -32603 with errno.
 */
export const spawnErrorOf = (failure: HolderSpawnFailed): SpawnNotFound | InternalError =>
  failure.errno === "ENOENT" && (failure.stage === "cwd" || failure.stage === "program")
    ? new SpawnNotFound({ message: failure.message, missing: failure.stage, path: failure.path })
    : new InternalError({
      message: failure.stage === "interpreter"
        ? `cannot spawn ${failure.path}: its interpreter does not exist`
        : failure.errno === "EACCES" && failure.stage === "program"
        ? `cannot spawn ${failure.path}: permission denied`
        : failure.message,
      errno: failure.errno
    })

