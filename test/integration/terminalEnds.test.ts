/**
 * A terminal's last output arrives however late the server's event loop is
 * once its child has exited (issue 81). node-pty destroys its master stream
 * 200 ms after the exit, read or not; where our addon does not read the
 * terminal (the no-native project runs this file too), a loop starved of
 * CPU had not read the last few KB by then, and one terminal in thirty lost
 * its end under the soak's load. Here the test starves the loop itself (it
 * shares it with the server in process): each turn of the loop is 100 ms
 * of other work, so each terminal is read 4 KB a turn, and the end of what
 * a child wrote as it exited takes several turns.
 */
import { describe, expect, it } from "vitest"
import { useInProcessServers } from "../support/InProcessServer.js"
import { ptyProcess } from "../support/WireClient.js"

const startServer = useInProcessServers()

/** Lines each terminal prints (about 49 KB): many more than the terminal holds when its child exits. */
const LINES = 10_000
const TERMINALS = 8

describe("a terminal's end, on a starved event loop", () => {
  it(`${TERMINALS} terminals of ${LINES} lines each end whole while each turn of the loop is 100 ms`, async () => {
    const server = await startServer()
    const expected = Array.from({ length: LINES }, (_, index) => `${index + 1}\r\n`).join("")
    const ids = Array.from({ length: TERMINALS }, (_, index) => `t${index}`)
    for (const id of ids) {
      const started = await server.request("process/start", ptyProcess(id, ["seq", String(LINES)]))
      expect(started.error, id).toBeUndefined()
    }
    const starve = setInterval(() => {
      const until = Date.now() + 100
      while (Date.now() < until) {
        // The server's loop, starved as a loaded machine starves it.
      }
    }, 1)
    try {
      await Promise.all(ids.map((id) => server.closed(id, 120_000)))
    } finally {
      clearInterval(starve)
    }
    const short = ids
      .map((id) => ({ id, output: server.outputOf(id).toString("latin1") }))
      .filter(({ output }) => output !== expected)
      .map(({ id, output }) => `${id}: ${output.length} of ${expected.length} bytes, ending ${JSON.stringify(output.slice(-20))}`)
    expect(short).toEqual([])
  }, 180_000)
})
