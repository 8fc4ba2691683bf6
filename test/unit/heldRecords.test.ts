/** The files a later server adopts kept processes by: each process's record and its seq index. */
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import {
  claimRecord,
  type HeldRecord,
  IndexWriter,
  ownerRuns,
  readIndex,
  readRecords,
  recordFiles,
  removeRecord,
  serverIdentity,
  sessionKeyOf,
  writeRecord
} from "../../src/process/heldRecords.js"

let cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
  cleanups = []
})

/** A state directory of the test's own. */
const stateDir = () => {
  const dir = Fs.realpathSync(Fs.mkdtempSync(Path.join(Os.tmpdir(), "held-records-")))
  cleanups.push(() => Fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A Unix socket listening at `path`, as a holder's is while it runs. */
const listenAt = async (path: string) => {
  const server = Net.createServer()
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(path, resolve)
  })
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return path
}

const record = (processId: string): HeldRecord => ({
  owner: "1:1",
  sessionKey: sessionKeyOf("the-session-id"),
  processId,
  tty: false,
  argv: ["/bin/sh", "-c", "echo hi"],
  cwd: "/tmp",
  detachTtlMs: 60_000,
  startedAtMs: 1_790_000_000_000
})

const modeOf = (path: string) => Fs.statSync(path).mode & 0o777

/** A writer that closes with the test. */
const indexWriter = (...args: ConstructorParameters<typeof IndexWriter>) => {
  const writer = new IndexWriter(...args)
  cleanups.push(() => writer.close())
  return writer
}

describe("a kept process's record", () => {
  it("is read back as written, beside its holder's socket, and holds the session's key but never its id", async () => {
    const dir = stateDir()
    const socketPath = await listenAt(Path.join(dir, "holder-1.sock"))
    writeRecord(socketPath, record("proc-1"))
    expect(readRecords(dir)).toEqual([{ socketPath, record: record("proc-1") }])
    const [recordPath, indexPath] = recordFiles(socketPath)
    expect(recordPath).toBe(Path.join(dir, "holder-1.json"))
    expect(indexPath).toBe(Path.join(dir, "holder-1.seq"))
    const text = Fs.readFileSync(recordPath!, "utf8")
    expect(text).not.toContain("the-session-id")
    expect(text).toContain(sessionKeyOf("the-session-id"))
    expect(sessionKeyOf("the-session-id")).toMatch(/^[0-9a-f]{64}$/)
    expect(sessionKeyOf("another-session-id")).not.toBe(sessionKeyOf("the-session-id"))
  })

  it("is replaced whole when written again, with no temporary file left", async () => {
    const dir = stateDir()
    const socketPath = await listenAt(Path.join(dir, "holder-1.sock"))
    writeRecord(socketPath, record("proc-1"))
    writeRecord(socketPath, { ...record("proc-1"), detachTtlMs: 5_000, tty: true })
    expect(readRecords(dir)).toEqual([{ socketPath, record: { ...record("proc-1"), detachTtlMs: 5_000, tty: true } }])
    expect(Fs.readdirSync(dir).sort()).toEqual(["holder-1.json", "holder-1.sock"])
  })

  it("says whether the process was confined, and a claim keeps it (an older record without it reads as not confined)", async () => {
    const dir = stateDir()
    const socketPath = await listenAt(Path.join(dir, "holder-1.sock"))
    writeRecord(socketPath, { ...record("proc-1"), confined: true })
    expect(claimRecord(socketPath)).toEqual({ ...record("proc-1"), confined: true })
    expect(readRecords(dir)[0]!.record.confined).toBe(true)
    writeRecord(socketPath, record("proc-1"))
    expect(readRecords(dir)[0]!.record.confined).toBeUndefined()
  })

  it("is removed, with its index, when its holder's socket is gone", async () => {
    const dir = stateDir()
    const live = await listenAt(Path.join(dir, "holder-1.sock"))
    const gone = Path.join(dir, "holder-2.sock")
    writeRecord(live, record("proc-1"))
    writeRecord(gone, record("proc-2"))
    indexWriter(gone, () => 0).append("output", 1, 10)
    expect(Fs.existsSync(Path.join(dir, "holder-2.seq"))).toBe(true)
    expect(readRecords(dir)).toEqual([{ socketPath: live, record: record("proc-1") }])
    expect(Fs.readdirSync(dir).sort()).toEqual(["holder-1.json", "holder-1.sock"])
  })

  it("is skipped, and left alone, when it cannot be read as a record", async () => {
    const dir = stateDir()
    const good = await listenAt(Path.join(dir, "holder-1.sock"))
    writeRecord(good, record("proc-1"))
    const malformed = await listenAt(Path.join(dir, "holder-2.sock"))
    Fs.writeFileSync(Path.join(dir, "holder-2.json"), "{\"version\": 1, \"sessionKey\":", { mode: 0o600 })
    const otherVersion = await listenAt(Path.join(dir, "holder-3.sock"))
    Fs.writeFileSync(Path.join(dir, "holder-3.json"), JSON.stringify({ ...record("proc-3"), version: 2 }), { mode: 0o600 })
    const wrongField = await listenAt(Path.join(dir, "holder-4.sock"))
    Fs.writeFileSync(Path.join(dir, "holder-4.json"), JSON.stringify({ ...record("proc-4"), version: 1, argv: "sh" }), { mode: 0o600 })
    // Not JSON at all, as a directory: read fails.
    await listenAt(Path.join(dir, "holder-5.sock"))
    Fs.mkdirSync(Path.join(dir, "holder-5.json"))
    expect(readRecords(dir)).toEqual([{ socketPath: good, record: record("proc-1") }])
    for (const left of [malformed, otherVersion, wrongField]) expect(Fs.existsSync(recordFiles(left)[0]!)).toBe(true)
    expect(Fs.statSync(Path.join(dir, "holder-5.json")).isDirectory()).toBe(true)
  })

  it("is none when the state directory is missing", () => {
    expect(readRecords(Path.join(stateDir(), "missing"))).toEqual([])
  })

  it("and its index are removed by removeRecord, the socket left to its holder", async () => {
    const dir = stateDir()
    const socketPath = await listenAt(Path.join(dir, "holder-1.sock"))
    writeRecord(socketPath, record("proc-1"))
    indexWriter(socketPath, () => 0).append("output", 1, 3)
    removeRecord(socketPath)
    expect(Fs.readdirSync(dir)).toEqual(["holder-1.sock"])
    // Twice: nothing there is no failure.
    removeRecord(socketPath)
  })
})

