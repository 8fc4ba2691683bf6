/**
 * How a child is in its cgroup before it runs anything: it starts as a
 * small launcher that writes its own pid into each group's `cgroup.procs`
 * and then execs the command in place (same pid, same process group, the
 * argv[0] it was given). There is no moment when the command, or anything it
 * forks, runs outside its group. The same wrapping suits pipes, terminals
 * and the sandbox's launcher (the confinement starts inside the group).
 */

/** The launcher's interpreter (Perl is the project's helper for argv[0] and descriptors too). */
export const LAUNCHER = "/usr/bin/perl"

/**
 * `perl -e LAUNCHER_SCRIPT N FILE... PROGRAM ARGV0 ARGS...`: joins the N
 * groups, then execs PROGRAM as ARGV0 ARGS; exit 126 when a group cannot be
 * joined (nothing runs), 127 when the program is missing.
 */
export const LAUNCHER_SCRIPT = `my $n=shift;for(1..$n){my $f=shift;my $h;unless(open($h,">",$f)&&print({$h} "$$\\n")&&close($h)){` +
  `print STDERR "cannot join the cgroup $f: $!\\n";exit 126}}` +
  `my $p=shift;exec {$p} @ARGV;print STDERR "$p: $!\\n";exit($!{ENOENT}?127:126)`

/** `[file, args]` that runs `file` as `argv` (argv[0] included) inside the groups of `joinFiles`. */
export const launcherArgv = (
  joinFiles: ReadonlyArray<string>,
  file: string,
  argv: ReadonlyArray<string>
): readonly [string, Array<string>] => [LAUNCHER, ["-e", LAUNCHER_SCRIPT, `${joinFiles.length}`, ...joinFiles, file, ...argv]]
