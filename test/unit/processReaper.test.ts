/**
 * The reaper's helper script on its own, run by /bin/sh as the server runs it:
 * what it kills when its input ends, and that it keeps up with thousands of
 * groups released in any order.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { afterEach, describe, expect, it } from "vitest"
import { REAPER_SCRIPT } from "../../src/process/ProcessReaper.js"
import { eventually, isAlive } from "../support/StdioServer.js"

const started: Array<ChildProcess> = []
afterEach(() => {
  for (const child of started.splice(0)) {
    try {
      process.kill(-child.pid!, "SIGKILL")
    } catch {
      // Already gone.
    }
  }
})

/** A process group of its own (its leader's pid is the group id); `ignoreTerm` makes it survive SIGTERM. */
const group = (ignoreTerm: boolean): number => {
  const child = spawn("/bin/sh", ["-c", `${ignoreTerm ? "trap '' TERM; " : ""}sleep 60`], { detached: true, stdio: "ignore" })
  started.push(child)
  return child.pid!
}

const helper = () => {
  const child = spawn("/bin/sh", ["-c", REAPER_SCRIPT], { detached: true, stdio: ["pipe", "ignore", "ignore"], env: { PATH: process.env.PATH } })
  started.push(child)
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve))
  return { child, exited }
}

/** Ids no process group can have: above Linux's largest pid (2^22). */
const impossibleGroup = (i: number) => 5_000_000 + i

describe("the reaper's helper", () => {
  it("at end of input kills the groups still registered (SIGKILL for those that ignore SIGTERM), spares released ones, survives malformed lines", async () => {
    const polite = group(false)
    const stubborn = group(true)
    const released = group(false)
    const { child, exited } = helper()
    child.stdin!.write(`+${polite}\n+${stubborn}\n+${released}\n`)
    child.stdin!.write(["+12x", "-", "+", "-1 2", "+3;kill", "-4`x`", "+5 -$$", "d", "u"].join("\n") + "\n")
    child.stdin!.end(`-${released}\n`)
    expect(await exited).toBe(0)
    expect(isAlive(polite)).toBe(false)
    expect(isAlive(stubborn)).toBe(false)
    expect(isAlive(released)).toBe(true)
  })

  it("keeps up with thousands of groups released newest first: a group registered after them dies within 2 s of the end of input", async () => {
    const count = 3000
    const lines: Array<string> = []
    for (let i = 0; i < count; i++) lines.push(`+${impossibleGroup(i)}`)
    for (let i = count - 1; i >= 0; i--) lines.push(`-${impossibleGroup(i)}`)
    const last = group(true)
    lines.push(`+${last}`)
    const { child, exited } = helper()
    child.stdin!.end(lines.join("\n") + "\n")
    expect(await eventually(() => !isAlive(last), 2000)).toBe(true)
    expect(await exited).toBe(0)
  })
})
