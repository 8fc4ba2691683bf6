/**
 * Terminals read by the addon's thread (native/terminal.c, terminalReader.ts)
 * instead of node-pty's stream: every byte in order, flow control that
 * holds, and no thread left behind when a terminal's scope closes while it
 * is still writing. The no-native project runs the same tests on node-pty's
 * own reading.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { createHash, randomBytes } from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import type { ChildEvent, ChildProcess, SpawnRequest } from "../../src/process/ChildProcess.js"
import * as NodePtySpawner from "../../src/process/NodePtySpawner.js"
import { nativeAddon, nativeUse, type TerminalWatch } from "../../src/native/addon.js"
import { useTempDirs } from "../support/tempDirs.js"

const tempDir = useTempDirs("terminal-reader-")

const request = (argv: ReadonlyArray<string>): SpawnRequest => ({
  tty: true,
  argv,
  cwd: process.cwd(),
  env: { PATH: process.env.PATH ?? "/usr/bin:/bin", TERM: "dumb" },
  pipeStdin: false,
  size: { rows: 24, cols: 80 }
})

/** The addon's reading threads in this process, by their name. */
const readingThreads = (): number =>
  Fs.readdirSync("/proc/self/task").filter((task) => {
    try {
      return Fs.readFileSync(`/proc/self/task/${task}/comm`, "utf8").trim() === "terminal-read"
    } catch {
      return false // the thread ended meanwhile
    }
  }).length

/** Listens to a child at once: its output so far, and `closed`, its exit code once it has closed. */
const follow = (child: ChildProcess) => {
  const chunks: Array<Buffer> = []
  let bytes = 0
  let exitCode: number | undefined
  const closed = new Promise<number>((resolve) => {
    child.listen((event: ChildEvent) => {
      if (event._tag === "Output") {
        chunks.push(Buffer.from(event.bytes))
        bytes += event.bytes.byteLength
      } else if (event._tag === "Exited") exitCode = event.exitCode
      else resolve(exitCode!)
    })
  })
  return { closed: Effect.promise(() => closed), output: () => Buffer.concat(chunks), bytes: () => bytes }
}

/** Whether `pid` sleeps in the kernel waiting to write to its full terminal. */
const blockedOnTerminal = (pid: number): boolean => {
  try {
    const state = Fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[0]
    return state === "S" && Fs.readFileSync(`/proc/${pid}/wchan`, "utf8") === "wait_woken"
  } catch {
    return false
  }
}

describe("a terminal's output", () => {
  it.live("in raw mode, 4 MiB of random bytes arrive unchanged and in order, and the exit after them", () =>
    Effect.scoped(Effect.gen(function*() {
      const data = randomBytes(4 * 1024 * 1024)
      const file = Path.join(tempDir(), "random.bin")
      Fs.writeFileSync(file, data)
      const child = yield* NodePtySpawner.make().spawn(request(["sh", "-c", `stty raw -echo && exec cat ${file}`]))
      const run = follow(child)
      expect(yield* run.closed).toBe(0)
      const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")
      expect(run.bytes()).toBe(data.length)
      expect(sha256(run.output())).toBe(sha256(data))
    })), 30_000)

  it.live("while paused nothing is handed over and the child blocks; resumed, every byte follows", () =>
    Effect.scoped(Effect.gen(function*() {
      const total = 1024 * 1024
      const child = yield* NodePtySpawner.make().spawn(
        request(["sh", "-c", `stty raw -echo && exec head -c ${total} /dev/zero`])
      )
      // In the same turn as the spawn: nothing can have been handed over yet.
      child.setPaused(true)
      const run = follow(child)
      let blocked = false
      for (let check = 0; check < 1000 && !blocked; check++) {
        yield* Effect.sleep("10 millis")
        blocked = blockedOnTerminal(child.pid)
      }
      expect(blocked, "the child blocked on its full terminal").toBe(true)
      expect(run.bytes()).toBe(0)
      child.setPaused(false)
      expect(yield* run.closed).toBe(0)
      expect(run.bytes()).toBe(total)
    })), 30_000)

  it.live("16 terminals closed while they write: each one's thread is gone when its scope has closed", () =>
    Effect.gen(function*() {
      const before = readingThreads()
      const spawner = NodePtySpawner.make()
      const scopes = yield* Effect.forEach(Array.from({ length: 16 }), () => Scope.make())
      const runs = yield* Effect.forEach(scopes, (scope) =>
        Effect.map(Scope.provide(spawner.spawn(request(["yes", "terminal"])), scope), follow))
      // Each has handed over output: its reading is under way.
      for (let check = 0; check < 1000 && runs.some((run) => run.bytes() === 0); check++) {
        yield* Effect.sleep("10 millis")
      }
      expect(runs.every((run) => run.bytes() > 0)).toBe(true)
      if (nativeUse().terminal === "addon") expect(readingThreads()).toBe(before + 16)
      for (const scope of scopes) yield* Scope.close(scope, Exit.void)
      // The thread is stopped and joined within the close: no waiting.
      expect(readingThreads()).toBe(before)
    }), 30_000)
})

describe.runIf(nativeAddon()?.watchTerminal !== undefined)("the addon's terminal watch", () => {
  it("refuses arguments of the wrong kind, and a descriptor it cannot duplicate", () => {
    const addon = nativeAddon()!
    expect(() => addon.watchTerminal!(-1, Buffer.alloc(16), () => {})).toThrow(TypeError)
    expect(() => addon.watchTerminal!(0, "buffer" as unknown as Buffer, () => {})).toThrow(TypeError)
    expect(() => addon.watchTerminal!(0, Buffer.alloc(16), "callback" as unknown as () => void)).toThrow(TypeError)
    expect(() => addon.watchTerminal!(0, Buffer.alloc(0), () => {})).toThrow(TypeError)
    expect(() => addon.pauseTerminal!({} as TerminalWatch)).toThrow(TypeError)
    expect(() => addon.closeTerminal!(undefined as unknown as TerminalWatch)).toThrow(TypeError)
    // A descriptor number nothing has open.
    let error: unknown
    try {
      addon.watchTerminal!(1_000_000, Buffer.alloc(16), () => {})
    } catch (thrown) {
      error = thrown
    }
    expect(error).toMatchObject({ code: "EBADF" })
  })
})
