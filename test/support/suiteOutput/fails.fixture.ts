// Logs, starts a server on stdio, then fails: what it logged, and the server's stderr, are printed with its failure.
import { expect, it } from "vitest"
import { StdioServer } from "../StdioServer.js"

it("fails", async () => {
  console.log("[00:00:00.000] INFO (#1): logged by a test that fails")
  const server = new StdioServer()
  await server.close()
  expect(server.stderr.length).toBe(0)
})
