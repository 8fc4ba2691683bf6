// Logs as a server in the test's process does, starts a server on stdio (which logs at INFO), and passes: nothing of it is printed.
import { expect, it } from "vitest"
import { StdioServer } from "../StdioServer.js"

it("passes", async () => {
  console.log("[00:00:00.000] INFO (#1): logged by a test that passes")
  console.error("logged on stderr by a test that passes")
  const server = new StdioServer()
  expect(await server.close()).toEqual({ code: 0, signal: null })
  expect(server.stderr).toContain("connection closed")
})
