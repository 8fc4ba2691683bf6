/**
 * Another user (nobody, 65534, through setpriv), as root can be: the words
 * that run a command as that user, and whether it reaches a program and
 * files. The built server run as that user is nobodyServer.ts's.
 */
import { spawnSync } from "node:child_process"

/** The words that run a command as nobody. */
export const AS_NOBODY: ReadonlyArray<string> = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]

/** Whether nobody can run `program` and read `files`: each directory above them must let it in. */
export const nobodyReaches = (program: string, files: ReadonlyArray<string>): boolean =>
  spawnSync(AS_NOBODY[0]!, [
    ...AS_NOBODY.slice(1),
    "/bin/sh",
    "-c",
    "test -x \"$1\" || exit 1; shift; for file; do test -r \"$file\" || exit 1; done",
    "sh",
    program,
    ...files
  ]).status === 0
