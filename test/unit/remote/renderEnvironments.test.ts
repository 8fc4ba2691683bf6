/** The `environments` command's output: the table and `--json`. */
import { describe, expect, it } from "vitest"
import { type ListedEnvironment, renderEnvironments } from "../../../src/remote/Registry.js"

const listed = (id: string, name: string, sessions: number, ageMs: number): ListedEnvironment => ({
  record: {
    id, name, serverVersion: "0.1.0", protocolVersion: "exec-server.v0", host: `${id}.example`, sessions,
    startedAt: "2026-11-22T10:00:00.000Z", heartbeatAt: "2026-11-22T10:05:00.000Z", heartbeatMs: 2000, owner: `owner-${id}`
  },
  revision: 42,
  updatedAt: new Date("2026-11-22T10:05:00.000Z"),
  ageMs
})

describe("renderEnvironments", () => {
  it("renders a table with a header and aligned columns", () => {
    const out = renderEnvironments([listed("gpu-1", "trainer", 3, 1234), listed("b", "builder-long-name", 12, 50)])
    expect(out).toBe(
      "ID     NAME               HOST           VERSION  PROTOCOL        SESSIONS  STARTED                   HEARTBEAT\n" +
      "gpu-1  trainer            gpu-1.example  0.1.0    exec-server.v0  3         2026-11-22T10:00:00.000Z  1.2s ago\n" +
      "b      builder-long-name  b.example      0.1.0    exec-server.v0  12        2026-11-22T10:00:00.000Z  0.1s ago\n"
    )
  })

  it("says so when nothing is live", () => {
    expect(renderEnvironments([])).toBe("no live environments\n")
    expect(renderEnvironments([], { json: true })).toBe("[]\n")
  })

  it("--json is one array of the records with revision, server timestamp and age", () => {
    const out = renderEnvironments([listed("gpu-1", "trainer", 3, 1234)], { json: true })
    expect(out.endsWith("\n")).toBe(true)
    expect(JSON.parse(out)).toEqual([{
      id: "gpu-1", name: "trainer", serverVersion: "0.1.0", protocolVersion: "exec-server.v0", host: "gpu-1.example", sessions: 3,
      startedAt: "2026-11-22T10:00:00.000Z", heartbeatAt: "2026-11-22T10:05:00.000Z", heartbeatMs: 2000, owner: "owner-gpu-1",
      revision: 42, updatedAt: "2026-11-22T10:05:00.000Z", ageMs: 1234
    }])
  })
})
