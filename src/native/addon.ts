/**
 * Our native addon (native/*.c), built by `npm install` on Linux: posix_spawn
 * with pidfd exit watching, children's output read without net.Socket, and
 * base64 straight into a buffer. Undefined when
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
  /**
   * Reads a child's stdout and stderr on the event loop; see native/output.c.
   * `onOutput(stream, bytesRead)`: stream 1 or 2; bytesRead > 0 bytes at the
   * start of `buffer`, valid during the call; 0 when that stream has ended.
   * The watch owns both descriptors.
   */
  readonly watchOutput: (
    stdoutFd: number,
    stderrFd: number,
    buffer: Buffer,
    onOutput: (stream: 1 | 2, bytesRead: number) => void
  ) => OutputWatch
  /** Stops reading both streams until `resumeOutput`. */
  readonly pauseOutput: (watch: OutputWatch) => void
  readonly resumeOutput: (watch: OutputWatch) => void
  /** Closes what is still open, at once; `onOutput` is not called again. */
  readonly closeOutput: (watch: OutputWatch) => void
  /** Writes `source` in base64 (as Node's "base64") at `target[offset]`; returns the characters written. */
  readonly encodeBase64Into: (source: Uint8Array, target: Uint8Array, offset: number) => number
}

/** A handle on a child's output streams in the addon (opaque). */
export type OutputWatch = { readonly OutputWatch: unique symbol }

export const nativeAddon: NativeAddon | undefined = (() => {
  try {
    return createRequire(import.meta.url)(
      new URL("../../build/Release/exec_server_native.node", import.meta.url).pathname
    ) as NativeAddon
  } catch {
    return undefined
  }
})()
