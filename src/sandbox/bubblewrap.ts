/**
 * Bubblewrap (`bwrap`): the command line that confines a command under a
 * resolved policy, the check that bubblewrap works here, and how the
 * confined command's own process group is found from outside.
 *
 * The layout of a confined process, seen from the host:
 *
 *     bwrap (our child, leads its process group)
 *       └─ bwrap (pid 1 of the sandbox's PID namespace: reaps, and its exit ends the namespace)
 *            └─ shim → the command (pid 2 inside; leads a process group of its own)
 *
 * Signals go to the command's group, never to bubblewrap's: bubblewrap does
 * not forward them, and a SIGTERM to the outer bwrap would end the sandbox
 * before the command could handle it. The shim (perl, which every Debian
 * system has) puts the command in its own group, hands it the terminal's
 * foreground when it has one (so job control works and Ctrl-C reaches only
 * the command), restores default signal dispositions and execs it.
 *
 * A sandbox without network may have host loopback ports bridged into its
 * own network namespace (the managed proxy's, see loopbackBridge.ts; the
 * forwarder and its mounts are loopbackForwarder.ts's): the
 * shim first starts a forwarder (pid 4 or so inside, a child of the
 * namespace's init, in a process group of its own) that listens on
 * 127.0.0.1:<port> there and carries each connection to the host's Unix
 * socket for that port, bound in read-only; the command starts once every
 * port is listened on, and stays pid 2.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { spawnSync } from "node:child_process"
import { withoutInherited } from "../native/inheritedDescriptors.js"
import { accessAt, byPathOrder, MINIMAL_PATHS, type PathRule, type ResolvedSandbox } from "./policy.js"
import { childrenOf, linkTarget, statusOf } from "../procfs/processes.js"
import { type BridgeFilter, bridgedPorts, bridgedShim, type LoopbackBridge, type LoopbackPort, loopbackMounts } from "./loopbackForwarder.js"
import { type NamespaceTools, transparentArgs, transparentOptions, transparentPrelude } from "./transparentTcp.js"
import { CAPABILITY_OPTIONS, dropCapabilities } from "./capabilities.js"
import type { FilterHolder } from "./seccomp.js"

// Their homes are loopbackForwarder.ts and executables.ts; Sandbox.ts and the tests take them from here.
export { findExecutable } from "./executables.js"
export {
  type BridgeFilter,
  bridgedPorts,
  FORWARDER_NAME,
  LOOPBACK_SOCKETS,
  type LoopbackBridge,
  type LoopbackPort
} from "./loopbackForwarder.js"

/** The shim's interpreter; perl-base is an essential package on Debian. */
export const SHIM_INTERPRETER = "/usr/bin/perl"

/**
 * TIOCSPGRP: 0x5410 on x86, ARM and RISC-V Linux; the old-style value on
 * the architectures that kept the BSD ioctl numbers.
 */
const TIOCSPGRP = ["ppc", "ppc64", "mips", "mipsel", "sparc", "sparc64"].includes(process.arch) ? 0x80047476 : 0x5410

/**
 * Own process group, the terminal's foreground (SIGTTOU ignored while taking
 * it from the background), default dispositions, then exec with an explicit
 * argv[0]. Exec failures exit 127 (not found) or 126, as a shell does.
 */
const SHIM_SCRIPT = `$SIG{TTOU}="IGNORE";setpgrp(0,0);ioctl(STDIN,${TIOCSPGRP},pack("i",$$)) if -t STDIN;` +
  `$SIG{$_}="DEFAULT" for keys %SIG;my $p=shift;exec {$p} @ARGV;` +
  `print STDERR "$p: $!\\n";exit($!{ENOENT}?127:126)`

