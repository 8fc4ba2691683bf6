/**
 * docs/OPERATIONS.md's "Behind TLS (nginx)" as printed: its three blocks
 * run in a directory of their own, as in nginx's configuration directory
 * (the certificate and token made with openssl, the server on
 * ws://127.0.0.1:8765, nginx's `server` block inside a minimal nginx.conf
 * listening on 8443), then the command-line client through wss:// trusting
 * the certificate, and the README's command; the Promise client through the
 * same proxy; and what the proxy does not let through: a client that does
 * not trust the certificate, or has no token. Needs Debian's nginx on PATH
 * (.ci/run installs it, as it does tmux): without it the test fails, saying so. Ports 8443 and 8765 are the documents' own.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { blockWith } from "../support/docBlocks.js"

const ROOT = Path.resolve(import.meta.dirname, "../..")
const OPERATIONS = "docs/OPERATIONS.md"

/** The blocks, verbatim. */
const setUp = blockWith(OPERATIONS, "sh", "openssl req -x509")
const site = blockWith(OPERATIONS, "nginx", "proxy_pass http://127.0.0.1:8765;")
const client = blockWith(OPERATIONS, "sh", "NODE_EXTRA_CA_CERTS=exec-server.pem")

/** What Debian's nginx.conf has around a site: here only what running it from a directory of its own needs. */
const nginxConf = (dir: string) => `daemon on;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events {
    worker_connections 64;
}
http {
    access_log off;
    client_body_temp_path ${dir}/temp/body;
    proxy_temp_path ${dir}/temp/proxy;
    fastcgi_temp_path ${dir}/temp/fastcgi;
    uwsgi_temp_path ${dir}/temp/uwsgi;
    scgi_temp_path ${dir}/temp/scgi;
    include exec-server;
}
`

/** This test's Node and the repository's binary first on PATH, as `exec-server` for the blocks. */
const env = (): NodeJS.ProcessEnv => ({
  ...process.env,
  PATH: [Path.join(ROOT, "dist", "cli"), Path.dirname(process.execPath), process.env["PATH"]].join(Path.delimiter)
})

describe("behind TLS: docs/OPERATIONS.md's nginx in front of the server", () => {
  let dir: string
  let server: ChildProcess | undefined
  let nginxStarted = false
  let serverStderr = ""

  beforeAll(async () => {
    dir = Fs.realpathSync(Fs.mkdtempSync(Path.join(Os.tmpdir(), "exec-server-tls-")))
    // The first block: the certificate, the token, then the server, which stays (its own process group, to end with it).
    server = spawn("sh", ["-c", setUp.text], { cwd: dir, env: env(), stdio: ["ignore", "pipe", "pipe"], detached: true })
    server.stderr!.setEncoding("utf8")
    await new Promise<void>((resolve, reject) => {
      server!.stderr!.on("data", (text: string) => {
        serverStderr += text
        if (serverStderr.includes("listening on ws://127.0.0.1:8765")) resolve()
      })
      server!.once("exit", (code) => reject(new Error(`the set-up block exited (${code}) before the server listened:\n${serverStderr}`)))
    })
    // The site, inside a minimal nginx.conf; with `daemon on`, nginx returns once it listens.
    Fs.writeFileSync(Path.join(dir, "exec-server"), site.text)
    Fs.writeFileSync(Path.join(dir, "nginx.conf"), nginxConf(dir))
    Fs.mkdirSync(Path.join(dir, "temp"))
    const nginx = spawnSync("nginx", ["-c", Path.join(dir, "nginx.conf")], { cwd: dir, encoding: "utf8" })
    if (nginx.error !== undefined) throw new Error(`nginx: ${nginx.error.message} (Debian: apt-get install nginx)`)
    const errorLog = () => Fs.existsSync(Path.join(dir, "error.log")) ? Fs.readFileSync(Path.join(dir, "error.log"), "utf8") : ""
    if (nginx.status !== 0) throw new Error(`nginx did not start (${nginx.status}): ${nginx.stderr}\n${errorLog()}`)
    nginxStarted = true
  }, 30_000)

  afterAll(() => {
    if (nginxStarted) execFileSync("nginx", ["-c", Path.join(dir, "nginx.conf"), "-s", "stop"], { stdio: "ignore" })
    if (server?.pid !== undefined && server.exitCode === null) process.kill(-server.pid, "SIGTERM")
    if (dir !== undefined) Fs.rmSync(dir, { recursive: true, force: true })
  })

  /** A shell command in the blocks' directory. */
  const sh = (command: string) => spawnSync("sh", ["-c", command], { cwd: dir, env: env(), encoding: "utf8", timeout: 20_000 })

  it("the command-line client runs a command through wss://, trusting the certificate: the block prints Linux", () => {
    const run = sh(client.text)
    expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({ status: 0, stdout: "Linux\n", stderr: "" })
  })

  it("the README's command is the same", () => {
    expect(blockWith("README.md", "sh", "wss://localhost:8443").text).toBe(client.text)
  })

  it("the Promise client connects through the same proxy", () => {
    const program = `import { PromiseClient } from ${JSON.stringify(Path.join(ROOT, "dist", "client", "index.js"))}
await using client = await PromiseClient.connect("wss://localhost:8443", { tokenFile: "exec-server.token" })
const { exitCode, stdout } = await client.exec(["sh", "-c", "echo over TLS"], { encoding: "utf8" })
console.log(exitCode, stdout.trim())
`
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", program], {
      cwd: dir,
      env: { ...env(), NODE_EXTRA_CA_CERTS: "exec-server.pem" },
      encoding: "utf8",
      timeout: 20_000
    })
    expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({ status: 0, stdout: "0 over TLS\n", stderr: "" })
  })

  it("refuses what TLS and the token are for: a client that does not trust the certificate, one without the token", () => {
    const untrusting = sh("exec-server exec wss://localhost:8443 --token-file exec-server.token -- uname -s")
    expect(untrusting.status).toBe(1)
    expect(untrusting.stderr).toMatch(/certificate/i)
    const tokenless = sh("NODE_EXTRA_CA_CERTS=exec-server.pem exec-server exec wss://localhost:8443 -- uname -s")
    expect(tokenless.status).toBe(1)
    expect(tokenless.stderr).toMatch(/401|credentials|token/i)
  })
})
