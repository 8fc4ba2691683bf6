/**
 * Where Codex relies on its own exec-server's command line (codex-rs/exec-server,
 * 0.169), the built binary behaves the same: the URL it bound goes to its
 * stdout as one line. It needs the binary: a server in process has no stdout
 * of its own (the rest of the rules are in codexParity.test.ts, in process).
 */
import { describe, expect, it } from "vitest"
import { useWebSocketServers } from "../support/WebSocketServer.js"

const startServer = useWebSocketServers()

describe("the command line", () => {
  it("prints the WebSocket URL it bound as one stdout line, as the reference does (for `--listen ws://127.0.0.1:0` from a script)", async () => {
    const server = await startServer()
    const stdout = await new Promise<string>((resolve) => {
      let text = ""
      server.child.stdout!.setEncoding("utf8")
      server.child.stdout!.on("data", (chunk: string) => {
        text += chunk
        if (text.includes("\n")) resolve(text)
      })
    })
    expect(stdout).toBe(`${server.url}\n`)
    expect(server.url).toMatch(/^ws:\/\/127\.0\.0\.1:[1-9]\d*$/)
  })
})
