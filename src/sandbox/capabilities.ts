/**
 * Every sandbox's capabilities emptied, the bounding set included. As root
 * (no user namespace), `bwrap --cap-drop ALL` empties the command's
 * effective, permitted, inheritable and ambient sets but leaves the
 * bounding set full (`CapBnd: 000001fffeffffff`); harmless while the other
 * sets are empty under no_new_privs, but nothing then stands between an
 * exec and every capability but those. bubblewrap has no option for it, and
 * dropping from the bounding set needs CAP_SETPCAP: so every sandbox is
 * given that one capability (`--cap-add CAP_SETPCAP`), and the first program
 * in it (the shim, perl) drops the bounding set (CAP_SETPCAP last), the
 * ambient set, then its own sets with capset(2), before anything else runs.
 * Run by an unprivileged server, bubblewrap's user namespace already holds
 * the bounding set to the capabilities asked for; the same drop empties it.
 */

/** The bubblewrap options that leave the sandbox CAP_SETPCAP alone, for its first program to drop everything with. */
export const CAPABILITY_OPTIONS: ReadonlyArray<string> = ["--cap-drop", "ALL", "--cap-add", "CAP_SETPCAP"]

/** CAP_SETPCAP's number (linux/capability.h). */
const CAP_SETPCAP = 8

/**
 * Perl that drops every capability (prctl(2) and capset(2) called by their
 * numbers here, `prctl` and `capset`): each one the bounding set holds
 * (PR_CAPBSET_READ answers EINVAL past the kernel's last), CAP_SETPCAP
 * last, then the ambient set, then the process's own sets. A failure exits
 * 126 with the reason, and nothing after it runs.
 */
export const dropCapabilities = (prctl: number, capset: number): string => String.raw`
{
  my $fail = sub { print STDERR "sandbox: cannot drop capabilities: ", @_, "\n"; exit 126 };
  for (my $cap = 0; ; $cap++) {
    my $held = syscall(${prctl}, 23, $cap, 0, 0, 0);
    last if $held < 0;
    next if $held == 0 || $cap == ${CAP_SETPCAP};
    syscall(${prctl}, 24, $cap, 0, 0, 0) == 0 or $fail->("PR_CAPBSET_DROP $cap: $!");
  }
  if (syscall(${prctl}, 23, ${CAP_SETPCAP}, 0, 0, 0) == 1) { syscall(${prctl}, 24, ${CAP_SETPCAP}, 0, 0, 0) == 0 or $fail->("PR_CAPBSET_DROP ${CAP_SETPCAP}: $!") }
  syscall(${prctl}, 47, 4, 0, 0, 0);
  # Variables, not pack()'s values: syscall passes a string's buffer, which must be writable.
  my ($header, $data) = (pack("LL", 0x20080522, 0), pack("L6", 0, 0, 0, 0, 0, 0));
  syscall(${capset}, $header, $data) == 0 or $fail->("capset: $!");
}
`
