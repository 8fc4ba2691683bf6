/**
 * Who is another exec-server on the host (execServerListeners.ts): ours by
 * the marks /proc/net/unix lists, the reference by its command line.
 */
import { describe, expect, it } from "vitest"
import { isReferenceCommand } from "../../src/network/execServerListeners.js"
import { markedPids } from "../../src/sandbox/execServerMark.js"

describe("markedPids", () => {
  it("reads the pids of the marks in /proc/net/unix, and nothing else", () => {
    const table = [
      "Num       RefCount Protocol Flags    Type St Inode Path",
      "0000000000000000: 00000002 00000000 00010000 0001 01 4567 @exec-server:4242",
      "0000000000000000: 00000002 00000000 00010000 0001 01 4568 /run/exec-server:99",
      "0000000000000000: 00000002 00000000 00010000 0001 01 4569 @exec-server:nope",
      "0000000000000000: 00000003 00000000 00000000 0001 03 4570",
      "0000000000000000: 00000002 00000000 00010000 0001 01 4571 @exec-server:17"
    ].join("\n")
    expect(markedPids(table)).toEqual([4242, 17])
  })
})

const cmdline = (...args: ReadonlyArray<string>) => `${args.join("\0")}\0`

describe("isReferenceCommand", () => {
  it("takes codex (any path, its platform binary) with exec-server among its arguments", () => {
    expect(isReferenceCommand(cmdline("/opt/codex/vendor/bin/codex", "exec-server", "--listen", "ws://127.0.0.1:0"))).toBe(true)
    expect(isReferenceCommand(cmdline("codex", "--config", "x=1", "exec-server"))).toBe(true)
    expect(isReferenceCommand(cmdline("codex-linux-x64", "exec-server"))).toBe(true)
  })

  it("leaves other programs and other codex commands", () => {
    expect(isReferenceCommand(cmdline("codex", "exec", "ls"))).toBe(false)
    expect(isReferenceCommand(cmdline("/usr/bin/python3", "-m", "http.server", "exec-server"))).toBe(false)
    expect(isReferenceCommand(cmdline("/usr/bin/mycodex", "exec-server"))).toBe(false)
    expect(isReferenceCommand("")).toBe(false)
  })
})
