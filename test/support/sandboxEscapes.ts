/**
 * What sandboxEscapes.test.ts (in process) and sandboxInherited.test.ts
 * (the binary) share: running a command to its end and a shell script's argv.
 */
import { expect } from "vitest"
import { pipeProcess, ptyProcess, type WireClient } from "./WireClient.js"

/** Starts `argv` (a PTY with `tty`), expects it started and waits for it to close: the start's answer and its output. */
export const run = async (server: WireClient, processId: string, argv: ReadonlyArray<string>, extra: Record<string, unknown>, tty = false) => {
  const started = await server.request("process/start", (tty ? ptyProcess : pipeProcess)(processId, argv, extra))
  expect(started.error).toBeUndefined()
  await server.closed(processId)
  return { started: started.result as { sandboxType: string }, output: server.outputOf(processId).toString() }
}

export const sh = (script: string) => ["sh", "-c", script]