describe("a kept process's seq index", () => {
  it("reads back every entry in the order written, and is empty when there is none", () => {
    const socketPath = Path.join(stateDir(), "holder-1.sock")
    expect(readIndex(socketPath)).toEqual([])
    const writer = indexWriter(socketPath, () => 0)
    const entries = [
      { kind: "output", seq: 1, end: 5 },
      { kind: "output", seq: 2, end: 4_096 },
      { kind: "exited", seq: 3, end: 4_096 },
      // Past 2^32 (a position in a long life) and past 2^53 / 2 as a seq.
      { kind: "output", seq: 4, end: 2 ** 40 + 7 },
      { kind: "closed", seq: 2 ** 52 + 1, end: 2 ** 40 + 7 }
    ] as const
    for (const entry of entries) writer.append(entry.kind, entry.seq, entry.end)
    // Each entry is on disk as it is appended, with no close.
    expect(readIndex(socketPath)).toEqual(entries)
    expect(Fs.statSync(recordFiles(socketPath)[1]!).size).toBe(entries.length * 24)
  })

  it("leaves out a torn last entry (a server killed mid-write)", () => {
    const socketPath = Path.join(stateDir(), "holder-1.sock")
    const writer = indexWriter(socketPath, () => 0)
    writer.append("output", 1, 10)
    writer.append("output", 2, 20)
    writer.close()
    const indexPath = recordFiles(socketPath)[1]!
    const whole = Fs.readFileSync(indexPath)
    Fs.appendFileSync(indexPath, whole.subarray(0, 13))
    expect(readIndex(socketPath)).toEqual([{ kind: "output", seq: 1, end: 10 }, { kind: "output", seq: 2, end: 20 }])
  })

  it("goes on after a torn last entry when a later server appends to it", () => {
    const socketPath = Path.join(stateDir(), "holder-1.sock")
    const first = indexWriter(socketPath, () => 0)
    first.append("output", 1, 10)
    first.append("output", 2, 20)
    first.close()
    const indexPath = recordFiles(socketPath)[1]!
    Fs.appendFileSync(indexPath, Fs.readFileSync(indexPath).subarray(0, 13))
    // The adopting server indexes its own events after the gone server's.
    const later = indexWriter(socketPath, () => 0)
    later.append("output", 3, 30)
    later.append("exited", 4, 30)
    expect(readIndex(socketPath)).toEqual([
      { kind: "output", seq: 1, end: 10 },
      { kind: "output", seq: 2, end: 20 },
      { kind: "output", seq: 3, end: 30 },
      { kind: "exited", seq: 4, end: 30 }
    ])
  })

  it("is rewritten every compactEvery entries without those ending at or before keepFrom, and appended to after", () => {
    const socketPath = Path.join(stateDir(), "holder-1.sock")
    let keepFrom = 0
    const writer = indexWriter(socketPath, () => keepFrom, { compactEvery: 4 })
    writer.append("output", 1, 10)
    writer.append("output", 2, 20)
    writer.append("output", 3, 30)
    keepFrom = 20
    writer.append("output", 4, 40)
    // The fourth entry's write compacted it: the entry ending at 20 was the ring's last byte before keepFrom.
    expect(readIndex(socketPath)).toEqual([{ kind: "output", seq: 3, end: 30 }, { kind: "output", seq: 4, end: 40 }])
    writer.append("exited", 5, 40)
    writer.append("output", 6, 50)
    expect(readIndex(socketPath).map((entry) => entry.seq)).toEqual([3, 4, 5, 6])
    const indexPath = recordFiles(socketPath)[1]!
    expect(Fs.statSync(indexPath).size).toBe(4 * 24)
    expect(modeOf(indexPath)).toBe(0o600)
    // Four more since the last rewrite: the next one. The exit stays, with what follows it, though it ends before
    // keepFrom: a later server replays it at its seq rather than announce the holder's exit as new.
    keepFrom = 45
    writer.append("output", 7, 60)
    writer.append("closed", 8, 60)
    expect(readIndex(socketPath).map((entry) => entry.seq)).toEqual([5, 6, 7, 8])
    expect(Fs.readdirSync(Path.dirname(socketPath))).toEqual(["holder-1.seq"])
  })

  it("compacts every 65,536 entries by default", () => {
    const socketPath = Path.join(stateDir(), "holder-1.sock")
    const writer = indexWriter(socketPath, () => 65_536 - 2)
    for (let seq = 1; seq < 65_536; seq++) writer.append("output", seq, seq)
    expect(readIndex(socketPath)).toHaveLength(65_535)
    writer.append("output", 65_536, 65_536)
    expect(readIndex(socketPath)).toEqual([{ kind: "output", seq: 65_535, end: 65_535 }, { kind: "output", seq: 65_536, end: 65_536 }])
  })

  it("appends nothing once closed", () => {
    const socketPath = Path.join(stateDir(), "holder-1.sock")
    const writer = indexWriter(socketPath, () => 0)
    writer.append("output", 1, 1)
    writer.close()
    writer.append("output", 2, 2)
    expect(readIndex(socketPath)).toEqual([{ kind: "output", seq: 1, end: 1 }])
  })
})

