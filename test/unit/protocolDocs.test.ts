/**
 * docs/PROTOCOL.md's list of every method names each Rpc of the protocol's
 * groups (requests, notifications both ways, the server's requests), each
 * written as its kind is (a request of one name does not stand for a
 * notification of that name): a method added to protocol/rpcs.ts without its
 * documentation fails here;
 * so does a limit a -32001 may name (`BUSY_LIMITS`) that its row does not.
 */
import { describe, expect, it } from "vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { BUSY_LIMITS } from "../../src/protocol/errors.js"
import { ClientNotificationRpcs, ExecServerRpcs, ServerNotificationRpcs, ServerRequestRpcs } from "../../src/protocol/rpcs.js"

const PROTOCOL = Fs.readFileSync(Path.resolve(import.meta.dirname, "../../docs/PROTOCOL.md"), "utf8")

/** The list under "Every method, by section", up to the first section. */
const methodList = PROTOCOL.slice(PROTOCOL.indexOf("Every method, by section"), PROTOCOL.indexOf("\n## "))

/** Escapes a method's name for a RegExp. */
const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")

/**
 * How the list writes a method of each group, so that a request does not
 * stand for a notification of the same name: what the server sends in
 * italics (*`fs/changed`*), the client's requests plain, the client's
 * notifications plain and followed by "notification".
 */
const listedAs: Record<"request" | "clientNotification" | "sentByServer", (tag: string) => RegExp> = {
  request: (tag) => new RegExp(`(?<!\\*)\`${literally(tag)}\`(?!\\*)`),
  clientNotification: (tag) => new RegExp(`(?<!\\*)\`${literally(tag)}\`\\s+notification`),
  sentByServer: (tag) => new RegExp(`\\*\`${literally(tag)}\`\\*`)
}

describe("docs/PROTOCOL.md", () => {
  const groups = {
    ExecServerRpcs: [ExecServerRpcs, listedAs.request],
    ClientNotificationRpcs: [ClientNotificationRpcs, listedAs.clientNotification],
    ServerNotificationRpcs: [ServerNotificationRpcs, listedAs.sentByServer],
    ServerRequestRpcs: [ServerRequestRpcs, listedAs.sentByServer]
  } as const

  for (const [name, [group, pattern]] of Object.entries(groups)) {
    it(`lists every method of ${name} as its kind is written and documents it`, () => {
      const tags = [...group.requests.keys()]
      expect(tags.length).toBeGreaterThan(0)
      const unlisted = tags.filter((tag) => !pattern(tag).test(methodList))
      expect(unlisted, `methods of ${name} missing from docs/PROTOCOL.md's "Every method, by section"`).toEqual([])
      // Beyond the list, each has a description of its own (its params or a heading).
      const undocumented = tags.filter((tag) => PROTOCOL.split(`\`${tag}`).length < 3)
      expect(undocumented, `methods of ${name} that docs/PROTOCOL.md names only in its list`).toEqual([])
    })
  }

  it("names every limit a -32001 may say ran out in the code's row", () => {
    const row = PROTOCOL.split("\n").find((line) => line.startsWith("| -32001 |"))
    expect(row).toBeDefined()
    const unnamed = BUSY_LIMITS.filter((limit) => !row!.includes(`\`"${limit}"\``))
    expect(unnamed, "limits of protocol/errors.ts's BUSY_LIMITS missing from docs/PROTOCOL.md's -32001 row").toEqual([])
  })
})
