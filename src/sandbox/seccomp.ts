/**
 * The seccomp filter every sandbox gets (classic BPF, as bubblewrap's
 * `--seccomp FD` reads it). A network namespace of its own keeps a sandbox
 * off the network, but not off the host's Unix sockets: `connect(2)` on a
 * socket file works through a read-only mount, and a tmux, docker or
 * ssh-agent socket there runs commands outside the sandbox. A filter cannot
 * look at the path `connect` is given (it is a pointer), so without network
 * a sandbox may not make a Unix socket at all: `socket(AF_UNIX, ...)` fails
 * with EPERM, and of `socketpair(AF_UNIX, ...)` only the stream and
 * seqpacket kinds are allowed (an already connected pair, which a program
 * uses to talk to its children; a datagram pair could `sendto` any socket
 * path; a seqpacket pair ignores an address, a stream pair refuses one).
 * Other sockets stay usable inside the sandbox's own network namespace
 * (a test suite's server on 127.0.0.1 works), but for vsock, which no
 * network namespace confines: it is refused always, as is io_uring, which
 * makes sockets without the system calls the filter sees, and the kernel's
 * keyrings (add_key, request_key, keyctl: no namespace separates them, and a
 * server run as root would share its user's keys with the sandbox; container
 * runtimes refuse them too). Nor may a sandboxed process leave the
 * namespaces or the descriptor table it was started in (unshare, setns,
 * clone with a CLONE_NEW* flag, a thread without CLONE_FILES; clone3, whose
 * flags a filter cannot read, says it does not exist, so libc falls back to
 * clone): the server tells its own sandboxed processes from other clients by
 * finding their sockets in their descriptor tables (see peers.ts), and a
 * process in a user and network namespace of its own, or a thread with a
 * table of its own, would hide there. A foreign system
 * call ABI (i386 or x32 on x86-64, arm32 on arm64) would have other numbers
 * for the same calls: the process is killed (i386, arm32) or told there is
 * no such call (x32).
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { isDirectory } from "./bubblewrap.js"
import { childNeedsCloser } from "../native/inheritedDescriptors.js"
import { descriptorPath, startTimeOf } from "../procfs/processes.js"

/** What the filter refuses besides vsock, io_uring, the keyrings and leaving a namespace or descriptor table. */
export interface SeccompOptions {
  /** Refuse making Unix sockets (the sandbox has no network). */
  readonly denyUnixSockets: boolean
}

/** System call numbers and the audit architecture of one ABI. */
interface Abi {
  readonly auditArch: number
  /** System call numbers at or above this are another ABI's (x32 on x86-64). */
  readonly foreignFrom: number | undefined
  readonly socket: number
  readonly socketpair: number
  readonly ioUring: ReadonlyArray<number>
  /** add_key, request_key, keyctl. */
  readonly keyrings: ReadonlyArray<number>
  /** unshare, setns: refused whatever their flags. */
  readonly namespaces: ReadonlyArray<number>
  readonly clone: number
  readonly clone3: number
  /** prctl: not filtered, but the loopback bridge's shim calls it by number (see bubblewrap.ts). */
  readonly prctl: number
  /** capset: not filtered; the transparent TCP shim drops its capabilities with it (see transparentTcp.ts). */
  readonly capset: number
}

/** io_uring_setup, io_uring_enter, io_uring_register: the same numbers on every architecture (added after the tables were unified). */
const IO_URING = [425, 426, 427]

/** The ABIs Node runs on that we have the numbers of (x86_64: asm/unistd_64.h; arm64: asm-generic/unistd.h). */
const ABIS: Partial<Record<NodeJS.Architecture, Abi>> = {
  x64: { auditArch: 0xc000003e, foreignFrom: 0x40000000, socket: 41, socketpair: 53, ioUring: IO_URING, keyrings: [248, 249, 250], namespaces: [272, 308], clone: 56, clone3: 435, prctl: 157, capset: 126 },
  arm64: { auditArch: 0xc00000b7, foreignFrom: undefined, socket: 198, socketpair: 199, ioUring: IO_URING, keyrings: [217, 218, 219], namespaces: [97, 268], clone: 220, clone3: 435, prctl: 167, capset: 91 }
}