describe("the files' modes", () => {
  it("are 0600: the record, the index, and the index rewritten", async () => {
    const dir = stateDir()
    const socketPath = await listenAt(Path.join(dir, "holder-1.sock"))
    writeRecord(socketPath, record("proc-1"))
    const writer = indexWriter(socketPath, () => 0, { compactEvery: 2 })
    writer.append("output", 1, 1)
    const [recordPath, indexPath] = recordFiles(socketPath)
    expect(modeOf(recordPath!)).toBe(0o600)
    expect(modeOf(indexPath!)).toBe(0o600)
    writer.append("output", 2, 2)
    expect(readIndex(socketPath)).toHaveLength(2)
    expect(modeOf(indexPath!)).toBe(0o600)
  })
})

describe("a record's owner", () => {
  it("runs while its pid has the start time recorded; a server handing over counts as gone", () => {
    expect(ownerRuns(serverIdentity())).toBe(true)
    expect(serverIdentity()).toMatch(new RegExp(`^${process.pid}:\\d+$`))
    // The same pid started at another time is another process.
    expect(ownerRuns(`${process.pid}:1`)).toBe(false)
    expect(ownerRuns(serverIdentity(), process.pid)).toBe(false)
    // A pid no process has (above the kernel's pid_max) and a malformed owner.
    expect(ownerRuns("4194305:1")).toBe(false)
    expect(ownerRuns("nonsense")).toBe(false)
  })
})
