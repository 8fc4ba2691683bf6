/**
 * A full garbage collection in a server started by a test, through Node's
 * inspector: a memory bound measured after one holds what the server keeps,
 * not how much garbage V8 happened to leave uncollected when it was read.
 */
import { WebSocket } from "ws"

/** The environment that makes a Node server listen for the inspector on a free loopback port. */
export const INSPECTED = { NODE_OPTIONS: "--inspect=127.0.0.1:0" } as const

/** Collects the garbage of the server whose stderr is `stderr` (started with INSPECTED). */
export const collectGarbage = (stderr: string): Promise<void> => {
  const url = /Debugger listening on (ws:\/\/\S+)/.exec(stderr)?.[1]
  if (url === undefined) return Promise.reject(new Error("the server does not listen for the inspector"))
  return new Promise<void>((resolve, reject) => {
    const socket = new WebSocket(url)
    socket.on("open", () => socket.send(JSON.stringify({ id: 1, method: "HeapProfiler.collectGarbage" })))
    socket.on("message", (data) => {
      if ((JSON.parse(String(data)) as { id?: number }).id !== 1) return
      socket.close()
      resolve()
    })
    socket.on("error", reject)
  })
}
