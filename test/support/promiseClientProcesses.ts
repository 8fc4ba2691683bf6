/** The processes the Promise API's tests start and watch end (promiseClient.test.ts, clientProcess.test.ts). */
import { expect } from "vitest"
import type * as PromiseClient from "../../src/client/PromiseClient.js"
import { eventually, isAlive } from "./waiting.js"

/** Prints its pid, then sleeps as that process (`exec`), so that the pid is the process the server ends. */
export const PRINT_PID_AND_SLEEP = ["sh", "-c", "echo $$; exec sleep 30"]

/** Reads a started process's events until the first line of output: the pid that `echo $$` printed. */
export const readPid = async (proc: PromiseClient.Process): Promise<number> => {
  let output = ""
  for await (const event of proc.events()) {
    if (event._tag === "Output") output += Buffer.from(event.bytes).toString()
    if (output.includes("\n")) break
  }
  const pid = Number(output.trim())
  expect(pid).toBeGreaterThan(1)
  return pid
}

/** Waits until the process is gone; a process outliving the deadline fails the test. */
export const expectGone = async (pid: number, timeoutMs = 10_000): Promise<void> => {
  if (!await eventually(() => !isAlive(pid), timeoutMs)) throw new Error(`process ${pid} still runs after ${timeoutMs} ms`)
}
