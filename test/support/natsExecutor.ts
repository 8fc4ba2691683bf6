/**
 * The built binary as a NATS executor (`--connect URL --environment-id ID`),
 * as a separate process a test can signal, for the remote tests.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { serverArgs } from "./StdioServer.js"

/** A running executor and what it has written on stderr so far. */
export type ExecutorProcess = ChildProcess & { readonly stderrText: () => string }

/**
 * Starts the binary as the executor of `environmentId` through `url` (one
 * node, or several comma-separated), with `env` over this process's
 * environment; resolves once it says it serves and `until` is on its stderr
 * too, rejects if it exits first.
 */
export const startExecutorProcess = (
  url: string,
  environmentId: string,
  args: ReadonlyArray<string> = [],
  until = "exec-server serving nats://",
  startTimeoutMs = 30_000,
  env: Readonly<Record<string, string>> = {}
): Promise<ExecutorProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, serverArgs("--connect", url, "--environment-id", environmentId, ...args), {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, ...env }
    })
    let stderr = ""
    // A test's own timeout would say nothing of why the executor never served: this says what it logged.
    const tooLong = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`the executor did not serve within ${startTimeoutMs} ms: ${stderr}`))
    }, startTimeoutMs)
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
      if (stderr.includes("exec-server serving nats://") && stderr.includes(until)) {
        clearTimeout(tooLong)
        resolve(Object.assign(child, { stderrText: () => stderr }))
      }
    })
    child.once("exit", (code) => {
      clearTimeout(tooLong)
      reject(new Error(`the executor exited (${code}): ${stderr}`))
    })
  })

/** Resolves once the process has exited (at once if it already has). */
export const processExited = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve()))
