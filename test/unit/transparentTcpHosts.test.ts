/** What a transparent sandbox's /etc/hosts keeps of the host's (sandbox/transparentTcp.ts's sandboxHosts). */
import { describe, expect, it } from "vitest"
import { sandboxHosts } from "../../src/sandbox/transparentTcp.js"

describe("a transparent sandbox's hosts file", () => {
  it("keeps the host's loopback entries and drops every other, comments and all", () => {
    const host = [
      "127.0.0.1\tlocalhost",
      "127.0.1.1  build-host.example build-host # the machine's own name",
      "::1     localhost ip6-localhost",
      "# 10.0.0.9 commented.out",
      "10.0.0.5 db.internal",
      "ff02::1 ip6-allnodes",
      "5.5.5.7 allowed.test",
      ""
    ].join("\n")
    expect(sandboxHosts(host)).toBe([
      "127.0.0.1\tlocalhost",
      "127.0.1.1  build-host.example build-host # the machine's own name",
      "::1     localhost ip6-localhost",
      ""
    ].join("\n"))
  })

  it("names localhost when the host's file has no loopback entry (or none at all)", () => {
    expect(sandboxHosts("")).toBe("127.0.0.1\tlocalhost\n::1\tlocalhost\n")
    expect(sandboxHosts("10.0.0.5 db.internal\n")).toBe("127.0.0.1\tlocalhost\n::1\tlocalhost\n")
  })
})
