/**
 * Drives the built `exec-server` binary over stdio the way a client does:
 * one JSON message per line, requests matched to responses by id, process
 * notifications collected per process.
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from "node:child_process"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { afterEach } from "vitest"
import { localServerCommand } from "../../src/client/ClientTransport.js"
import { keepStderr } from "./keptOutput.js"
import { REFERENCE_COMMAND } from "./reference.js"
import { WireClient } from "./WireClient.js"

export { pipeProcess, ptyProcess, type WireNotification, type WireResponse } from "./WireClient.js"
export { eventually, isAlive } from "./waiting.js"
export { needsReference, REFERENCE_BINARY, REFERENCE_INSTALL } from "./reference.js"
export { keepStderr } from "./keptOutput.js"

/**
 * The servers a comparison runs its cases on, as `describe.each` takes them:
 * ours, and the reference over stdio where it is installed (CI has none).
 */
export const SERVERS_TO_COMPARE: ReadonlyArray<{ readonly name: string; readonly command: ReadonlyArray<string> | undefined }> = [
  { name: "ours", command: undefined },
  ...(REFERENCE_COMMAND === undefined ? [] : [{ name: "reference", command: REFERENCE_COMMAND }])
]

/** The built CLI entry module (the binary started without its startup snapshot). */
export const SERVER_BIN = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../../dist/cli/main.js")

/**
 * The arguments that run the binary on the current Node as its launcher
 * does (same V8 flags, from the startup snapshot when one was built).
 */
export const serverArgs = (...args: ReadonlyArray<string>): Array<string> => [...localServerCommand().slice(1), ...args]

/** A running server and a client connected to its stdio. */
export class StdioServer extends WireClient {
  readonly child: ChildProcessWithoutNullStreams
  private readonly stderrText: () => string
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>

  /** `command`: another server speaking the same protocol on stdio (the reference), instead of ours. */
  constructor(args: ReadonlyArray<string> = [], command?: ReadonlyArray<string>, env?: Readonly<Record<string, string>>) {
    super()
    const options = { stdio: "pipe" as const, env: { ...process.env, ...env } }
    this.child = command === undefined
      ? spawn(process.execPath, serverArgs(...args), options)
      : spawn(command[0]!, [...command.slice(1), ...args], options)
    this.child.stdout.setEncoding("utf8")
    this.child.stdout.on("data", (text: string) => this.receivedText(text))
    this.stderrText = keepStderr(command === undefined ? "the server" : command[0]!, this.child.stderr)
    this.child.stdin.on("error", () => {})
    this.exited = new Promise((resolve) => this.child.on("exit", (code, signal) => resolve({ code, signal })))
  }

  /** All it has written to stderr so far. */
  get stderr(): string {
    return this.stderrText()
  }

  sendLine(line: string): void {
    this.child.stdin.write(line + "\n")
  }

  /** Closes stdin, as a client that goes away does, and waits for the server to exit. */
  async close(): Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }> {
    this.child.stdin.end()
    return this.exited
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill("SIGKILL")
  }
}

/** Runs the binary to completion (for flags that make it exit at once) and returns its exit status and stderr. */
export const runToExit = (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string>> = {}
): { readonly status: number | null; readonly stderr: string } => {
  try {
    execFileSync(process.execPath, serverArgs(...args), {
      stdio: ["ignore", "ignore", "pipe"],
      timeout: 10_000,
      env: { ...process.env, ...env }
    })
    return { status: 0, stderr: "" }
  } catch (error) {
    const failure = error as { status: number | null; stderr: Buffer }
    return { status: failure.status, stderr: String(failure.stderr) }
  }
}

/**
 * Starts stdio servers (after the handshake unless `handshake: false`) that
 * are killed after each test of the calling file.
 */
export const useStdioServers = () => {
  let servers: Array<StdioServer> = []
  afterEach(() => {
    for (const server of servers) server.kill()
    servers = []
  })
  return async (
    args: ReadonlyArray<string> = [],
    options: {
      readonly handshake?: boolean
      readonly command?: ReadonlyArray<string> | undefined
      readonly env?: Readonly<Record<string, string>>
    } = {}
  ) => {
    const server = new StdioServer(args, options.command, options.env)
    servers.push(server)
    if (options.handshake !== false) await server.handshake()
    return server
  }
}
