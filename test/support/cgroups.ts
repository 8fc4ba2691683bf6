/**
 * What the cgroup tests share: where /proc says a process's cgroup is, and
 * the pids a test made that must not outlive it (killed after each test,
 * whatever its outcome).
 */
import { readFileSync } from "node:fs"
import { afterEach } from "vitest"

/** The path of `pid`'s cgroup in the v1 hierarchy of `controller`, as /proc says. */
export const cgroupOf = (pid: number, controller: string): string | undefined =>
  readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n").map((line) => line.split(":"))
    .find(([, controllers]) => controllers?.split(",").includes(controller))?.[2]

/** A list of pids SIGKILLed after each test of the file that calls it (gone ones skipped). */
export const useStrays = (): Array<number> => {
  const strays: Array<number> = []
  afterEach(() => {
    for (const pid of strays.splice(0)) {
      try {
        process.kill(pid, "SIGKILL")
      } catch {
        // Gone, as it should be.
      }
    }
  })
  return strays
}