const AF_UNIX = 1
const AF_VSOCK = 40
const SOCK_STREAM = 1
const SOCK_SEQPACKET = 5
/** The type bits of socket(2)'s type argument (the rest are SOCK_NONBLOCK and SOCK_CLOEXEC). */
const SOCK_TYPE_MASK = 0xf
/** CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET (linux/sched.h). */
const CLONE_NEW_ANY = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000
const CLONE_FILES = 0x00000400
const CLONE_THREAD = 0x00010000
const EPERM = 1
const ENOSYS = 38

// Classic BPF opcodes and seccomp's return values (linux/filter.h, linux/seccomp.h).
const LD_W_ABS = 0x20
const ALU_AND_K = 0x54
const JEQ_K = 0x15
const JGE_K = 0x35
const JSET_K = 0x45
const RET_K = 0x06
const RET_ALLOW = 0x7fff0000
const RET_ERRNO = 0x00050000
const RET_KILL_PROCESS = 0x80000000

// Offsets in struct seccomp_data: nr, arch, then the arguments as 64-bit
// words, whose low half comes first on these little-endian architectures.
const NR = 0
const ARCH = 4
const argLow = (index: number) => 16 + 8 * index

/** One instruction; jumps name labels, resolved when the program is assembled. */
type Instruction =
  | { readonly code: number; readonly k: number }
  | { readonly code: number; readonly k: number; readonly ifTrue: string; readonly ifFalse: string }
  | { readonly label: string }

const load = (offset: number): Instruction => ({ code: LD_W_ABS, k: offset })
const ret = (value: number): Instruction => ({ code: RET_K, k: value })
const jump = (code: number, k: number, ifTrue: string, ifFalse: string): Instruction => ({ code, k, ifTrue, ifFalse })
const label = (name: string): Instruction => ({ label: name })
const NEXT = ""

/** Assembles instructions into `struct sock_filter` records (code u16, jt u8, jf u8, k u32; host byte order). */
const assemble = (program: ReadonlyArray<Instruction>): Buffer => {
  const positions = new Map<string, number>()
  const instructions: Array<Exclude<Instruction, { readonly label: string }>> = []
  for (const instruction of program) {
    if ("label" in instruction) positions.set(instruction.label, instructions.length)
    else instructions.push(instruction)
  }
  const buffer = Buffer.alloc(instructions.length * 8)
  instructions.forEach((instruction, index) => {
    const offsetOf = (target: string): number => {
      if (target === NEXT) return 0
      const position = positions.get(target)
      if (position === undefined || position <= index || position - index - 1 > 255) throw new Error(`seccomp: bad jump to ${target}`)
      return position - index - 1
    }
    const jumps = "ifTrue" in instruction ? [offsetOf(instruction.ifTrue), offsetOf(instruction.ifFalse)] : [0, 0]
    buffer.writeUInt16LE(instruction.code, index * 8)
    buffer.writeUInt8(jumps[0]!, index * 8 + 2)
    buffer.writeUInt8(jumps[1]!, index * 8 + 3)
    buffer.writeUInt32LE(instruction.k >>> 0, index * 8 + 4)
  })
  return buffer
}

/** prctl(2)'s system call number on `arch`, or undefined where there is no filter (hence no sandbox). */
export const prctlNumber = (arch: NodeJS.Architecture = process.arch): number | undefined => ABIS[arch]?.prctl

/** capset(2)'s system call number on `arch` (see prctlNumber). */
export const capsetNumber = (arch: NodeJS.Architecture = process.arch): number | undefined => ABIS[arch]?.capset

