/**
 * Descriptors kept from the processes the server starts: a child gets 0, 1
 * and 2, and what a launcher opens for it on purpose (bubblewrap's seccomp
 * filter), nothing else of this process.
 *
 * Two kinds would reach it otherwise. Those this process inherited: a
 * shell's `100<secret` or a supervisor's pipe, open without close-on-exec,
 * which Node marks close-on-exec as it starts only up to descriptor 16. And
 * node-pty's terminal masters, which it opens without close-on-exec: another
 * session's terminal, read and typed into by any child started while it is
 * open. Everything else Node, libuv and the addon open is close-on-exec.
 *
 * - With the addon, every descriptor from 3 on is marked close-on-exec just
 *   before each spawn (one close_range call: a child's stdio is put in place
 *   with dup2, which clears the flag, so nothing meant for it is lost).
 * - Without it (EXEC_SERVER_NATIVE=0, or it did not build) JavaScript cannot
 *   mark a descriptor. The binary closes what it inherited before its first
 *   child (the server owns its process: `serverOwnsProcess`); an embedder's
 *   are its own, so while this process has any, or a terminal is open,
 *   children start through a closer (perl, the sandbox shim's interpreter)
 *   that closes every descriptor from 3 on and execs the command (about
 *   2 ms more a spawn; where perl is missing, which sandboxes need too,
 *   they are not closed).
 *
 * What it costs: with the addon, 0.2-0.7 µs a spawn; without, one look at
 * /proc/self/fdinfo before the first child (about 1 ms), nothing at the
 * server's start, and the common case (nothing inherited, no terminal open)
 * starts children as they are.
 */
import * as Fs from "node:fs"
import { nativeAddon } from "./addon.js"
import { ownDescriptorFlags } from "../procfs/processes.js"

/** The closer's interpreter: perl-base is an essential package on Debian (the sandbox shim's too). */
const CLOSER_INTERPRETER = "/usr/bin/perl"

/**
 * Closes every descriptor from 3 on that /proc lists (a descriptor opened
 * for reading closes whatever it is), then execs `$ARGV[0]` with the rest as
 * its argv (argv[0] included). Exec failures exit 127 (not found) or 126,
 * as a shell does.
 */
export const CLOSER_SCRIPT = `if(opendir(my $d,"/proc/self/fd")){my $o=fileno $d;my @f=grep{/^\\d+$/&&$_>2&&$_!=$o}readdir $d;` +
  `closedir $d;for(@f){open(my $h,"<&=",$_)&&close $h}}` +
  `my $p=shift;exec {$p} @ARGV;print STDERR "$p: $!\\n";exit($!{ENOENT}?127:126)`

/** O_CLOEXEC in /proc/PID/fdinfo/N's `flags:` (octal). */
const O_CLOEXEC = 0o2000000

/** Descriptors from 3 on that a child would get: those without close-on-exec, by /proc/self/fdinfo. */
export const descriptorsWithoutCloseOnExec = (): Array<number> =>
  ownDescriptorFlags().filter(({ fd, flags }) => fd > 2 && (flags & O_CLOEXEC) === 0).map(({ fd }) => fd)

/** Node's IPC channel to a parent that forked this process, which this process uses and its children never get. */
const ipcChannelFd = (): number | undefined => {
  const fd = (process as { readonly channel?: { readonly fd?: unknown } }).channel?.fd
  return typeof fd === "number" ? fd : undefined
}

/** What this process inherited that a child would still get: undefined until looked at. */
let inheritedLeft: ReadonlyArray<number> | undefined
let ownsProcess = false

/**
 * Said by the binary as it starts: the process is the server's own, so what
 * it inherited is closed (but Node's IPC channel) rather than kept from
 * each child.
 */
export const serverOwnsProcess = (): void => {
  ownsProcess = true
}

/** Closes what `descriptors` lists but Node's IPC channel; returns what is left open. */
const closeAll = (descriptors: ReadonlyArray<number>): Array<number> => {
  const channel = ipcChannelFd()
  const left: Array<number> = []
  for (const fd of descriptors) {
    try {
      if (fd === channel) left.push(fd)
      else Fs.closeSync(fd)
    } catch {
      left.push(fd)
    }
  }
  return left
}

/** node-pty's terminals whose master is open (counted only without the addon). */
let openTerminals = 0

/** Called by the PTY spawner for each terminal; the returned function once its master is closed. */
export const terminalOpened = (): (() => void) => {
  openTerminals++
  let closed = false
  return () => {
    if (closed) return
    closed = true
    openTerminals--
  }
}

/**
 * Called just before starting a child by any means: whether it must start
 * through the closer (`closerArgv`). With the addon, marks everything
 * close-on-exec instead.
 */
export const childNeedsCloser = (): boolean => {
  if (nativeAddon()?.closeInheritedOnExec?.() === true) return false
  inheritedLeft ??= ownsProcess ? closeAll(descriptorsWithoutCloseOnExec()) : descriptorsWithoutCloseOnExec()
  return (inheritedLeft.length > 0 || openTerminals > 0) && Fs.existsSync(CLOSER_INTERPRETER)
}

/**
 * `argv` (argv[0] included) run by `file` through the closer, as
 * `[file, args]` for a spawn whose child's argv[0] is the interpreter's.
 */
export const closerArgv = (file: string, argv: ReadonlyArray<string>): readonly [string, Array<string>] => [
  CLOSER_INTERPRETER,
  ["-e", CLOSER_SCRIPT, file, ...argv]
]

/**
 * The command of a spawn that is not told an argv[0] of its own (`file`
 * runs as `args`' program, argv[0] = file), through the closer when needed.
 */
export const withoutInherited = (file: string, args: ReadonlyArray<string>): readonly [string, ReadonlyArray<string>] =>
  childNeedsCloser() ? closerArgv(file, [file, ...args]) : [file, args]
