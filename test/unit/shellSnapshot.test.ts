/**
 * The shell snapshots' cache and rewriting (src/process/shellSnapshot.ts)
 * with a fake capture: one capture for the starts of a scope at once, a
 * failed one tried again after 1 s and at most 3 times (the reference's
 * rule), the 16 used last kept; the restoring command's argv and
 * environment.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/testing/TestClock"
import { makeSnapshotCache, parseCapture, restoringCommand, type RunCapture } from "../../src/process/shellSnapshot.js"

const BASH = { name: "bash", path: "/bin/bash" }

/** A capture that prints a snapshot (the marker read back from its script), or fails. */
const fakeCapture = (outcome: () => "ok" | "fail", calls: Array<ReadonlyArray<string>>, gate?: Deferred.Deferred<void>): RunCapture => (argv) =>
  Effect.gen(function*() {
    calls.push(argv)
    if (gate !== undefined) yield* Deferred.await(gate)
    if (outcome() === "fail") return yield* Effect.fail("exit 1")
    const marker = /'(EXEC_SERVER_SNAPSHOT_[0-9a-f]+)'/.exec(argv[2]!)![1]!
    return Buffer.from(`noise\0${marker}\0shopt -s extglob\n\0FOO=bar\0PWD=/x\0SHLVL=1\0`)
  })

describe("shell snapshots", () => {
  it.effect("captures once for the starts of a scope at once, and keeps what it took", () =>
    Effect.gen(function*() {
      const cache = makeSnapshotCache()
      const calls: Array<ReadonlyArray<string>> = []
      const gate = yield* Deferred.make<void>()
      const run = fakeCapture(() => "ok", calls, gate)
      const starts = yield* Effect.forEach([1, 2, 3], () => Effect.forkChild(cache.snapshotOf("k", BASH, run)))
      yield* Effect.yieldNow
      yield* Deferred.succeed(gate, undefined)
      const snapshots = yield* Fiber.joinAll(starts)
      expect(calls.length).toBe(1)
      expect(calls[0]!.slice(0, 2)).toEqual(["/bin/bash", "-lc"])
      expect(snapshots.map((snapshot) => snapshot?.env)).toEqual([{ FOO: "bar" }, { FOO: "bar" }, { FOO: "bar" }])
      yield* cache.snapshotOf("k", BASH, run)
      expect(calls.length).toBe(1)
    }))

  it.effect("tries a failed capture again after 1 s, 3 times at most", () =>
    Effect.gen(function*() {
      const cache = makeSnapshotCache()
      const calls: Array<ReadonlyArray<string>> = []
      const run = fakeCapture(() => "fail", calls)
      expect(yield* cache.snapshotOf("k", BASH, run)).toBeUndefined()
      expect(yield* cache.snapshotOf("k", BASH, run)).toBeUndefined()
      expect(calls.length).toBe(1)
      for (const attempts of [2, 3, 3, 3]) {
        yield* TestClock.adjust("1001 millis")
        yield* cache.snapshotOf("k", BASH, run)
        expect(calls.length).toBe(attempts)
      }
    }))

  it.effect("keeps the 16 used last; takes only bash's, zsh's and sh's", () =>
    Effect.gen(function*() {
      const cache = makeSnapshotCache()
      const calls: Array<ReadonlyArray<string>> = []
      const run = fakeCapture(() => "ok", calls)
      for (let scope = 0; scope < 17; scope++) yield* cache.snapshotOf(`s${scope}`, BASH, run)
      expect(cache.size()).toBe(16)
      yield* cache.snapshotOf("s16", BASH, run)
      expect(calls.length).toBe(17)
      yield* cache.snapshotOf("s0", BASH, run)
      expect(calls.length).toBe(18)
      expect(yield* cache.snapshotOf("f", { name: "fish", path: "/usr/bin/fish" }, run)).toBeUndefined()
      expect(calls.length).toBe(18)
      expect(yield* cache.snapshotOf("z", { name: "zsh", path: "/bin/zsh" }, run)).toBeDefined()
      expect(calls.length).toBe(19)
    }))

  it("restores the state from the environment, chunked, before the script; the client's variables win", () => {
    const state = "x".repeat(70 * 1024) + "é"
    const restoring = restoringCommand(["/bin/bash", "-lc", "echo hi", "zero"], { PATH: "/bin", FOO: "env" }, { FOO: "client" }, {
      state,
      env: { FOO: "snapshot", BAR: "snapshot" }
    }, "bash")!
    expect(restoring.argv[0]).toBe("/bin/bash")
    expect(restoring.argv[1]).toBe("-c")
    expect(restoring.argv[2]).toMatch(/^if ! builtin eval "builtin unset __CODEX_SHELL_SNAPSHOT_STATE_0 __CODEX_SHELL_SNAPSHOT_STATE_1\n/)
    expect(restoring.argv[2]!.endsWith("\necho hi")).toBe(true)
    expect(restoring.argv[3]).toBe("zero")
    expect(restoring.env.FOO).toBe("client")
    expect(restoring.env.BAR).toBe("snapshot")
    expect(restoring.env.__CODEX_SHELL_SNAPSHOT_STATE_0! + restoring.env.__CODEX_SHELL_SNAPSHOT_STATE_1!).toBe(state)
    expect(parseCapture(Buffer.from("no marker"), "M")).toBe("the capture printed no snapshot")
  })

  it("runs the command as asked where bash would define a function named `builtin` from the environment", () => {
    const snapshot = { state: "builtin shopt -s extglob\n", env: {} }
    for (const name of ["BASH_FUNC_builtin%%", "BASH_FUNC_builtin()"]) {
      const exported = { [name]: "() { :; }" }
      expect(restoringCommand(["/bin/bash", "-lc", "true"], exported, {}, snapshot, "bash")).toBeUndefined()
      expect(restoringCommand(["/bin/bash", "-lc", "true"], {}, exported, snapshot, "bash")).toBeUndefined()
      expect(restoringCommand(["/bin/bash", "-lc", "true"], {}, {}, { ...snapshot, env: exported }, "bash")).toBeUndefined()
      // zsh imports no function from its environment.
      expect(restoringCommand(["/usr/bin/zsh", "-lc", "true"], exported, {}, snapshot, "zsh")?.argv[1]).toBe("-fc")
    }
    expect(restoringCommand(["/bin/bash", "-lc", "true"], { "BASH_FUNC_set%%": "() { :; }" }, {}, snapshot, "bash")?.argv[1]).toBe("-c")
  })
})
