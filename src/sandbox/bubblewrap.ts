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
 * own network namespace (the managed proxy's, see loopbackBridge.ts): the
 * shim first starts a forwarder (pid 4 or so inside, a child of the
 * namespace's init, in a process group of its own) that listens on
 * 127.0.0.1:<port> there and carries each connection to the host's Unix
 * socket for that port, bound in read-only; the command starts once every
 * port is listened on, and stays pid 2.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { spawnSync } from "node:child_process"
import { accessAt, byPathOrder, MINIMAL_PATHS, type PathRule, type ResolvedSandbox } from "./policy.js"
import { childrenOf, linkTarget } from "./procfs.js"

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
}

/** A loopback port of a sandbox's own network namespace, and the host's Unix socket it is carried to. */
export interface LoopbackPort {
  readonly port: number
  readonly socketPath: string
}

/**
 * Where the bridged sockets are inside a sandbox (`<port>` each): a
 * read-only file system of its own in the sandbox's own /dev, which no
 * policy exposes otherwise. Its directory and the sockets are mount points,
 * so no process inside can rename them away and put a link to another
 * socket where the forwarder connects.
 */
export const LOOPBACK_SOCKETS = "/dev/exec-server-loopback"

/**
 * The ports to bridge into a sandbox under `policy`: none with network, where
 * the sandbox shares the host's namespace and 127.0.0.1:<port> already is the
 * host's listener (a forwarder there could not even listen on it).
 */
export const bridgedPorts = (policy: ResolvedSandbox, ports: ReadonlyArray<LoopbackPort> | undefined): ReadonlyArray<LoopbackPort> =>
  policy.network ? [] : ports ?? []

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
    for (const path of MINIMAL_PATHS) {
      const target = linkTarget(path)
      if (target !== undefined && accessAt(policy, Path.resolve(Path.dirname(path), target)) !== "none") {
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
  const bridged = bridgedPorts(policy, options.loopbackPorts)
  if (bridged.length > 0) {
    // After every rule, so that none can cover them.
    args.push("--perms", "0555", "--tmpfs", LOOPBACK_SOCKETS)
    for (const { port, socketPath } of bridged) args.push("--ro-bind", socketPath, `${LOOPBACK_SOCKETS}/${port}`)
    args.push("--remount-ro", LOOPBACK_SOCKETS)
  }
  args.push(
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    ...(policy.network ? [] : ["--unshare-net"]),
    "--die-with-parent",
    "--cap-drop",
    "ALL",
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
}

/**
 * A command under bubblewrap with the seccomp filter. bubblewrap reads a
 * filter only from a descriptor, and neither node-pty nor child_process
 * hands a child more than its stdio, so a shell opens the filter as that
 * descriptor and execs bubblewrap (the pid stays the launcher's).
 */
export const launcherArgv = (
  launcher: Launcher,
  options: BubblewrapArgsOptions,
  command: ReadonlyArray<string>
): Array<string> => [
  "/bin/sh",
  "-c",
  `exec "$@" ${SECCOMP_FD}<"$0"`,
  launcher.seccompFilter,
  launcher.bwrap,
  "--seccomp",
  String(SECCOMP_FD),
  ...bubblewrapOptions(options),
  "--",
  ...command
]

/** The descriptor bubblewrap reads the seccomp filter from. */
const SECCOMP_FD = 3

/**
 * What a loopback bridge needs besides its ports: the filter the command
 * itself runs under, and prctl(2)'s number on this architecture.
 */
export interface BridgeFilter {
  /** The filter of a sandbox without network (socket(AF_UNIX) refused), as bubblewrap would read it. */
  readonly commandFilter: Buffer
  readonly prctl: number
}

/** A loopback bridge (see `confinedArgv`). */
export interface LoopbackBridge extends BridgeFilter {
  readonly ports: ReadonlyArray<LoopbackPort>
}

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
  bridge?: LoopbackBridge
): Array<string> => {
  const [program, ...args] = argv
  const command = [program!, arg0 ?? program!, ...args]
  const ports = bridge === undefined ? [] : bridgedPorts(options.policy, bridge.ports)
  if (bridge === undefined || ports.length === 0) {
    return launcherArgv(launcher, options, [SHIM_INTERPRETER, "-e", SHIM_SCRIPT, ...command])
  }
  const scripts = bridgeScripts(bridge.prctl)
  return launcherArgv(launcher, { ...options, loopbackPorts: ports }, [
    SHIM_INTERPRETER,
    "-e",
    scripts.shim + SHIM_SCRIPT,
    bridge.commandFilter.toString("hex"),
    scripts.forwarder,
    ...ports.flatMap(({ port }) => [String(port), `${LOOPBACK_SOCKETS}/${port}`]),
    "--",
    ...command
  ])
}

/** The name the forwarder runs under (its argv[0]), which tells it from the command in `ps`. */
export const FORWARDER_NAME = "exec-server-loopback-forwarder"

/**
 * The bridged shim's prelude (perl, before SHIM_SCRIPT) and the forwarder,
 * for prctl number `prctl`. Arguments: the command's filter in hex, the
 * forwarder's script, port and socket path pairs, `--`, then SHIM_SCRIPT's.
 *
 * The prelude forks twice so that the forwarder is not the command's child
 * (the command never reaps or waits for it; the namespace's init adopts it)
 * and puts it in a process group of its own (a signal to the command's
 * group leaves it be). The forwarder reports on a pipe, its stdout and
 * stderr until then: "ok" once it listens on every port, else why not;
 * then it lets go of the pipe and of the command's stdio, so the read
 * ends only then (the command's output is never held open by it). Without
 * "ok", or without the command's filter in place, the command does not run
 * (126, as for a command that cannot be executed).
 */
const bridgeScripts = (prctl: number): BridgeScripts => {
  let scripts = bridgeScriptsByPrctl.get(prctl)
  if (scripts === undefined) {
    scripts = { shim: bridgeShim(prctl), forwarder: forwarderScript(prctl) }
    bridgeScriptsByPrctl.set(prctl, scripts)
  }
  return scripts
}

interface BridgeScripts {
  readonly shim: string
  readonly forwarder: string
}

const bridgeScriptsByPrctl = new Map<number, BridgeScripts>()

/**
 * The prelude: PR_SET_NO_NEW_PRIVS (38; bubblewrap set it already), then
 * PR_SET_SECCOMP (22) with SECCOMP_MODE_FILTER (2) and a struct sock_fprog
 * (the number of instructions, then a pointer to them).
 */
const bridgeShim = (prctl: number): string => String.raw`
my $cf = pack("H*", shift); my $fs = shift; my @fa;
push @fa, shift while @ARGV && $ARGV[0] ne "--"; shift;
pipe(my $rd, my $wr) or die "sandbox: pipe: $!\n";
my $mid = fork;
if (defined $mid && $mid == 0) {
  close $rd; my $fw = fork;
  if (defined $fw && $fw == 0) {
    setpgrp(0, 0); open STDOUT, ">&", $wr; open STDERR, ">&", $wr;
    exec {$^X} "${FORWARDER_NAME}", "-e", $fs, @fa; print STDERR "exec $^X: $!\n"; exit 1;
  }
  exit 0;
}
close $wr; waitpid($mid, 0) if $mid;
my $ok = do { local $/; <$rd> }; close $rd;
if (($ok // "") ne "ok\n") { print STDERR "sandbox: the loopback bridge did not start: ", ($ok // "") || "no answer\n"; exit 126 }
syscall(${prctl}, 38, 1, 0, 0, 0) == 0 && syscall(${prctl}, 22, 2, pack("S x![P] P", length($cf) / 8, $cf)) == 0
  or do { print STDERR "sandbox: the command's seccomp filter: $!\n"; exit 126 };
`

/**
 * The forwarder (perl, whose Socket and Fcntl are in perl-base): one
 * process, a select loop over non-blocking sockets; each accepted TCP
 * connection gets a connection of its own to the port's Unix socket, and
 * bytes go both ways in reads of up to 256 KiB, a side read only once what
 * it sent last has been written on (backpressure: a slow reader holds its
 * writer, no buffer grows). An end of input is passed on as a shutdown of
 * writing once its bytes are out; a pair is closed when both ways have
 * ended, or at once on an error (a reset). A connection the host refuses is
 * closed. Out of descriptors, it stops accepting until a pair closes.
 * Undumpable (PR_SET_DUMPABLE, 4) before anything else: its filter lets it
 * make the Unix sockets the command's does not, so no process of the
 * sandbox (the same user, without capabilities) may ptrace it or read its
 * memory.
 */
const forwarderScript = (prctl: number): string => String.raw`
use Socket; use Fcntl; $| = 1;
syscall(${prctl}, 4, 0, 0, 0, 0) == 0 or die "PR_SET_DUMPABLE: $!\n";
$SIG{PIPE} = "IGNORE";
sub nb { fcntl($_[0], F_SETFL, fcntl($_[0], F_GETFL, 0) | O_NONBLOCK) }
my %ls;
while (@ARGV) {
  my ($port, $path) = splice(@ARGV, 0, 2); my $l;
  socket($l, PF_INET, SOCK_STREAM, 0) && bind($l, pack_sockaddr_in($port, INADDR_LOOPBACK)) && listen($l, SOMAXCONN)
    or die "cannot listen on 127.0.0.1:$port: $!\n";
  nb($l); $ls{fileno $l} = [$l, $path];
}
print "ok\n";
open STDIN, "<", "/dev/null"; open STDOUT, ">", "/dev/null"; open STDERR, ">", "/dev/null";
# fileno => {fh, peer: the other end's fileno, buf: bytes to write to fh, eof: fh's input ended, shut: and was passed on}
my %e; my $full = 0;
my $drop = sub { my $x = delete $e{$_[0]} or return; my $y = delete $e{$x->{peer}}; close $x->{fh}; close $y->{fh} if $y; $full = 0 };
while (1) {
  my ($rin, $win) = ("", "");
  if (!$full) { vec($rin, $_, 1) = 1 for keys %ls }
  for my $fd (keys %e) {
    my $x = $e{$fd};
    vec($rin, $fd, 1) = 1 if !$x->{eof} && $e{$x->{peer}}{buf} eq "";
    vec($win, $fd, 1) = 1 if $x->{buf} ne "";
  }
  select(my $rout = $rin, my $wout = $win, undef, undef) > 0 or next;
  for my $fd (keys %ls) {
    next unless vec($rout, $fd, 1);
    while (1) {
      my ($c, $u);
      if (!accept($c, $ls{$fd}[0])) { last if $!{EAGAIN}; if ($!{EMFILE} || $!{ENFILE}) { $full = 1; last } next }
      if (socket($u, PF_UNIX, SOCK_STREAM, 0) && connect($u, pack_sockaddr_un($ls{$fd}[1]))) {
        nb($c); nb($u);
        $e{fileno $c} = {fh => $c, peer => fileno $u, buf => "", eof => 0};
        $e{fileno $u} = {fh => $u, peer => fileno $c, buf => "", eof => 0};
      } else {
        $full = 1 if $!{EMFILE} || $!{ENFILE}; close $c; close $u if defined $u; last if $full;
      }
    }
  }
  for my $fd (keys %e) {
    my $x = $e{$fd} or next; my $y = $e{$x->{peer}};
    if (vec($rout, $fd, 1)) {
      my $n = sysread($x->{fh}, $y->{buf}, 262144);
      if (!defined $n) { if (!$!{EAGAIN}) { $drop->($fd); next } }
      elsif ($n == 0) { $x->{eof} = 1 }
      else { vec($wout, $x->{peer}, 1) = 1 }
    }
    my $failed = 0;
    for my $w ($y, $x) {
      next if $w->{buf} eq "" || !vec($wout, fileno $w->{fh}, 1);
      my $n = syswrite($w->{fh}, $w->{buf});
      if (defined $n) { substr($w->{buf}, 0, $n, "") } elsif (!$!{EAGAIN}) { $failed = 1; last }
    }
    if ($failed) { $drop->($fd); next }
    for my $r ($x, $y) {
      my $to = $e{$r->{peer}};
      if ($r->{eof} && !$r->{shut} && $to->{buf} eq "") { shutdown($to->{fh}, 1); $r->{shut} = 1 }
    }
    $drop->($fd) if $x->{shut} && $y->{shut};
  }
}
`

/** Finds an executable named `name` in PATH (or takes it as it is when it has a slash). */
export const findExecutable = (name: string, path = process.env.PATH ?? "/usr/bin:/bin"): string | undefined => {
  const candidates = name.includes("/") ? [name] : path.split(":").filter((dir) => dir !== "").map((dir) => Path.join(dir, name))
  for (const candidate of candidates) {
    try {
      Fs.accessSync(candidate, Fs.constants.X_OK)
      if (Fs.statSync(candidate).isFile()) return candidate
    } catch {
      // Next.
    }
  }
  return undefined
}

/**
 * Checks that bubblewrap can build a sandbox here (it can be installed and
 * still fail: no user namespaces for an unprivileged server, a seccomp
 * profile of a container): a real sandbox, with the filter, runs the shim's
 * interpreter. The reason when not.
 */
export const probe = (launcher: Launcher): string | undefined => {
  if (!Fs.existsSync(SHIM_INTERPRETER)) return `${SHIM_INTERPRETER} is missing (Debian: perl-base)`
  const policy: ResolvedSandbox = { rules: [{ path: "/", access: "read", missing: false }], network: false }
  const [command, ...args] = launcherArgv(launcher, { policy, cwd: "/" }, [SHIM_INTERPRETER, "-e", "exit 0"])
  const result = spawnSync(command!, args, { encoding: "utf8", timeout: 10_000, stdio: ["ignore", "ignore", "pipe"] })
  if (result.error !== undefined) return `bubblewrap cannot run: ${result.error.message}`
  if (result.status !== 0) return `bubblewrap cannot build a sandbox here: ${(result.stderr ?? "").trim() || `exit status ${result.status}`}`
  return undefined
}

/** The pid a process has in the innermost PID namespace it belongs to. */
const innerPidOf = (pid: number): number | undefined => {
  try {
    const line = /^NSpid:\s+(.*)$/m.exec(Fs.readFileSync(`/proc/${pid}/status`, "utf8"))
    const pids = line?.[1]?.trim().split(/\s+/)
    return pids === undefined ? undefined : Number(pids[pids.length - 1])
  } catch {
    return undefined
  }
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
