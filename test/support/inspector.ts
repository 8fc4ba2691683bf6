/**
 * A full garbage collection in a server started by a test, through Node's
 * inspector: a memory bound measured after one holds what the server keeps,
 * not how much garbage V8 happened to leave uncollected when it was read.
 */
import { WebSocket } from "ws"

/** The environment that makes a Node server listen for the inspector on a free loopback port. */
export const INSPECTED = { NODE_OPTIONS: "--inspect=127.0.0.1:0" } as const

/** Sends one inspector command to the server whose stderr is `stderr` (started with INSPECTED); resolves with its result. */
const inspect = (stderr: string, method: string, params: Record<string, unknown> = {}): Promise<unknown> => {
  const url = /Debugger listening on (ws:\/\/\S+)/.exec(stderr)?.[1]
  if (url === undefined) return Promise.reject(new Error("the server does not listen for the inspector"))
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url)
    socket.on("open", () => socket.send(JSON.stringify({ id: 1, method, params })))
    socket.on("message", (data) => {
      const answer = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } }
      if (answer.id !== 1) return
      socket.close()
      if (answer.error !== undefined) reject(new Error(`${method}: ${answer.error.message}`))
      else resolve(answer.result)
    })
    socket.on("error", reject)
  })
}

/** Collects the garbage of the server whose stderr is `stderr` (started with INSPECTED). */
export const collectGarbage = (stderr: string): Promise<void> => inspect(stderr, "HeapProfiler.collectGarbage").then(() => undefined)

/**
 * What the server whose stderr is `stderr` (started with INSPECTED) keeps:
 * its heap and array buffers (Buffers) in use after a full collection, as
 * `process.memoryUsage()` counts them. Unlike its resident size, this does
 * not hold the garbage and the free pages V8 and malloc have not given back.
 */
export const keptBytes = async (stderr: string): Promise<number> => {
  await collectGarbage(stderr)
  const evaluated = await inspect(stderr, "Runtime.evaluate", {
    expression: "(({ heapUsed, arrayBuffers }) => heapUsed + arrayBuffers)(process.memoryUsage())",
    returnByValue: true
  }) as { result: { value?: unknown } }
  if (typeof evaluated.result.value !== "number") throw new Error(`process.memoryUsage() gave ${JSON.stringify(evaluated.result)}`)
  return evaluated.result.value
}