/** Options of the bubblewrap command line. */
export interface BubblewrapArgsOptions {
  readonly policy: ResolvedSandbox
  /** Where the command starts (inside the sandbox). */
  readonly cwd: string
  /** Extra read-only paths the launcher itself needs (the fs worker's runtime). */
  readonly extraReadable?: ReadonlyArray<string>
  /** The host sockets to bind in for a loopback bridge (see `confinedArgv`); ignored with network. */
  readonly loopbackPorts?: ReadonlyArray<LoopbackPort>
  /** Transparent TCP (transparentTcp.ts): the shim's capabilities, the resolver's resolv.conf, and the relay's target. */
  readonly transparent?: TransparentFiles | undefined
  /**
   * Whether the sandbox's first program drops its capabilities itself
   * (`withoutCapabilities`): bubblewrap then leaves it CAP_SETPCAP to do so.
   * Default true; `launcherArgv` decides.
   */
  readonly dropsCapabilities?: boolean | undefined
}

/** What a transparent launch hands the shim besides the launcher's files. */
export interface TransparentFiles {
  /**
   * A path that opens the relay's target (transparentTcp.ts's
   * `relayTargetText`, held by seccomp.ts's `heldFiles`), which the shim
   * reads from RELAY_TARGET_FD.
   */
  readonly relayTarget: string
  /** Who holds it (checked as the filters' holder is); none for a probe's. */
  readonly relayTargetHolder?: FilterHolder | undefined
}

/** Whether a launch is a transparent one: asked for, and without network (with network there is nothing to redirect). */
const isTransparent = (options: BubblewrapArgsOptions): options is BubblewrapArgsOptions & { readonly transparent: TransparentFiles } =>
  options.transparent !== undefined && !options.policy.network

/** Whether `path` is a directory (following symlinks). */
export const isDirectory = (path: string): boolean => {
  try {
    return Fs.statSync(path).isDirectory()
  } catch {
    return false
  }
}

/**
 * The rules with every directory that could be renamed from inside and lies
 * above a rule's path added as a writable rule of its own. Every rule is a
 * mount, and a mount point cannot be renamed or removed (EBUSY), but a
 * directory above one can: renaming it carries the mount along, and the
 * next sandbox, built by path, would find nothing to protect where the
 * protected path was while the moved copy sits unprotected in a writable
 * directory. Binding each such directory onto itself pins it: the path to
 * every protected, read-only or writable root stays where it was.
 */
const withPinnedParents = (policy: ResolvedSandbox): ReadonlyArray<PathRule> => {
  const byPath = new Map(policy.rules.map((rule) => [rule.path, rule]))
  for (const rule of policy.rules) {
    for (let directory = Path.dirname(rule.path); directory !== "/"; directory = Path.dirname(directory)) {
      // Renaming needs a writable parent; a directory with a rule is a mount already.
      if (byPath.has(directory) || accessAt(policy, Path.dirname(directory)) !== "write") continue
      byPath.set(directory, { path: directory, access: "write", missing: false })
    }
  }
  return [...byPath.values()].sort(byPathOrder)
}

/**
 * The kernel's knobs in /proc, shut as container runtimes shut them: a
 * process of a server run as root is uid 0 on the host, and bubblewrap's
 * fresh /proc leaves /proc/sys writable to it (a pipe handler written to
 * kernel/core_pattern runs as root on the host at the next crash). Read-only:
 * the sysctls, sysrq-trigger and the bus, fs and irq trees; hidden: what
 * reads the kernel's memory, keys or timers. Bound from the host's /proc
 * (the same kernel: what is absent there is absent in the sandbox's too);
 * a sysctl answers for the namespaces of the process that opens it.
 */
const kernelKnobsShut = (): ReadonlyArray<string> => (shutKnobs ??= shutKnobsOptions())

let shutKnobs: ReadonlyArray<string> | undefined

