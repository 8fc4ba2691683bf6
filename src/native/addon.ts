/**
 * Our native addon (native/*.c), built by `npm install` on Linux: posix_spawn
 * with pidfd exit watching, and base64 straight into a buffer. Undefined when
 * it was not built (another OS, no C compiler); its users then fall back on
 * Node's own means. The path is the same from src/, dist/ and the bundled
 * binary in dist/cli/.
 */
import { createRequire } from "node:module"

export interface NativeAddon {
  /** Whether this kernel has pidfds (Linux ≥ 5.3), which `spawn` needs. */
  readonly supported: () => boolean
  /** posix_spawn in a session of its own; see native/spawn.c. */
  readonly spawn: (
    file: string,
    argv: ReadonlyArray<string>,
    env: ReadonlyArray<string>,
    cwd: string | null,
    pipeStdin: boolean,
    onExit: (code: number, signal: number) => void
  ) => [pid: number, stdin: number, stdout: number, stderr: number]
  /** Writes `source` in base64 (as Node's "base64") at `target[offset]`; returns the characters written. */
  readonly encodeBase64Into: (source: Uint8Array, target: Uint8Array, offset: number) => number
}

export const nativeAddon: NativeAddon | undefined = (() => {
  try {
    return createRequire(import.meta.url)(
      new URL("../../build/Release/exec_server_native.node", import.meta.url).pathname
    ) as NativeAddon
  } catch {
    return undefined
  }
})()
