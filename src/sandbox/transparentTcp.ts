/**
 * Transparent TCP (`networkProxy.proxy.transparentTcp`, issue 68): a
 * sandboxed process's direct TCP connects, the ones that ignore the proxy
 * variables, reach its managed SOCKS5 proxy with the host name, so the
 * domain rules hold for every program.
 *
 * The reference puts a TUN device and a user-space TCP stack in the
 * sandbox; we let the kernel's own stack do the work. Inside the sandbox's
 * network namespace, before the command starts (the shim, with
 * CAP_NET_ADMIN and CAP_NET_BIND_SERVICE that bubblewrap grants it alone):
 *
 * - a default route through `lo` for both families, so every connect is
 *   routed (from 192.0.2.1, TEST-NET-1, as the reference's TUN device is:
 *   a loopback address cannot be the source of a route that is not
 *   loopback's, and without one the kernel picks 0.0.0.0, to which no
 *   answer returns), and an nftables `nat output` rule redirecting every TCP
 *   connection that is not to loopback to the relay on port 1 (127.0.0.1
 *   and ::1); UDP and anything else not to loopback is rejected;
 * - a resolver on 127.0.0.53:53 (`/etc/resolv.conf` says so inside) that
 *   answers every name with an address of its own, as the reference does:
 *   198.18.0.N (RFC 2544's benchmarking range) and fdc0:de00::N, one N per
 *   name;
 * - the relay (in the loopback forwarder, loopbackForwarder.ts) takes each
 *   redirected connection, reads where it was going (SO_ORIGINAL_DST),
 *   turns a synthetic address back into its name, and opens the process's
 *   SOCKS5 proxy through the bridged socket with that name (a real
 *   address as it is), with the process's proxy credential. The proxy
 *   decides and reports (`socks5_tcp`) as for any SOCKS5 client; a refusal
 *   resets the connection.
 *
 * Ports 1 and 53 are privileged: the command, which holds no capability,
 * can never take them first or collide with them. The shim drops every
 * capability (bounding, ambient, then its own sets) before the forwarder
 * and the command run.
 */
import * as Fs from "node:fs"
import { startupSnapshot } from "node:v8"
import { dropCapabilities } from "./capabilities.js"
import { findExecutable } from "./executables.js"

/** Where the command's resolver library asks: the resolver inside, which answers every name. */
export const RESOLV_CONF = "nameserver 127.0.0.53\n"

/**
 * The sandbox's /etc/hosts: the host's entries for loopback addresses only
 * (`localhost`, and the host's own name where it maps there, stay the
 * sandbox's own loopback, as with the reference, which keeps the host's
 * file). A name the host's file maps elsewhere would otherwise be
 * connected to by its address, and judged by the address rules instead of
 * the name's; through the resolver it reaches the proxy by name, which
 * looks it up as the host does, /etc/hosts included.
 */