const shutKnobsOptions = (): ReadonlyArray<string> => {
  const args: Array<string> = []
  for (const path of READ_ONLY_IN_PROC) {
    if (Fs.existsSync(path)) args.push("--ro-bind", path, path)
  }
  for (const path of HIDDEN_IN_PROC) {
    let stats: Fs.Stats
    try {
      stats = Fs.statSync(path)
    } catch {
      continue
    }
    if (stats.isDirectory()) args.push("--perms", "0000", "--tmpfs", path, "--remount-ro", path)
    else args.push("--ro-bind", "/dev/null", path)
  }
  return args
}

const READ_ONLY_IN_PROC = ["/proc/sys", "/proc/sysrq-trigger", "/proc/bus", "/proc/fs", "/proc/irq"]
const HIDDEN_IN_PROC = [
  "/proc/kcore",
  "/proc/kmsg",
  "/proc/keys",
  "/proc/timer_list",
  "/proc/sched_debug",
  "/proc/latency_stats",
  "/proc/acpi",
  "/proc/scsi",
  "/proc/asound"
]

/**
 * The bubblewrap options for a policy (everything before `--`): the root as
 * the "/" rule says, fresh /dev and /proc, then every deeper rule in path
 * order so the deepest wins: writable binds, read-only binds, and empty
 * read-only (or inaccessible) file systems over denied and missing paths.
 * Namespaces: PID, IPC, UTS and cgroup always, network unless allowed; all
 * capabilities dropped; the sandbox dies with the server.
 */
export const bubblewrapOptions = (options: BubblewrapArgsOptions): Array<string> => {
  const { policy } = options
  const args: Array<string> = []
  const root = policy.rules.find((rule) => rule.path === "/")!
  if (root.access === "write") args.push("--bind", "/", "/")
  else if (root.access === "read") args.push("--ro-bind", "/", "/")
  args.push("--dev", "/dev", "--proc", "/proc")
  args.push(...kernelKnobsShut())
  // Without the host's root, the system's top-level links (merged /usr:
  // /bin -> usr/bin, /lib64 -> usr/lib64, where the ELF interpreter is
  // named) must be made again, or no program can start.
  if (root.access === "none") {
    // The extra readable paths count: the fs worker's runtime (/usr) needs its ELF interpreter's link too,
    // and so does one below a link's target (/lib -> usr/lib for /usr/lib/x86_64-linux-gnu, where the
    // interpreter's link in /usr/lib64 points through /lib).
    const readable = (path: string) =>
      accessAt(policy, path) !== "none" ||
      (options.extraReadable ?? []).some((extra) => path === extra || path.startsWith(`${extra}/`) || extra.startsWith(`${path}/`))
    for (const path of MINIMAL_PATHS) {
      const target = linkTarget(path)
      if (target !== undefined && readable(Path.resolve(Path.dirname(path), target))) {
        args.push("--symlink", target, path)
      }
    }
  }
  for (const extra of options.extraReadable ?? []) {
    if (accessAt(policy, extra) === "none") args.push("--ro-bind", extra, extra)
  }
  for (const rule of withPinnedParents(policy)) {
    if (rule.path === "/" || rule.path === "/proc" || rule.path.startsWith("/proc/")) continue
    if (rule.missing) {
      // Nothing is there to write to: only read-only and denied paths are kept from being created.
      if (rule.access === "write") continue
      args.push("--perms", rule.access === "none" ? "0000" : "0555", "--tmpfs", rule.path, "--remount-ro", rule.path)
    } else if (rule.access === "write") {
      args.push("--bind", rule.path, rule.path)
    } else if (rule.access === "read") {
      args.push("--ro-bind", rule.path, rule.path)
    } else if (isDirectory(rule.path)) {
      args.push("--perms", "0000", "--tmpfs", rule.path, "--remount-ro", rule.path)
    } else {
      args.push("--ro-bind", "/dev/null", rule.path)
    }
  }
  // After every rule, so that none can cover them.
  args.push(...loopbackMounts(bridgedPorts(policy, options.loopbackPorts)))
  args.push(
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    ...(policy.network ? [] : ["--unshare-net"]),
    "--die-with-parent",
    ...(options.dropsCapabilities === false ? ["--cap-drop", "ALL"] : CAPABILITY_OPTIONS),
    ...(isTransparent(options) ? transparentOptions(RESOLV_FD, HOSTS_FD) : []),
    "--chdir",
    options.cwd
  )
  return args
}

