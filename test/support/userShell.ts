/** Running commands as a user's shell would. */
import { spawn } from "node:child_process"
import * as Path from "node:path"

/**
 * The environment of a user's shell: this test's, without what `npm test`
 * and vitest put in it (an `npm_config_local_prefix` would point a scratch
 * app's npm at this repository), with this test's Node first on PATH.
 */
export const userEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(npm_|vitest|init_cwd$)/i.test(name)) env[name] = value
  }
  env["PATH"] = [Path.dirname(process.execPath), process.env["PATH"]].join(Path.delimiter)
  return env
}

export interface PipedRun {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs this Node with `args` and no terminal (stdin empty, output piped),
 * without blocking this process: a server the command reaches may be in it.
 */
export const runPiped = (args: ReadonlyArray<string>): Promise<PipedRun> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "pipe"] })
    child.stdin.end()
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.on("close", (status) => resolve({ status, stdout, stderr }))
  })