/** The filter for `arch`, or undefined where we do not know its system call numbers. */
export const seccompFilter = (options: SeccompOptions, arch: NodeJS.Architecture = process.arch): Buffer | undefined => {
  const abi = ABIS[arch]
  if (abi === undefined) return undefined
  const program: Array<Instruction> = [
    load(ARCH),
    jump(JEQ_K, abi.auditArch, NEXT, "kill"),
    load(NR),
    ...(abi.foreignFrom === undefined ? [] : [jump(JGE_K, abi.foreignFrom, "enosys", NEXT)]),
    ...[...abi.ioUring, ...abi.keyrings, ...abi.namespaces].map((nr) => jump(JEQ_K, nr, "eperm", NEXT)),
    jump(JEQ_K, abi.clone3, "enosys", NEXT),
    jump(JEQ_K, abi.clone, "clone", NEXT),
    jump(JEQ_K, abi.socket, "socket", NEXT),
    ...(options.denyUnixSockets ? [jump(JEQ_K, abi.socketpair, "socketpair", NEXT)] : []),
    ret(RET_ALLOW),
    label("clone"),
    load(argLow(0)),
    jump(JSET_K, CLONE_NEW_ANY, "eperm", NEXT),
    { code: ALU_AND_K, k: CLONE_THREAD | CLONE_FILES },
    jump(JEQ_K, CLONE_THREAD, "eperm", NEXT),
    ret(RET_ALLOW),
    label("socket"),
    load(argLow(0)),
    jump(JEQ_K, AF_VSOCK, "eperm", NEXT),
    ...(options.denyUnixSockets ? [jump(JEQ_K, AF_UNIX, "eperm", NEXT)] : []),
    ret(RET_ALLOW),
    ...(options.denyUnixSockets
      ? [
        label("socketpair"),
        load(argLow(1)),
        { code: ALU_AND_K, k: SOCK_TYPE_MASK },
        jump(JEQ_K, SOCK_STREAM, "allow", NEXT),
        jump(JEQ_K, SOCK_SEQPACKET, "allow", "eperm"),
        label("allow"),
        ret(RET_ALLOW)
      ]
      : []),
    label("eperm"),
    ret(RET_ERRNO | EPERM),
    label("enosys"),
    ret(RET_ERRNO | ENOSYS),
    label("kill"),
    ret(RET_KILL_PROCESS)
  ]
  return assemble(program)
}

/**
 * A descriptor of `bytes` (a filter, or a file of a launch): a file that is
 * removed at once. Nothing can change what later sandboxes get through it,
 * nor can another user read it: the file was made read-only in a fresh
 * private directory under /dev/shm, which no sandbox sees (each has a /dev
 * of its own), and what the descriptor reads is checked before it is used.
 * Throws when it cannot be made.
 */
const heldDescriptor = (bytes: Buffer): number => {
  const base = isDirectory("/dev/shm") ? "/dev/shm" : Os.tmpdir()
  const directory = Fs.mkdtempSync(Path.join(base, "exec-server-held-"))
  let fd: number
  try {
    const file = Path.join(directory, "held")
    Fs.writeFileSync(file, bytes, { mode: 0o400, flag: "wx" })
    fd = Fs.openSync(file, "r")
  } finally {
    Fs.rmSync(directory, { recursive: true, force: true })
  }
  const stat = Fs.fstatSync(fd)
  const written = Buffer.alloc(bytes.length + 1)
  const read = Fs.readSync(fd, written, 0, written.length, 0)
  if (stat.nlink !== 0 || (stat.mode & 0o777) !== 0o400 || read !== bytes.length || !written.subarray(0, read).equals(bytes)) {
    Fs.closeSync(fd)
    throw new Error("a held file was changed while it was written")
  }
  return fd
}

/**
 * The process that holds the filters, as the server knew it while it was
 * its unreaped child (so the pid was its own): a launch checks, once it has
 * opened the paths, that the pid is still that process (see bubblewrap.ts's
 * `launcherArgv`).
 */
export interface FilterHolder {
  readonly pid: number
  /** Its start time (`/proc/PID/stat` field 22): another process given the pid again has a later one. */
  readonly startTime: string
}

/** The filters' paths while their holder lives. */
export interface HeldFilters {
  readonly paths: ReadonlyArray<string>
  readonly holder: FilterHolder
  /** Whether the holder has gone (its paths open nothing, or another process's descriptors: make new ones). */
  readonly gone: () => boolean
}