/** What a bubblewrap command line needs besides the policy: the executable and the seccomp filter. */
export interface Launcher {
  readonly bwrap: string
  /** A path that opens the seccomp filter (see Sandbox's filter descriptors). */
  readonly seccompFilter: string
  /** Paths that open a transparent sandbox's resolv.conf and hosts (transparentTcp.ts's RESOLV_CONF and HOSTS), held as the filters are. */
  readonly transparentFiles?: { readonly resolvConf: string; readonly hosts: string } | undefined
  /** The process whose descriptors those paths open (seccomp.ts's `filterPaths`). */
  readonly holder: FilterHolder
  /** prctl(2)'s and capset(2)'s numbers here, which the sandbox's first program drops its capabilities with. */
  readonly prctl: number
  readonly capset: number
}

/**
 * A command under bubblewrap with the seccomp filter. bubblewrap reads a
 * filter only from a descriptor, and neither node-pty nor child_process
 * hands a child more than its stdio, so a shell opens the filter as that
 * descriptor and execs bubblewrap (the pid stays the launcher's). The paths
 * are the filters' holder's descriptors, by pid: once they are open, the
 * shell checks that the pid is still the holder (its start time, read with
 * builtins), so that a holder that died and whose pid was given again
 * hands no sandbox another process's file; the launch then exits 126 and
 * runs nothing. A transparent launch's shell opens the resolv.conf and
 * hosts bubblewrap binds in, and the relay's target, which bubblewrap
 * leaves open for the shim (its own holder checked alike): a credential
 * goes by descriptor, never on a command line (any user of the host reads
 * /proc/PID/cmdline). The command runs after every capability is dropped
 * (capabilities.ts): put first in the shim's perl, or a perl that drops and
 * execs it; a transparent launch's prelude drops them itself, once it has
 * set up the namespace with them.
 */
export const launcherArgv = (
  launcher: Launcher,
  options: BubblewrapArgsOptions,
  command: ReadonlyArray<string>
): Array<string> => {
  const drops = isTransparent(options) || command[0] === SHIM_INTERPRETER || perlShown(options.policy)
  const inner = isTransparent(options) || !drops ? command : withoutCapabilities(launcher, command)
  const bubblewrap = [launcher.bwrap, "--seccomp", String(SECCOMP_FD), ...bubblewrapOptions({ ...options, dropsCapabilities: drops }), "--", ...inner]
  const holder = [String(launcher.holder.pid), launcher.holder.startTime]
  if (!isTransparent(options)) {
    return ["/bin/sh", "-c", `P=$1; T=$2; shift 2; exec ${SECCOMP_FD}<"$0"; ${holderCheck("P", "T", "the seccomp filter's holder")} exec "$@"`, launcher.seccompFilter, ...holder, ...bubblewrap]
  }
  const files = launcher.transparentFiles
  if (files === undefined) throw new Error("transparent TCP: the launcher holds no resolv.conf")
  return [
    "/bin/sh",
    "-c",
    `P=$1; T=$2; r=$3; h=$4; t=$5; Q=$6; U=$7; shift 7; exec ${SECCOMP_FD}<"$0" ${RESOLV_FD}<"$r" ${HOSTS_FD}<"$h" ${RELAY_TARGET_FD}<"$t"; ` +
      `${holderCheck("P", "T", "the seccomp filter's holder")} ${holderCheck("Q", "U", "the relay target's holder")} exec "$@"`,
    launcher.seccompFilter,
    ...holder,
    files.resolvConf,
    files.hosts,
    options.transparent.relayTarget,
    String(options.transparent.relayTargetHolder?.pid ?? ""),
    options.transparent.relayTargetHolder?.startTime ?? "",
    ...bubblewrap
  ]
}

