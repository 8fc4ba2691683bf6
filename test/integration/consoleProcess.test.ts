/**
 * The web console's command line, on the binary: `exec-server console-url`
 * (the client that reads the operator's key and prints a link), and the
 * flags and key directory that stop a server from starting (exit 2). The
 * console's server side is console.test.ts's, on servers in process.
 */
import { spawnSync } from "node:child_process"
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { login, originOf } from "../support/consoleLogin.js"
import { runToExit, serverArgs } from "../support/StdioServer.js"
import { httpRequest, useWebSocketServers } from "../support/WebSocketServer.js"

const start = useWebSocketServers()
const dir = mkdtempSync(Path.join(tmpdir(), "exec-server-console-process-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("web console: exec-server console-url", () => {
  it("prints a one-time link with exec-server console-url", async () => {
    const tokenFile = Path.join(dir, "url-token")
    writeFileSync(tokenFile, "url-test-token\n")
    const server = await start(["--console", "--ws-token-file", tokenFile])
    const run = (...args: Array<string>) => spawnSync(process.execPath, serverArgs("console-url", ...args), { encoding: "utf8" })
    const printed = run(server.url, "--token-file", tokenFile)
    expect(printed.status).toBe(0)
    const link = printed.stdout.trim()
    expect(link).toMatch(new RegExp(`^${originOf(server.url)}/console/#[A-Za-z0-9_-]{43}$`))
    expect(printed.stderr).toMatch(/one use, within 5 minutes/)
    const secret = link.split("#")[1]!
    expect((await login(server.url, secret)).status).toBe(200)
    expect((await login(server.url, secret)).status).toBe(403)
    // Without the token the server does not hand out links; stdio has no listener to serve a page.
    expect(run(server.url).status).toBe(1)
    const stdio = run("stdio")
    expect(stdio.status).toBe(1)
    expect(stdio.stderr).toMatch(/the console is on a WebSocket listener/)
  })

  it("says a server started without --console has no web console", async () => {
    const server = await start([])
    // The server's side of it (no page, no console methods) is console.test.ts's.
    expect((await httpRequest(server.url, "/console/")).status).toBe(426)
    const refused = spawnSync(process.execPath, serverArgs("console-url", server.url), { encoding: "utf8" })
    expect(refused.status).toBe(1)
    expect(refused.stderr).toMatch(/has no web console: start it with --console/)
  })

  it("writes the key to --console-key-file, which console-url reads; the flag needs --console", async () => {
    const keyFile = Path.join(dir, "named-console.key")
    const server = await start(["--console", "--console-key-file", keyFile])
    expect(statSync(keyFile).mode & 0o777).toBe(0o600)
    const printed = spawnSync(process.execPath, serverArgs("console-url", server.url, "--console-key-file", keyFile), { encoding: "utf8" })
    expect(printed.status, printed.stderr).toBe(0)
    expect((await login(server.url, printed.stdout.trim().split("#")[1]!)).status).toBe(200)
    // Without the key (no default file where this server wrote none) console-url says why.
    const nowhere = mkdtempSync(Path.join(tmpdir(), "console-key-nowhere-"))
    const withoutKey = spawnSync(process.execPath, serverArgs("console-url", server.url), {
      encoding: "utf8",
      env: { ...process.env, XDG_RUNTIME_DIR: nowhere }
    })
    rmSync(nowhere, { recursive: true, force: true })
    expect(withoutKey.status).toBe(1)
    expect(withoutKey.stderr).toContain("cannot read the console key")
    const alone = runToExit(["--listen", "ws://127.0.0.1:0", "--console-key-file", keyFile])
    expect(alone.status).toBe(2)
    expect(alone.stderr).toContain("--console-key-file needs --console")
  })
})

describe("web console: a server that does not start", () => {
  it("refuses --console without a WebSocket listener (exit 2)", async () => {
    const result = runToExit(["--console"])
    expect(result.status).toBe(2)
    expect(result.stderr).toMatch(/--console needs a WebSocket listener/)
  })

  it("does not start when the console key's directory is another user's or open to others", async () => {
    const home = mkdtempSync(Path.join(tmpdir(), "console-key-home-"))
    try {
      const keys = Path.join(home, ".exec-server")
      mkdirSync(keys, { mode: 0o755 })
      chmodSync(keys, 0o755)
      const open = runToExit(["--listen", "ws://127.0.0.1:0", "--console"], { HOME: home, XDG_RUNTIME_DIR: "" })
      expect(open.status).toBe(2)
      expect(open.stderr).toContain("the console key's directory is open to other users (mode 755)")
    } finally {
      rmSync(home, { recursive: true, force: true })
    }
  })
})
