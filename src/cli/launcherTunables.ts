/**
 * The glibc tunables the launcher (`exec-server`) sets for this process
 * alone: it starts Node with `GLIBC_TUNABLES=glibc.malloc.hugetlb=1`
 * (huge pages for malloc's large blocks, the startup snapshot's blob among
 * them) when the user set none, and names what it set in
 * `EXEC_SERVER_GLIBC_TUNABLES`. The entries drop both before anything
 * runs: a process the server or the client starts inherits neither, and a
 * user's own `GLIBC_TUNABLES` is never touched.
 */

/** The launcher's marker: the value it gave `GLIBC_TUNABLES`. */
const MARKER = "EXEC_SERVER_GLIBC_TUNABLES"

/** Removes the launcher's tunables and its marker from `env` (the process's own by default). */
export const forgetLauncherTunables = (env: NodeJS.ProcessEnv = process.env): void => {
  const set = env[MARKER]
  if (set === undefined) return
  if (env["GLIBC_TUNABLES"] === set) delete env["GLIBC_TUNABLES"]
  delete env[MARKER]
}
