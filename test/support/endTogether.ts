/**
 * What endTogether.test.ts (in process) and endTogetherSignals.test.ts (the
 * binary) share: the grace period and its margin, how many stubborn
 * children a test starts, and starting them over a WebSocket session.
 */
import { pidsIn, STUBBORN_WITH_CHILD } from "./stubbornChildren.js"
import { RawWebSocketClient } from "./WebSocketClient.js"
import { pipeProcess, ptyProcess } from "./WireClient.js"

export const GRACE_MS = 3000
/**
 * Beyond the grace period: SIGKILL, reaping 40 processes, Node's exit (up to
 * 1.3 s on a loaded 2-core machine). Less than a grace period, so two in a row fail.
 */
export const MARGIN_MS = 2500
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