/**
 * The launcher's check that pid $<pid> is still the holder that started at
 * $<start>: its stat's start time (the 20th field after the command, which
 * may hold spaces and parentheses), read after the paths were opened. An
 * empty pid checks nothing (a probe's file, held by no one). Builtins only.
 */
const holderCheck = (pid: string, start: string, what: string): string =>
  `if [ -n "$${pid}" ]; then set -f; l=; read -r l 2>/dev/null < "/proc/$${pid}/stat"; l=\${l##*) }; ` +
  `started() { [ $# -ge 20 ] && shift 19 && [ "$1" = "$${start}" ]; }; ` +
  `started $l || { echo "sandbox: ${what} (pid $${pid}) is gone, nothing was run" >&2; exit 126; }; set +f; fi;`

/**
 * Whether a policy shows perl and what it loads (all of /usr): where it does
 * not (an fs worker's policy may hide /usr), a command that is not the shim
 * runs as bubblewrap starts it, its bounding set kept (its other sets empty,
 * under no_new_privs).
 */
const perlShown = (policy: ResolvedSandbox): boolean =>
  accessAt(policy, "/usr") !== "none" && accessAt(policy, SHIM_INTERPRETER) !== "none" &&
  !policy.rules.some((rule) => rule.access === "none" && rule.path.startsWith("/usr/"))

/** The command in the sandbox, run after every capability is dropped: first in the shim's perl, or by a perl that execs it. */
const withoutCapabilities = (launcher: Launcher, command: ReadonlyArray<string>): ReadonlyArray<string> => {
  const drop = dropCapabilities(launcher.prctl, launcher.capset)
  const [program, flag, script, ...rest] = command
  if (program === SHIM_INTERPRETER && flag === "-e" && script !== undefined) return [SHIM_INTERPRETER, "-e", drop + script, ...rest]
  return [SHIM_INTERPRETER, "-e", `${drop}my $p = $ARGV[0]; exec {$p} @ARGV; print STDERR "$p: $!\\n"; exit($!{ENOENT} ? 127 : 126)`, ...command]
}

/**
 * The descriptors bubblewrap reads the seccomp filter, and a transparent
 * sandbox's resolv.conf and hosts, from; and the one it passes on to the
 * shim, the relay's target.
 */
const SECCOMP_FD = 3
const RESOLV_FD = 4
const HOSTS_FD = 5
const RELAY_TARGET_FD = 6

/**
 * The whole command line: bubblewrap, its options, the shim, the command
 * (with its argv[0]).
 *
 * With a bridge (and no network) the launcher must be the one whose filter
 * allows Unix sockets, which the forwarder connects with: the shim starts
 * the forwarder, waits until it listens, then adds `commandFilter` (seccomp
 * filters stack, the strictest answer wins) before the exec, so the command
 * runs under the filter of a sandbox without network as it would unbridged,
 * and nothing but our forwarder ever runs under the other.
 */
export const confinedArgv = (
  launcher: Launcher,
  options: BubblewrapArgsOptions,
  argv: ReadonlyArray<string>,
  arg0: string | undefined,
  bridge?: LoopbackBridge,
  transparent?: TransparentLaunch
): Array<string> => {
  const [program, ...args] = argv
  const command = [program!, arg0 ?? program!, ...args]
  const ports = bridge === undefined ? [] : bridgedPorts(options.policy, bridge.ports)
  if (bridge === undefined || ports.length === 0) {
    return launcherArgv(launcher, options, [SHIM_INTERPRETER, "-e", SHIM_SCRIPT, ...command])
  }
  const shim = bridgedShim(bridge, ports)
  // Transparent TCP's prelude goes first: it configures the namespace and binds the relay's sockets, which the bridge's forwarder takes.
  const relay = transparent === undefined ? undefined : {
    prelude: transparentPrelude(bridge.prctl, bridge.capset, RELAY_TARGET_FD),
    args: transparentArgs(transparent.tools)
  }
  return launcherArgv(launcher, { ...options, loopbackPorts: ports, transparent }, [
    SHIM_INTERPRETER,
    "-e",
    (relay?.prelude ?? "") + shim.prelude + SHIM_SCRIPT,
    ...(relay?.args ?? []),
    ...shim.args,
    ...command
  ])
}

