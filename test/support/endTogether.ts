/**
 * What endTogether.test.ts (in process) and endTogetherSignals.test.ts (the
 * binary) share: the grace period and its margin, how many stubborn
 * children a test starts, and starting them over a WebSocket session.
 */
import { expect } from "vitest"
import { pidsIn, STUBBORN_WITH_CHILD } from "./stubbornChildren.js"
import { RawWebSocketClient } from "./WebSocketClient.js"
import { pipeProcess, ptyProcess } from "./WireClient.js"

export const GRACE_MS = 3000
/** Processes per test, half of them PTYs. */
export const COUNT = 20

/** The start of stubborn child `index`: a pipe when even, a PTY when odd. */
export const params = (index: number) =>
  (index % 2 === 0 ? pipeProcess : ptyProcess)(`p${index}`, ["sh", "-c", STUBBORN_WITH_CHILD])

/** Starts `count` stubborn processes over a WebSocket client and returns every pid they and their children have. */
export const startOnWebSocket = async (client: RawWebSocketClient, count: number): Promise<Array<number>> => {
  await Promise.all(Array.from({ length: count }, (_, index) => client.request("process/start", params(index))))
  const pids: Array<number> = []
  for (let index = 0; index < count; index++) {
    await client.outputContains(`p${index}`, "\n")
    pids.push(...pidsIn(client.outputOf(`p${index}`)))
  }
  return pids
}

/** A WebSocket client whose session outlives it by `detachTtlMs`. */
export const detachedClient = async (url: string, detachTtlMs: number) => {
  const client = await RawWebSocketClient.connect(url)
  await client.request("initialize", { clientName: "end-together", detachTtlMs })
  client.send({ method: "initialized", params: {} })
  return client
}

/**
 * Every process was gone, none before `notBeforeMs` (less a poll's slack),
 * and all within one grace period of each other: ended together, never one
 * grace period after another. How late they all went is not bounded: a
 * loaded machine delays every one of them alike.
 */
export const expectTogether = (times: ReadonlyArray<number>, notBeforeMs: number) => {
  expect(times.filter(Number.isNaN).length, `outlived 25 s: ${JSON.stringify(times)}`).toBe(0)
  const first = Math.min(...times)
  const last = Math.max(...times)
  expect(first, `ms after the end, each: ${JSON.stringify(times)}`).toBeGreaterThanOrEqual(notBeforeMs - 300)
  expect(last - first, `ms after the end, each: ${JSON.stringify(times)}`).toBeLessThan(GRACE_MS)
}
