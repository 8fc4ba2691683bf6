/**
 * The sandbox's end of a loopback bridge (the host's is loopbackBridge.ts):
 * where the host's Unix sockets are bound in, the bubblewrap mounts that put
 * them there, and the perl the shim runs before the command to start the
 * forwarder that listens on 127.0.0.1:<port> inside and carries each
 * connection to its port's socket. bubblewrap.ts puts them on the command
 * line (`bubblewrapOptions`, `confinedArgv`); apart because the forwarder is
 * a program of its own, reviewed on its own.
 */
import type { ResolvedSandbox } from "./policy.js"
import { RELAY_SCRIPT } from "./transparentTcp.js"

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

/**
 * What a loopback bridge needs besides its ports: the filter the command
 * itself runs under, and prctl(2)'s number on this architecture.
 */
export interface BridgeFilter {
  /** The filter of a sandbox without network (socket(AF_UNIX) refused), as bubblewrap would read it. */
  readonly commandFilter: Buffer
  readonly prctl: number
  /** capset(2)'s number here (a transparent sandbox's shim drops its capabilities with it). */
  readonly capset: number
}

/** A loopback bridge (see bubblewrap.ts's `confinedArgv`). */
export interface LoopbackBridge extends BridgeFilter {
  readonly ports: ReadonlyArray<LoopbackPort>
}

/**
 * The bubblewrap options that bind the bridged sockets in, none without
 * ports: a read-only tmpfs at LOOPBACK_SOCKETS with each port's host socket
 * bound read-only as `<port>`. They go after every rule, so that none can
 * cover them.
 */
export const loopbackMounts = (ports: ReadonlyArray<LoopbackPort>): Array<string> => {
  if (ports.length === 0) return []
  const args = ["--perms", "0555", "--tmpfs", LOOPBACK_SOCKETS]
  for (const { port, socketPath } of ports) args.push("--ro-bind", socketPath, `${LOOPBACK_SOCKETS}/${port}`)
  args.push("--remount-ro", LOOPBACK_SOCKETS)
  return args
}

/** The shim's part in a bridge: the prelude to put before bubblewrap.ts's SHIM_SCRIPT, and the arguments before that script's own. */
export interface BridgedShim {
  readonly prelude: string
  readonly args: ReadonlyArray<string>
}

/** The shim's part in bridging `ports` (see `bridgeScripts` for what it does with it). */
export const bridgedShim = (bridge: BridgeFilter, ports: ReadonlyArray<LoopbackPort>): BridgedShim => {
  const scripts = bridgeScripts(bridge.prctl)
  return {
    prelude: scripts.shim,
    args: [
      bridge.commandFilter.toString("hex"),
      scripts.forwarder,
      ...ports.flatMap(({ port }) => [String(port), `${LOOPBACK_SOCKETS}/${port}`]),
      "--"
    ]
  }
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
    exec {$^X} "${FORWARDER_NAME}", "-e", $fs, $tt // "-", @fa; print STDERR "exec $^X: $!\n"; exit 1;
  }
  exit 0;
}
close $wr; waitpid($mid, 0) if $mid; close $_ for @tk;
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
my $tt = shift;
# fileno => {fh, peer: the other end's fileno, buf: bytes to write to fh, eof: fh's input ended, shut: and was passed on}
my %e; my $full = 0;
my $drop = sub { my $x = delete $e{$_[0]} or return; my $y = delete $e{$x->{peer}}; close $x->{fh}; close $y->{fh} if $y; $full = 0 };
${RELAY_SCRIPT}
my %ls;
while (@ARGV) {
  my ($port, $path) = splice(@ARGV, 0, 2); my $l;
  socket($l, PF_INET, SOCK_STREAM, 0) && bind($l, pack_sockaddr_in($port, INADDR_LOOPBACK)) && listen($l, SOMAXCONN)
    or die "cannot listen on 127.0.0.1:$port: $!\n";
  nb($l); $ls{fileno $l} = [$l, $path];
}
print "ok\n";
open STDIN, "<", "/dev/null"; open STDOUT, ">", "/dev/null"; open STDERR, ">", "/dev/null";
while (1) {
  my ($rin, $win) = ("", "");
  if (!$full) { vec($rin, $_, 1) = 1 for keys %ls }
  tr_read(\$rin);
  for my $fd (keys %e) {
    my $x = $e{$fd};
    vec($rin, $fd, 1) = 1 if !$x->{eof} && $e{$x->{peer}}{buf} eq "";
    vec($win, $fd, 1) = 1 if $x->{buf} ne "";
  }
  select(my $rout = $rin, my $wout = $win, undef, undef) > 0 or next;
  tr_ready($rout);
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
    # A read replaces the peer's unwritten bytes: none may be there (a pair the relay just handed over may hold the destination's first bytes).
    if (vec($rout, $fd, 1) && $y->{buf} eq "") {
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
