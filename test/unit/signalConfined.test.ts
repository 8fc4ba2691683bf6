/**
 * A signal for a confined command waits while bubblewrap sets the command
 * up (its launcher alive, the command's pid not known yet), and not once
 * the launcher is gone: what is left of its group then is a sandbox's
 * zombie waiting for an init that reaps late (this VM's pid 1 takes about a
 * second), and waiting for it held every server's stop after a sandboxed
 * process for up to 2 s. On the test clock: a wait would never end.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { spawn } from "node:child_process"
import { signalChild } from "../../src/process/signals.js"
import type { SandboxedLaunch } from "../../src/sandbox/Sandbox.js"

/** A launch whose command never made itself known, as one still being set up. */
const settingUp = { commandPid: () => undefined } as unknown as SandboxedLaunch

/** A process group whose leader has exited and been reaped while another member lives on (a `sleep`). */
const groupWithoutItsLeader = (): Promise<{ readonly pgid: number; readonly member: number }> =>
  new Promise((resolve, reject) => {
    const leader = spawn("sh", ["-c", "sleep 30 & echo $!"], { detached: true, stdio: ["ignore", "pipe", "ignore"] })
    let out = ""
    leader.stdout.on("data", (chunk: Buffer) => (out += chunk))
    leader.once("error", reject)
    // "exit" comes once Node has reaped it: its pid is gone, its group is not.
    leader.once("exit", () => resolve({ pgid: leader.pid!, member: Number(out.trim()) }))
  })

describe("signalChild for a confined command", () => {
  it.effect("does not wait once the launcher is gone, whatever is left of its group", () =>
    Effect.gen(function*() {
      const { member, pgid } = yield* Effect.promise(groupWithoutItsLeader)
      try {
        // The group lives on in its member: what made the old wait go on.
        expect(member).toBeGreaterThan(1)
        expect(() => process.kill(-pgid, 0)).not.toThrow()
        const fiber = yield* Effect.forkChild(signalChild(pgid, settingUp, "SIGTERM"))
        yield* Effect.yieldNow
        // Before: it polled every millisecond (on the test clock: never) for up to 2 s.
        expect(fiber.pollUnsafe()).toBeDefined()
        expect(yield* Fiber.join(fiber)).toBe(false)
      } finally {
        process.kill(-pgid, "SIGKILL")
      }
    }))

  it.effect("waits while the launcher lives and its command is not known yet", () =>
    Effect.gen(function*() {
      const launcher = spawn("sleep", ["30"], { detached: true, stdio: "ignore" })
      try {
        const fiber = yield* Effect.forkChild(signalChild(launcher.pid!, settingUp, "SIGTERM"))
        yield* Effect.yieldNow
        expect(fiber.pollUnsafe()).toBeUndefined()
        yield* Fiber.interrupt(fiber)
      } finally {
        launcher.kill("SIGKILL")
      }
    }))
})
