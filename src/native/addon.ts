/**
 * Our native addon (native/*.c), built by `npm install` on Linux: posix_spawn
 * with pidfd exit watching, children's output read without net.Socket,
 * base64 straight into a buffer, and descriptors kept from children. It is
 * loaded when first needed (the first child started, pipe or terminal, or
 * output chunk), unless `EXEC_SERVER_NATIVE=0` or
 * `turnOffNativeAddon` switched it off; where it is off or was not built
 * (another OS, no C compiler) its users fall back on Node's own means. The
 * path is the same from src/, dist/ and the bundled binary in dist/cli/.
 */
import { createRequire } from "node:module"
import { startupSnapshot } from "node:v8"

export interface NativeAddon {
  /** Whether this kernel has pidfds (Linux ≥ 5.3), which `spawn` needs. */
  readonly supported: () => boolean
  /** posix_spawn (or, to join cgroups, clone) in a session of its own; see native/spawn.c. */
  readonly spawn: (
    file: string,
    argv: ReadonlyArray<string>,
    env: ReadonlyArray<string>,
    cwd: string | null,
    pipeStdin: boolean,
    onExit: (code: number, signal: number) => void,
    /** cgroup.procs files the child joins before its execve (a clone of our own then, not posix_spawn). */
    joinFiles?: ReadonlyArray<string> | null,
    /** The child's fd 3 one end of a Unix stream socketpair, `connection` the other (-1 without; not with `joinFiles`). */
    connection?: boolean
  ) => [pid: number, stdin: number, stdout: number, stderr: number, connection?: number]
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
  /**
   * Reads a terminal's master on a thread of its own (native/terminal.c),
   * through a close-on-exec duplicate of `masterFd`: `onOutput(1, bytesRead)`
   * from the event loop, bytes at the start of `buffer`, valid during the
   * call; 0 once the terminal has hung up. The caller keeps `masterFd` and
   * must not read it. These four are absent from an addon built before them.
   */
  readonly watchTerminal?: (
    masterFd: number,
    buffer: Buffer,
    onOutput: (stream: 1, bytesRead: number) => void
  ) => TerminalWatch
  readonly pauseTerminal?: (watch: TerminalWatch) => void
  readonly resumeTerminal?: (watch: TerminalWatch) => void
  /** Stops the thread and closes the duplicate at once; `onOutput` is not called again. */
  readonly closeTerminal?: (watch: TerminalWatch) => void
  /** Writes `source` in base64 (as Node's "base64") at `target[offset]`; returns the characters written. */
  readonly encodeBase64Into: (source: Uint8Array, target: Uint8Array, offset: number) => number
  /** Whether `encodeBase64Into` uses AVX2 on this CPU (absent from an addon built before it was added). */
  readonly base64Avx2?: () => boolean
  /** Gives freed memory back to the system (glibc's malloc_trim); absent from an addon built before it was added. */
  readonly trimMemory?: () => boolean
  /**
   * Marks every descriptor from 3 on close-on-exec (see native/descriptors.c);
   * false when it could not. Absent from an addon built before it was added.
   */
  readonly closeInheritedOnExec?: () => boolean
  /** prctl(PR_SET_DUMPABLE): 0, or its errno; absent from an addon built before it was added (see protectMemory.ts). */
  readonly setDumpable?: (on: boolean) => number
}

/** A handle on a child's output streams in the addon (opaque). */
export type OutputWatch = { readonly OutputWatch: unique symbol }

/** A handle on a terminal read by the addon (opaque). */
export type TerminalWatch = { readonly TerminalWatch: unique symbol }

/** The environment variable that switches the addon off: `0` off; `1` (or unset) on, where it is built. */
export const NATIVE_ENV = "EXEC_SERVER_NATIVE"

/** What `EXEC_SERVER_NATIVE` says in `env`: whether to use the addon; undefined for a value other than `0` or `1`. */
export const nativeSwitchOf = (env: Readonly<Record<string, string | undefined>>): boolean | undefined => {
  const value = env[NATIVE_ENV]
  return value === undefined || value === "1" ? true : value === "0" ? false : undefined
}

/** Whether the addon is in use (`loaded`), switched off (`off`), or could not be loaded (`missing`). */
export type NativeAddonState = "loaded" | "off" | "missing"

interface Resolved {
  readonly state: NativeAddonState
  readonly addon: NativeAddon | undefined
  /** The addon again when it can start children here (the kernel has pidfds). */
  readonly spawner: NativeAddon | undefined
}

let turnedOff = false
let resolved: Resolved | undefined
// Whether the addon is switched off is each server's own (EXEC_SERVER_NATIVE): never the startup snapshot's.
if (startupSnapshot.isBuildingSnapshot()) startupSnapshot.addSerializeCallback(() => void (resolved = undefined))

const resolve = (): Resolved => {
  // Only `0` switches it off here; the command line refuses other values than `0` and `1`.
  if (turnedOff || nativeSwitchOf(process.env) === false) return { state: "off", addon: undefined, spawner: undefined }
  let addon: NativeAddon
  try {
    addon = createRequire(import.meta.url)(
      new URL("../../build/Release/exec_server_native.node", import.meta.url).pathname
    ) as NativeAddon
  } catch {
    return { state: "missing", addon: undefined, spawner: undefined }
  }
  return { state: "loaded", addon, spawner: addon.supported() ? addon : undefined }
}

/** The addon, loaded on the first call; undefined when it is switched off or was not built. */
export const nativeAddon = (): NativeAddon | undefined => (resolved ??= resolve()).addon

/** The addon when it can start children here (built, on, and the kernel has pidfds). */
export const nativeSpawner = (): NativeAddon | undefined => (resolved ??= resolve()).spawner

/**
 * Switches the addon off for this process, as `EXEC_SERVER_NATIVE=0` does
 * (the server's `--no-native`). Throws once the addon is in use: call it
 * before the first child is started or output chunk read.
 */
export const turnOffNativeAddon = (): void => {
  if (resolved?.addon !== undefined) throw new Error("the native addon is already in use")
  turnedOff = true
  resolved = undefined
}

/** Which ways of starting pipe children, reading their and terminals' output and encoding it are in use. */
export interface NativeUse {
  readonly addon: NativeAddonState
  /** How the pipe spawner starts children by default. */
  readonly spawn: "posix_spawn" | "child_process"
  /** How pipe children's output is read: by the addon, or through Node's streams. */
  readonly output: "addon" | "streams"
  /** How terminals' output is read: by the addon's thread, or by node-pty's stream on the event loop. */
  readonly terminal: "addon" | "node-pty"
  /** How output is encoded: the addon's AVX2 or table loop, or Node's `Buffer#toString`. */
  readonly base64: "avx2" | "addon" | "node"
}

/** What is in use here (loads the addon if it was not yet). */
export const nativeUse = (): NativeUse => {
  const { addon, spawner, state } = (resolved ??= resolve())
  return {
    addon: state,
    spawn: spawner === undefined ? "child_process" : "posix_spawn",
    output: spawner === undefined ? "streams" : "addon",
    terminal: addon?.watchTerminal === undefined ? "node-pty" : "addon",
    base64: addon === undefined ? "node" : addon.base64Avx2?.() === true ? "avx2" : "addon"
  }
}
