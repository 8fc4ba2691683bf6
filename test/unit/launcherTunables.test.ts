/**
 * The glibc tunables the launcher sets for Node alone (src/cli/exec-server.sh):
 * the entries drop them, and only them.
 */
import { describe, expect, it } from "vitest"
import { forgetLauncherTunables } from "../../src/cli/launcherTunables.js"

describe("forgetLauncherTunables", () => {
  it("drops the tunables the launcher set and its marker", () => {
    const env = { GLIBC_TUNABLES: "glibc.malloc.hugetlb=1", EXEC_SERVER_GLIBC_TUNABLES: "glibc.malloc.hugetlb=1", PATH: "/bin" }
    forgetLauncherTunables(env)
    expect(env).toEqual({ PATH: "/bin" })
  })

  it("keeps a user's own tunables (the launcher sets none over them)", () => {
    const env: NodeJS.ProcessEnv = { GLIBC_TUNABLES: "glibc.malloc.check=0" }
    forgetLauncherTunables(env)
    expect(env).toEqual({ GLIBC_TUNABLES: "glibc.malloc.check=0" })
  })

  it("keeps tunables changed since the launcher set them, and drops the marker", () => {
    const env = { GLIBC_TUNABLES: "glibc.malloc.check=0", EXEC_SERVER_GLIBC_TUNABLES: "glibc.malloc.hugetlb=1" }
    forgetLauncherTunables(env)
    expect(env).toEqual({ GLIBC_TUNABLES: "glibc.malloc.check=0" })
  })
})