export const sandboxHosts = (hostsFile: string): string => {
  const kept = hostsFile.split("\n").filter((line) => {
    const address = line.replace(/#.*/, "").trim().split(/\s+/)[0] ?? ""
    return /^127\.\d+\.\d+\.\d+$/.test(address) || address === "::1"
  })
  return [...(kept.length > 0 ? kept : ["127.0.0.1\tlocalhost", "::1\tlocalhost"]), ""].join("\n")
}

/** The host's /etc/hosts as sandboxHosts keeps it, read now. */
export const readSandboxHosts = (): string => {
  try {
    return sandboxHosts(Fs.readFileSync("/etc/hosts", "utf8"))
  } catch {
    return sandboxHosts("")
  }
}

/** The relay's port inside the sandbox (127.0.0.1 and ::1). */
export const RELAY_PORT = 1

/** Where sbin directories may be missing from the server's PATH. */
const TOOL_PATH = `${process.env.PATH ?? "/usr/bin:/bin"}:/usr/sbin:/sbin`

/** The programs the shim configures the namespace with. */
export interface NamespaceTools {
  readonly ip: string
  readonly nft: string
}

/** `ip` (iproute2) and `nft` (nftables), or why transparent TCP cannot be had here. */
export const namespaceTools = (): NamespaceTools | string => {
  const ip = findExecutable("ip", TOOL_PATH)
  const nft = findExecutable("nft", TOOL_PATH)
  if (ip === undefined) return "transparent TCP requires ip (Debian: iproute2)"
  if (nft === undefined) return "transparent TCP requires nft (Debian: nftables)"
  return { ip, nft }
}

let supported: boolean | undefined

/**
 * Whether this server may advertise `networkProxyTransparentTcp`: run as
 * root (bubblewrap grants the shim its capabilities only then; in a user
 * namespace of its own it does not), with bubblewrap, ip, nft and a
 * readable /etc/resolv.conf (the reference's preconditions, and ours). Only
 * files are looked at; the first launch that asks builds a sandbox to be
 * sure (Sandbox.ts).
 */
export const transparentTcpSupported = (): boolean => {
  if (supported !== undefined) return supported
  let readable = true
  try {
    Fs.accessSync("/etc/resolv.conf", Fs.constants.R_OK)
  } catch {
    readable = false
  }
  supported = process.platform === "linux" && process.geteuid?.() === 0 && readable &&
    findExecutable("bwrap") !== undefined && typeof namespaceTools() !== "string"
  return supported
}

// The machine that builds the startup snapshot is not the one that runs it.
if (startupSnapshot.isBuildingSnapshot()) startupSnapshot.addSerializeCallback(() => void (supported = undefined))

/**
 * The bubblewrap options of a transparent sandbox (after capabilities.ts's
 * `CAPABILITY_OPTIONS`): the shim's capabilities besides CAP_SETPCAP, and RESOLV_CONF and the sandbox's hosts, read from
 * descriptors `resolvFd` and `hostsFd` (see bubblewrap.ts's `launcherArgv`).
 */
export const transparentOptions = (resolvFd: number, hostsFd: number): Array<string> => [
  "--cap-add",
  "CAP_NET_ADMIN",
  "--cap-add",
  "CAP_NET_BIND_SERVICE",
  "--perms",
  "0444",
  "--ro-bind-data",
  String(resolvFd),
  "/etc/resolv.conf",
  "--perms",
  "0444",
  "--ro-bind-data",
  String(hostsFd),
  "/etc/hosts"
]

/**
 * The namespace's rules: loopback is left alone (the bridged proxy ports,
 * the command's own servers), DNS to the resolver's address stays local,
 * every other TCP connection goes to the relay, and nothing else leaves.
 */
const RULESET = `table inet exec_server_transparent {
  chain nat_output {
    type nat hook output priority -100; policy accept;
    ip daddr 127.0.0.0/8 return
    ip6 daddr ::1 return
    meta l4proto tcp redirect to :${RELAY_PORT}
  }
  chain filter_output {
    type filter hook output priority 0; policy accept;
    ip daddr 127.0.0.0/8 accept
    ip6 daddr ::1 accept
    meta l4proto tcp accept
    reject
  }
}
`

/** Where the relay reaches the process's SOCKS5 proxy, and with what credential (empty: none). */
export interface RelayTarget {
  /** The bridged Unix socket of the SOCKS5 port, as the sandbox sees it. */
  readonly socketPath: string
  readonly username: string
  readonly password: string
}

/**
 * The relay's target as the forwarder reads it: its socket path, user name
 * and password, each in hex, between commas. It reaches the forwarder by
 * descriptor (see bubblewrap.ts's `launcherArgv`), never on a command
 * line, which every user of the host can read.
 */
export const relayTargetText = (target: RelayTarget): string =>
  [target.socketPath, target.username, target.password].map((field) => Buffer.from(field, "utf8").toString("hex")).join(",")

/**
 * The shim's part (perl, before the bridge's prelude; see bubblewrap.ts):
 * it takes its arguments (ip, nft, the ruleset) off @ARGV, configures the
 * namespace, binds the relay's and the resolver's sockets for the
 * forwarder to inherit with the relay's target, open on descriptor
 * `targetFd` (`$tt` says which descriptors; `@tk` are closed once the
 * forwarder has them, so the command holds none of them), then drops
 * every capability (capabilities.ts's `dropCapabilities`: the bounding
 * set, the ambient set, then its own sets), so that no exec, not even of a
 * root process, gets any back. Any failure exits
 * 126 with the reason, and the command does not run.
 */
export const transparentPrelude = (prctl: number, capset: number, targetFd: number): string => String.raw`
use Socket; use Fcntl;
my $tip = shift; my $tnft = shift; my $trules = shift;
sub tfail { print STDERR "sandbox: transparent TCP: ", @_, "\n"; exit 126 }
my $t6 = -e "/proc/net/if_inet6";
system {$tip} $tip, "addr", "add", "192.0.2.1/32", "dev", "lo"; $? == 0 or tfail("ip addr add 192.0.2.1/32 dev lo failed");
system {$tip} $tip, "route", "add", "default", "dev", "lo", "src", "192.0.2.1"; $? == 0 or tfail("ip route add default dev lo failed");
if ($t6) { system {$tip} $tip, "-6", "route", "add", "default", "dev", "lo"; $? == 0 or tfail("ip -6 route add default dev lo failed") }
open(my $tn, "|-", $tnft, "-f", "-") or tfail("$tnft: $!"); print $tn $trules; close $tn or tfail("nft -f failed");
my (@tk, $tr4, $tr6, $tdu);
socket($tr4, PF_INET, SOCK_STREAM, 0) && bind($tr4, pack_sockaddr_in(${RELAY_PORT}, INADDR_LOOPBACK)) && listen($tr4, SOMAXCONN)
  or tfail("cannot listen on 127.0.0.1:${RELAY_PORT}: $!");
push @tk, $tr4;
if ($t6) {
  socket($tr6, PF_INET6, SOCK_STREAM, 0) && setsockopt($tr6, 41, 26, 1) && bind($tr6, pack_sockaddr_in6(${RELAY_PORT}, Socket::IN6ADDR_LOOPBACK)) && listen($tr6, SOMAXCONN)
    or tfail("cannot listen on [::1]:${RELAY_PORT}: $!");
  push @tk, $tr6;
}
socket($tdu, PF_INET, SOCK_DGRAM, 0) && bind($tdu, pack_sockaddr_in(53, inet_aton("127.0.0.53"))) or tfail("cannot bind 127.0.0.53:53: $!");
push @tk, $tdu;
open(my $ttf, "<&=", ${targetFd}) or tfail("the relay's target (descriptor ${targetFd}): $!");
push @tk, $ttf;
for (@tk) { my $flags = 0; fcntl($_, F_SETFD, $flags) or tfail("fcntl: $!") }
$tt = join(",", fileno $tr4, $t6 ? fileno $tr6 : -1, fileno $tdu, fileno $ttf);
${dropCapabilities(prctl, capset)}`

/** The transparent prelude's arguments, in its order (the relay's target is no argument: see `relayTargetText`). */
export const transparentArgs = (tools: NamespaceTools): Array<string> => [tools.ip, tools.nft, RULESET]

/**
 * The forwarder's part (perl, see loopbackForwarder.ts): the relay and the
 * resolver, on the sockets the shim bound (`$tt`: their descriptors, then
 * the descriptor it reads the relay's target from, as `relayTargetText`
 * writes it; `-` without transparency), inserted where the forwarder's
 * `$tt`, `%e`, `$full` and `nb` are in scope. Defines `tr_read` (adds what
 * it watches to the select loop's read set) and `tr_ready` (its turn with
 * the ready set).
 *
 * A redirected connection: its original destination by SO_ORIGINAL_DST
 * (80 at SOL_IP or SOL_IPV6), a synthetic address back to its name (one
 * the resolver never gave is reset), a Unix connection to the proxy, then
 * SOCKS5 step by step (greeting, RFC 1929 user and password, CONNECT with
 * the name or the address); the command's bytes wait in its socket
 * meanwhile. A success hands the pair to the forwarder's splice (`%e`);
 * any refusal resets the command's connection (SO_LINGER 0).
 *
 * The resolver: up to 64 datagrams a turn of the loop (a burst of
 * questions must not overflow its socket), one question each, A and AAAA of any name get
 * the name's synthetic address (TTL 60; the mapping lives as long as the
 * sandbox), other types an empty answer; 65,535 names at most (some
 * 20 MB of the forwarder's), then SERVFAIL. A name over 253 bytes (255 as
 * sent) is answered FORMERR and given no address: SOCKS5 carries a name's
 * length in one byte, and a longer one would be no request at all.
 */
export const RELAY_SCRIPT = String.raw`
my (%tl, $tdns, $tsp, $tsu, $tsw, %th, %tidx);
my @tnames = (undef);
my $tprefix6 = pack("H8 x8", "fdc0de00");
if ($tt ne "-") {
  my ($f4, $f6, $fu, $ft) = split /,/, $tt;
  open(my $tf, "<&=", $ft) or die "relay target $ft: $!\n";
  my $hex = do { local $/; <$tf> } // ""; close $tf;
  $hex =~ /\A[0-9a-f]*,[0-9a-f]*,[0-9a-f]*\z/ or die "relay target: not a socket path, user name and password\n";
  ($tsp, $tsu, $tsw) = map { pack("H*", $_) } split /,/, $hex, -1;
  for ([$f4, 4], [$f6, 6]) {
    next if $_->[0] < 0;
    open(my $l, "+<&=", $_->[0]) or die "relay socket $_->[0]: $!\n"; nb($l); $tl{fileno $l} = [$l, $_->[1]];
  }
  open($tdns, "+<&=", $fu) or die "resolver socket: $!\n"; nb($tdns);
}
sub tr_reset { setsockopt($_[0], SOL_SOCKET, SO_LINGER, pack("ii", 1, 0)); close $_[0] }
sub tr_fail { my $x = delete $th{$_[0]} or return; tr_reset($x->{c}); close $x->{u}; $full = 0 }
sub tr_read {
  my $rin = shift;
  return unless defined $tdns;
  vec($$rin, fileno $tdns, 1) = 1;
  if (!$full) { vec($$rin, $_, 1) = 1 for keys %tl }
  vec($$rin, $_, 1) = 1 for keys %th;
}
sub tr_name {
  my $n = shift; my $i = $tidx{$n};
  if (!defined $i) { return undef if $#tnames >= 65535; push @tnames, $n; $i = $tidx{$n} = $#tnames }
  $i
}
sub tr_dns { for (1 .. 64) { my $from = recv($tdns, my $q, 1500, 0); last unless defined $from; tr_answer($from, $q) } }
sub tr_answer {
  my ($from, $q) = @_;
  return unless length $q >= 12;
  my ($id, $fl, $qd) = unpack("n n n", $q);
  return if $fl & 0x8000;
  my $o = 12; my @l;
  if ($qd != 1 || (($fl >> 11) & 15) != 0) { send($tdns, pack("n6", $id, 0x8084 | ($fl & 0x0100), 0, 0, 0, 0), 0, $from); return }
  while (1) {
    return if $o >= length $q;
    my $n = ord substr($q, $o++, 1);
    last if $n == 0;
    return if $n > 63 || $o + $n > length $q;
    push @l, substr($q, $o, $n); $o += $n;
  }
  return if $o + 4 > length $q;
  my ($qt, $qc) = unpack("n n", substr($q, $o, 4));
  my $question = substr($q, 12, $o + 4 - 12);
  my $name = lc join(".", @l); my $an = "";
  # The name as sent, its zero byte included: over 255 bytes (253 as text) it is no name (RFC 1035, 2.3.4).
  my $rc = $o - 12 > 255 ? 1 : 0;
  if ($rc == 0 && $qc == 1 && ($qt == 1 || $qt == 28) && $name ne "") {
    my $i = tr_name($name);
    if (!defined $i) { $rc = 2 }
    elsif ($qt == 1) { $an = "\xc0\x0c" . pack("n n N n N", 1, 1, 60, 4, 0xC6120000 + $i) }
    else { $an = "\xc0\x0c" . pack("n n N n", 28, 1, 60, 16) . $tprefix6 . pack("N", $i) }
  }
  send($tdns, pack("n6", $id, 0x8480 | ($fl & 0x0100) | $rc, 1, $an eq "" ? 0 : 1, 0, 0) . $question . $an, 0, $from);
}
sub tr_accept {
  my ($l, $fam) = @_;
  while (1) {
    my $c;
    if (!accept($c, $l)) { return 0 if $!{EAGAIN}; return 1 if $!{EMFILE} || $!{ENFILE}; next }
    my $od = getsockopt($c, $fam == 4 ? 0 : 41, 80);
    my ($port, $a) = !defined $od ? () : $fam == 4 ? unpack("x2 n a4", $od) : unpack("x2 n x4 a16", $od);
    if (!defined $port) { tr_reset($c); next }
    my $req;
    if ($fam == 4 ? (unpack("N", $a) & 0xFFFE0000) == 0xC6120000 : substr($a, 0, 12) eq $tprefix6) {
      my $i = $fam == 4 ? unpack("N", $a) - 0xC6120000 : unpack("N", substr($a, 12));
      my $n = $i > 0 ? $tnames[$i] : undef;
      if (!defined $n) { tr_reset($c); next }
      $req = "\x05\x01\x00\x03" . chr(length $n) . $n . pack("n", $port);
    } else {
      $req = "\x05\x01\x00" . ($fam == 4 ? "\x01" : "\x04") . $a . pack("n", $port);
    }
    my $u;
    if (!(socket($u, PF_UNIX, SOCK_STREAM, 0) && connect($u, pack_sockaddr_un($tsp)))) {
      my $out = $!{EMFILE} || $!{ENFILE}; tr_reset($c); close $u if defined $u; return 1 if $out; next;
    }
    nb($c); nb($u);
    syswrite($u, $tsu ne "" ? "\x05\x01\x02" : "\x05\x01\x00");
    $th{fileno $u} = {u => $u, c => $c, req => $req, st => 0, in => ""};
  }
}
sub tr_step {
  my $x = $th{$_[0]};
  my $n = sysread($x->{u}, $x->{in}, 600, length $x->{in});
  if (!defined $n) { tr_fail($_[0]) unless $!{EAGAIN}; return }
  return tr_fail($_[0]) if $n == 0;
  while (1) {
    if ($x->{st} == 0) {
      return if length $x->{in} < 2;
      my $m = substr($x->{in}, 0, 2, "");
      if ($m eq "\x05\x02" && $tsu ne "") { syswrite($x->{u}, "\x01" . chr(length $tsu) . $tsu . chr(length $tsw) . $tsw); $x->{st} = 1 }
      elsif ($m eq "\x05\x00") { syswrite($x->{u}, $x->{req}); $x->{st} = 2 }
      else { return tr_fail($_[0]) }
    } elsif ($x->{st} == 1) {
      return if length $x->{in} < 2;
      return tr_fail($_[0]) if substr($x->{in}, 0, 2, "") ne "\x01\x00";
      syswrite($x->{u}, $x->{req}); $x->{st} = 2;
    } else {
      return if length $x->{in} < 5;
      my ($rep, $at, $l5) = unpack("x C x C C", $x->{in});
      return tr_fail($_[0]) if $rep != 0;
      my $len = $at == 1 ? 10 : $at == 4 ? 22 : $at == 3 ? 7 + $l5 : return tr_fail($_[0]);
      return if length $x->{in} < $len;
      delete $th{$_[0]};
      $e{fileno $x->{c}} = {fh => $x->{c}, peer => fileno $x->{u}, buf => substr($x->{in}, $len), eof => 0};
      $e{fileno $x->{u}} = {fh => $x->{u}, peer => fileno $x->{c}, buf => "", eof => 0};
      return;
    }
  }
}
sub tr_ready {
  my $rout = shift;
  return unless defined $tdns;
  tr_dns() if vec($rout, fileno $tdns, 1);
  for my $fd (keys %tl) { $full = 1 if !$full && vec($rout, $fd, 1) && tr_accept(@{$tl{$fd}}) }
  for my $fd (keys %th) { tr_step($fd) if vec($rout, $fd, 1) }
}
`