/** Held files and their holder (the child kept too, with its end of the pipe). */
interface Holder extends HeldFilters {
  readonly child: ChildProcess.ChildProcess
}

/** The process's holder of each set of filters, by their bytes. */
const holders = new Map<string, Holder>()

/**
 * `contents` as paths that open them: `/proc/PID/fd/N` of a helper named
 * `name` that holds their descriptors, not of the server, whose
 * /proc/PID/fd no other process may open once it is not dumpable
 * (protectMemory.ts) unless it runs as root. The helper, a shell reading
 * its stdin, lives until the server's end of that pipe closes; a sandboxed
 * process cannot reach it (a PID namespace of its own), nor can another
 * user open its descriptors (/proc/PID/fd is the helper's user's alone).
 * Should the helper die and its pid be given to another process before the
 * server has seen the exit, a launch that opens the paths would read that
 * process's descriptors: the launch checks the holder's identity after
 * opening them. Throws when a file cannot be made or the helper started.
 */
const hold = (contents: ReadonlyArray<Buffer>, name: string): Holder => {
  const fds: Array<number> = []
  let holder: ChildProcess.ChildProcess
  try {
    for (const bytes of contents) fds.push(heldDescriptor(bytes))
    // With the addon this marks everything else close-on-exec, so the holder
    // gets its stdio and the files only. Its closer is not used: it would
    // close the files too (without the addon an embedder's inherited
    // descriptors stay in this helper, which runs no code of anyone's).
    childNeedsCloser()
    holder = ChildProcess.spawn("/bin/sh", ["-c", "read -r line; exit 0", name], {
      stdio: ["pipe", "ignore", "ignore", ...fds],
      detached: true,
      env: {}
    })
  } finally {
    for (const fd of fds) Fs.closeSync(fd)
  }
  if (holder.pid === undefined) throw new Error(`the holder of ${name} could not start`)
  // Read while the holder is our child and not yet reaped: no other process can have its pid.
  const startTime = startTimeOf(holder.pid)
  if (startTime === undefined) {
    holder.kill("SIGKILL")
    throw new Error(`the holder of ${name} has no start time in /proc`)
  }
  let exited = false
  holder.on("error", () => void (exited = true))
  holder.on("exit", () => void (exited = true))
  holder.stdin!.on("error", () => {})
  // The helper must not keep the server's event loop alive.
  holder.unref()
  const pid = holder.pid
  return { paths: fds.map((_, index) => descriptorPath(pid, index + 3)), holder: { pid, startTime }, gone: () => exited, child: holder }
}

/**
 * The filters as paths that open them (see `hold`): one holder per set of
 * filters for the process, until it exits. Throws when a filter cannot be
 * made or the holder started.
 */
export const filterPaths = (filters: ReadonlyArray<Buffer>): HeldFilters => {
  const key = filters.map((filter) => filter.toString("hex")).join(" ")
  const held = holders.get(key)
  if (held !== undefined && !held.gone()) return held
  const result = hold(filters, "exec-server-seccomp")
  holders.set(key, result)
  return result
}

/** One launch's files, as paths that open them until `release`. */
export interface HeldFiles {
  readonly paths: ReadonlyArray<string>
  /** Who holds them (a launch checks it as it does the filters' holder). */
  readonly holder: FilterHolder
  /** Ends the holder: its paths open nothing from then on. */
  readonly release: () => void
}

/**
 * `contents` as paths that open them (see `hold`), for one launch: a
 * holder of their own named `name`, which ends at `release` (or with the
 * server). For what no other user may read (a credential): it is never on
 * a command line or in an environment, and on no disk but for the moment
 * it is written. Throws when a file cannot be made or the holder started.
 */
export const heldFiles = (contents: ReadonlyArray<Buffer>, name: string): HeldFiles => {
  const { paths, holder, child } = hold(contents, name)
  return { paths, holder, release: () => void child.stdin!.end() }
}