/** A bridged launch's transparent TCP: the namespace's tools, and a path that opens where the relay reaches the process's SOCKS5 proxy. */
export interface TransparentLaunch extends TransparentFiles {
  readonly tools: NamespaceTools
}

/**
 * Checks that bubblewrap can build a sandbox here (it can be installed and
 * still fail: no user namespaces for an unprivileged server, a seccomp
 * profile of a container): a real sandbox, with the filter, runs the shim's
 * interpreter. The reason when not.
 */
export const probe = (launcher: Launcher): string | undefined => {
  if (!Fs.existsSync(SHIM_INTERPRETER)) return `${SHIM_INTERPRETER} is missing (Debian: perl-base)`
  const refusal = probeRun(launcherArgv(launcher, { policy: PROBE_POLICY, cwd: "/" }, [SHIM_INTERPRETER, "-e", "exit 0"]))
  return refusal === undefined || refusal.cannotRun ? refusal?.reason : `bubblewrap cannot build a sandbox here: ${refusal.reason}`
}

/**
 * Checks that a transparent sandbox can be built here (transparentTcp.ts):
 * a real one, whose shim configures its namespace, binds the relay's and
 * the resolver's sockets and drops its capabilities. The reason when not.
 */
export const probeTransparent = (launcher: Launcher, bridge: BridgeFilter, tools: NamespaceTools): string | undefined =>
  // No forwarder runs, so no target is read: an empty one.
  probeRun(launcherArgv(launcher, { policy: PROBE_POLICY, cwd: "/", transparent: { relayTarget: "/dev/null" } }, [
    SHIM_INTERPRETER,
    "-e",
    `${transparentPrelude(bridge.prctl, bridge.capset, RELAY_TARGET_FD)}exit 0;`,
    ...transparentArgs(tools)
  ]))?.reason

/** The probes' sandbox: the root read-only, no network. */
const PROBE_POLICY: ResolvedSandbox = { rules: [{ path: "/", access: "read", missing: false }], network: false }

/**
 * Runs a probe's command line to its end: undefined when it exits 0, else
 * why not (its stderr, or its exit status), and whether bubblewrap could
 * not even be run (then the reason says so).
 */
const probeRun = (argv: ReadonlyArray<string>): { readonly reason: string; readonly cannotRun: boolean } | undefined => {
  const [command, ...args] = argv
  const result = spawnSync(...withoutInherited(command!, args), { encoding: "utf8", timeout: 10_000, stdio: ["ignore", "ignore", "pipe"] })
  if (result.error !== undefined) return { reason: `bubblewrap cannot run: ${result.error.message}`, cannotRun: true }
  if (result.status !== 0) return { reason: (result.stderr ?? "").trim() || `exit status ${result.status}`, cannotRun: false }
  return undefined
}

/** The pid a process has in the innermost PID namespace it belongs to. */
const innerPidOf = (pid: number): number | undefined => {
  const pids = statusOf(pid)?.get("NSpid")?.split(/\s+/)
  return pids === undefined ? undefined : Number(pids[pids.length - 1])
}

/**
 * The host pid of the confined command (pid 2 of the sandbox: the first
 * child of the namespace's init, the outer bwrap's child), or undefined
 * while it is not running yet or any more.
 */
export const commandPidOf = (launcherPid: number): number | undefined => {
  for (const init of childrenOf(launcherPid)) {
    for (const child of childrenOf(init)) {
      if (innerPidOf(child) === 2) return child
    }
  }
  return undefined
}
