/**
 * The server on another supported Node than the suite's (CI: Node 22 and
 * Node 26, the lines beside the project's Node 24, which runs the suite).
 * Given that Node's binary in EXEC_SERVER_SMOKE_NODE (`.ci/run` installs
 * each from the npm registry outside the project), the binary, as a user's
 * PATH finds that Node: builds its startup snapshots for it and starts from
 * them, answers over stdio, listens on a WebSocket with the native addon
 * loaded, runs a pipe and a terminal process, serves the web console's
 * page, and its command-line client runs a command; and an application's
 * test (app/embeddedLayers.check.ts) runs under vitest on that Node: the
 * server from the Layers in its process, the client library's Effect and
 * Promise APIs running a pipe process and a terminal. Only the `other-node`
 * project runs it (vitest.config.ts), which exists when the variable is
 * set. Afterwards the snapshot is built again for the suite's Node.
 */
import { execFileSync, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { codeCacheOffset } from "../../native/blobCodeCache.mjs"
import * as PromiseClient from "../../src/client/PromiseClient.js"
import { httpRequest, startWebSocketServer } from "../support/WebSocketServer.js"

const ROOT = Path.resolve(import.meta.dirname, "../..")
const LAUNCHER = Path.join(ROOT, "dist/cli/exec-server")
const STAMP = Path.join(ROOT, "dist/cli/exec-server.blob.stamp")
const CLIENT_STAMP = Path.join(ROOT, "dist/cli/exec-server-client.blob.stamp")
/** The application's test the last case runs on that Node. */
const APP = Path.join(ROOT, "test/smoke/app")
const NODE = process.env["EXEC_SERVER_SMOKE_NODE"]
const version = NODE === undefined ? "" : execFileSync(NODE, ["-p", "process.versions.node"], { encoding: "utf8" }).trim()
/** A PATH on which `node` is that Node. */
const env = { ...process.env, PATH: `${Path.dirname(NODE ?? "/")}:/usr/bin:/bin` }
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString()

describe(`on Node ${version} (EXEC_SERVER_SMOKE_NODE)`, () => {
  afterAll(() => {
    // The suite's Node gets its snapshot back.
    execFileSync(process.execPath, [Path.join(ROOT, "native/startup-snapshot.mjs")], { stdio: "inherit" })
  })

  it("builds the startup snapshot for it and starts from it over stdio", () => {
    execFileSync(NODE!, [Path.join(ROOT, "native/startup-snapshot.mjs")], { env, stdio: "inherit" })
    expect(Fs.readFileSync(STAMP, "utf8")).toContain(` ${Path.join(ROOT, "dist/cli")} `)
    const run = spawnSync(LAUNCHER, ["--listen", "stdio://", "--log-level", "debug"], {
      env,
      encoding: "utf8",
      input: `{"id":1,"method":"initialize","params":{"clientName":"smoke"}}\n`
    })
    expect(run.status, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout.split("\n")[0]!).result.serverInfo.name).toBe("effect-exec-server")
    expect(run.stderr).toMatch(/startup=snapshot/)
    // Node 22.23 crashes (SIGTRAP) on a blob built without Node's code cache of its built-in modules: there
    // each blob is built with the cache, which is then dropped from the file (9.7 → 6.3 MB, 8.2 → 4.8).
    if (Number(version.split(".")[0]) < 24) {
      for (const name of ["exec-server.blob", "exec-server-client.blob"]) {
        const blob = Fs.readFileSync(Path.join(ROOT, "dist/cli", name))
        expect([name, blob.length < 7 * 1024 * 1024, codeCacheOffset(blob), blob.subarray(-8)]).toEqual([name, true, -1, Buffer.alloc(8)])
      }
    }
  })

  it("listens on a WebSocket, runs a pipe process and a terminal, serves the console's page", async () => {
    const server = await startWebSocketServer(["--console"], { launcher: LAUNCHER, env: { PATH: env.PATH } })
    try {
      await using client = await PromiseClient.connect(server.url, { clientName: "smoke" })
      const pipe = await client.exec(["sh", "-c", "echo pipe; exit 3"], { env: { PATH: "/usr/bin:/bin" } })
      expect([text(pipe.stdout), pipe.exitCode]).toEqual(["pipe\n", 3])
      await using terminal = await client.start({ argv: ["sh", "-c", "test -t 1 && echo terminal"], tty: true, env: { PATH: "/usr/bin:/bin" } })
      let output = ""
      for await (const event of terminal.events()) if (event._tag === "Output") output += text(event.bytes)
      expect(output.replace(/\r/g, "")).toBe("terminal\n")
      expect((await terminal.exited).exitCode).toBe(0)
      const page = await httpRequest(server.url, "/console/")
      expect([page.status, page.headers["content-type"]]).toEqual([200, "text/html; charset=utf-8"])
      // Both native modules loaded on it: the addon (which started and read the pipe child, and read the terminal) and node-pty.
      expect(server.stderr()).toMatch(/addon=loaded spawn=posix_spawn output=addon terminal=addon /)
    } finally {
      server.stop()
    }
  })

  // Node 22.23 built the client's blob (without the code cache) and crashed
  // (SIGTRAP, status 133) at its first connection: the build now checks that.
  it("the command-line client starts from its own snapshot and runs a command", async () => {
    expect(Fs.readFileSync(CLIENT_STAMP, "utf8")).toContain(` ${Path.join(ROOT, "dist/cli")} `)
    const server = await startWebSocketServer([], { launcher: LAUNCHER, env: { PATH: env.PATH } })
    try {
      const run = spawnSync(LAUNCHER, ["exec", server.url, "--", "sh", "-c", "echo client; exit 5"], { env, encoding: "utf8" })
      expect({ status: run.status, signal: run.signal, stdout: run.stdout }, run.stderr).toEqual({ status: 5, signal: null, stdout: "client\n" })
    } finally {
      server.stop()
    }
  })

  it("runs an application's test of its own under vitest: the Layers' server and both client APIs", () => {
    // The child's own vitest: none of this run's variables (its pool, its worker).
    const childEnv = Object.fromEntries(Object.entries(env).filter(([name]) => !/^(VITEST|TEST$|NODE_OPTIONS$)/.test(name)))
    const run = spawnSync(
      NODE!,
      [Path.join(ROOT, "node_modules/vitest/vitest.mjs"), "run", "--root", APP, "--config", Path.join(APP, "vitest.config.ts")],
      { cwd: ROOT, env: { ...childEnv, NO_COLOR: "1", SMOKE_NODE_VERSION: version }, encoding: "utf8", timeout: 120_000 }
    )
    expect({ status: run.status, signal: run.signal }, `${run.stdout}\n${run.stderr}`).toEqual({ status: 0, signal: null })
    expect(run.stdout).toMatch(/Tests +1 passed \(1\)/)
  }, 150_000)
})
