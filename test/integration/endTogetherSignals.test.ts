/**
 * The signals that end the server's process end every session's processes
 * at once: children that ignore SIGTERM, pipes and PTYs, in detached
 * sessions, are all gone one grace period (plus a margin smaller than a
 * second grace period) after SIGTERM or SIGINT. Signals reach only the
 * binary's own process (endTogether.test.ts has the other ends, in process).
 */
import { describe, expect, it } from "vitest"
import { eventually, isAlive, pipeProcess, ptyProcess } from "../support/StdioServer.js"
import { RawWebSocketClient, useWebSocketServers } from "../support/WebSocketServer.js"

const startWebSocketServer = useWebSocketServers()

/** Ignores SIGTERM, and so does a background child of its own. */
const STUBBORN = "trap '' TERM; (trap '' TERM; while :; do sleep 0.1; done) & echo pid:$$:$!; while :; do sleep 0.1; done"
const GRACE_MS = 3000
/**
 * Beyond the grace period: SIGKILL, reaping 40 processes, Node's exit (up to
 * 1.3 s on a loaded 2-core machine). Less than a grace period, so two in a row fail.
 */
const MARGIN_MS = 2500
/** Processes per test, half of them PTYs. */
const COUNT = 20

const pidsIn = (text: string): Array<number> => {
  const match = /pid:(\d+):(\d+)/.exec(text)
  if (match === null) throw new Error(`no pids in ${JSON.stringify(text)}`)
  return [Number(match[1]), Number(match[2])]
}

const params = (index: number) =>
  (index % 2 === 0 ? pipeProcess : ptyProcess)(`p${index}`, ["sh", "-c", STUBBORN])

/** Starts `count` stubborn processes over a WebSocket client and returns every pid they and their children have. */
const startOnWebSocket = async (client: RawWebSocketClient, count: number): Promise<Array<number>> => {
  await Promise.all(Array.from({ length: count }, (_, index) => client.request("process/start", params(index))))
  const pids: Array<number> = []
  for (let index = 0; index < count; index++) {
    await client.outputContains(`p${index}`, "\n")
    pids.push(...pidsIn(client.outputOf(`p${index}`)))
  }
  return pids
}

/** Waits until every pid is gone; how long that took from `start`, or -1 when some outlived `limitMs`. */
const allGoneAfter = async (pids: ReadonlyArray<number>, start: number, limitMs: number): Promise<number> =>
  (await eventually(() => pids.every((pid) => !isAlive(pid)), limitMs - (Date.now() - start), 10)) ? Date.now() - start : -1

const detachedClient = async (url: string, detachTtlMs: number) => {
  const client = await RawWebSocketClient.connect(url)
  await client.request("initialize", { clientName: "end-together", detachTtlMs })
  client.send({ method: "initialized", params: {} })
  return client
}

describe(`${COUNT} children that ignore SIGTERM, over several sessions, end together`, () => {
  it.each(["SIGTERM", "SIGINT"] as const)("when the server gets %s, with detached sessions", async (signal) => {
    const server = await startWebSocketServer(["--grace-ms", String(GRACE_MS)])
    const pids: Array<number> = []
    for (let session = 0; session < 4; session++) {
      const client = await detachedClient(server.url, 300_000)
      pids.push(...await startOnWebSocket(client, COUNT / 4))
      // Dropped: the session lives on, detached.
      client.socket.terminate()
    }
    const start = Date.now()
    server.child.kill(signal)
    expect(await server.exited).toBe(0)
    expect(Date.now() - start).toBeLessThan(GRACE_MS + MARGIN_MS)
    expect(await allGoneAfter(pids, start, GRACE_MS + MARGIN_MS)).toBeGreaterThan(0)
  })
})
