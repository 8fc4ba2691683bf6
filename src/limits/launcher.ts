/**
 * How a child is in its cgroup before it runs anything: it starts as a
 * small launcher that writes its own pid into each group's `cgroup.procs`
 * and then execs the command in place (same pid, same process group, the
 * argv[0] it was given). There is no moment when the command, or anything it
 * forks, runs outside its group. The same wrapping suits pipes, terminals
 * and the sandbox's launcher (the confinement starts inside the group).
 *
 * The launcher is the native build's `exec-server-cgroup-join`
 * (native/cgroup-join.c); where it was not built, Perl runs the same steps
 * (several times slower to start).
 */
import * as Fs from "node:fs"
import { startupSnapshot } from "node:v8"

/** The C helper, beside the addon. */
export const JOIN_HELPER = new URL("../../build/Release/exec-server-cgroup-join", import.meta.url).pathname

/** The fallback's interpreter. */
export const PERL = "/usr/bin/perl"

/**
 * `perl -e LAUNCHER_SCRIPT N FILE... PROGRAM ARGV0 ARGS...`: the helper's
 * steps, for where it was not built.
 */
export const LAUNCHER_SCRIPT = `my $n=shift;for(1..$n){my $f=shift;my $h;unless(open($h,">",$f)&&print({$h} "$$\\n")&&close($h)){` +
  `print STDERR "cannot join the cgroup $f: $!\\n";exit 126}}` +
  `my $p=shift;exec {$p} @ARGV;print STDERR "$p: $!\\n";exit($!{ENOENT}?127:126)`

/** Which launcher places children in their cgroups here; undefined when there is none. */
export type Launcher = { readonly _tag: "Helper"; readonly path: string } | { readonly _tag: "Perl"; readonly path: string }

let found: Launcher | null | undefined
// Looked for by each server as it first needs it, never by the startup snapshot's build.
if (startupSnapshot.isBuildingSnapshot()) startupSnapshot.addSerializeCallback(() => void (found = undefined))

/** The helper when it was built and can be run, else Perl when it is there, else undefined. */
export const launcher = (): Launcher | undefined => {
  if (found === undefined) {
    found = canRun(JOIN_HELPER)
      ? { _tag: "Helper", path: JOIN_HELPER }
      : Fs.existsSync(PERL)
      ? { _tag: "Perl", path: PERL }
      : null
  }
  return found ?? undefined
}

const canRun = (path: string): boolean => {
  try {
    Fs.accessSync(path, Fs.constants.X_OK)
    return true
  } catch {
    return false
  }
}

/**
 * `[file, args]` that runs `file` as `argv` (argv[0] included) inside the
 * groups of `joinFiles`: `N FILE... PROGRAM ARGV0 ARGS...` to the helper or
 * the Perl script. Both exit 126 when a group cannot be joined (nothing
 * runs), 127 when the program is missing.
 */
export const launcherArgv = (
  joinFiles: ReadonlyArray<string>,
  file: string,
  argv: ReadonlyArray<string>
): readonly [string, Array<string>] => {
  const found = launcher()
  if (found === undefined) throw new Error(`neither ${JOIN_HELPER} nor ${PERL} is there to place a child in its cgroups`)
  const rest = [`${joinFiles.length}`, ...joinFiles, file, ...argv]
  return found._tag === "Helper" ? [found.path, rest] : [found.path, ["-e", LAUNCHER_SCRIPT, ...rest]]
}
