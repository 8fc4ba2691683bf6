/**
 * `exec-server exec` with a sandbox of its own (`--sandbox`,
 * `--sandbox-write`, `--sandbox-read-only`, `--sandbox-deny`,
 * `--sandbox-network off|on|proxy`): one command confined by real
 * bubblewrap, on a server that confines nothing else (a stdio server the
 * client starts). The network is checked against a loopback HTTP server of
 * this process's, directly and through the managed proxy.
 */
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { fileURLToPath } from "node:url"
import { useHelloServer } from "../support/helloServer.js"
import { SERVER_BIN } from "../support/StdioServer.js"
import { useTempDirs } from "../support/tempDirs.js"
import { runPiped } from "../support/userShell.js"

const tempDir = useTempDirs("cli-sandbox-")

const helloPort = useHelloServer()

/** Runs `exec-server exec FLAGS stdio -- sh -c SCRIPT` with no terminal (the HTTP server the command reaches is in this process). */
const exec = (flags: ReadonlyArray<string>, script: string) => runPiped([SERVER_BIN, "exec", ...flags, "stdio", "--", "sh", "-c", script])

/** A shell line that writes `path` and says whether it could. */
const tryWrite = (path: string) => `if { echo x > ${path}; } 2>/dev/null; then echo "wrote ${Path.basename(path)}"; else echo "refused ${Path.basename(path)}"; fi`

/** A shell line that fetches from the loopback server, directly or through `$HTTP_PROXY`, and prints the status (000: no connection). */
const fetchLine = (label: string, url: string, viaProxy: boolean) =>
  `echo "${label} $(curl -s -o /dev/null --max-time 10 -w '%{http_code}' ${viaProxy ? `-x "$HTTP_PROXY"` : "--noproxy '*'"} ${url})"`

describe("exec-server exec's sandbox", () => {
  it("--sandbox-write DIR: writes inside DIR succeed, anywhere else fail; --sandbox-read-only keeps a path in it read-only", async () => {
    const box = tempDir()
    const outside = tempDir()
    Fs.mkdirSync(Path.join(box, "kept"))
    const script = [tryWrite(Path.join(box, "inside")), tryWrite(Path.join(outside, "outside")), tryWrite(Path.join(box, "kept", "file"))].join("; ")
    const run = await exec(["--sandbox-write", box, "--sandbox-read-only", Path.join(box, "kept")], script)
    expect([run.stdout, run.stderr, run.status]).toEqual(["wrote inside\nrefused outside\nrefused file\n", "", 0])
    expect(Fs.readFileSync(Path.join(box, "inside"), "utf8")).toBe("x\n")
    expect(Fs.existsSync(Path.join(outside, "outside"))).toBe(false)
    // Unconfined, the same command writes both: the refusals are the sandbox's.
    const free = await exec([], script)
    expect(free.stdout).toBe("wrote inside\nwrote outside\nwrote file\n")
  })

  it("--sandbox alone: every write refused; --sandbox-deny: a path not even readable", async () => {
    const box = tempDir()
    Fs.writeFileSync(Path.join(box, "secret"), "hidden\n")
    const run = await exec(
      ["--sandbox", "--sandbox-deny", Path.join(box, "secret")],
      `${tryWrite(Path.join(box, "new"))}; ${tryWrite("/tmp/cli-sandbox-new")}; cat ${box}/secret 2>/dev/null || echo "unreadable"`
    )
    expect([run.stdout, run.stderr, run.status]).toEqual(["refused new\nrefused cli-sandbox-new\nunreadable\n", "", 0])
    expect(Fs.readdirSync(box)).toEqual(["secret"])
  })

  it("--sandbox-network off (the default) fails a loopback connect; on reaches it", async () => {
    const line = fetchLine("direct", `http://127.0.0.1:${helloPort()}/`, false)
    const off = await exec(["--sandbox-network", "off"], line)
    expect([off.stdout, off.status]).toEqual(["direct 000\n", 0])
    expect((await exec(["--sandbox"], line)).stdout).toBe("direct 000\n")
    const on = await exec(["--sandbox-network", "on"], line)
    expect([on.stdout, on.status]).toEqual(["direct 200\n", 0])
  })

  it("--sandbox-network proxy --allow-domain: the allowed host through the proxy, another refused (403), nothing directly", async () => {
    const script = [
      fetchLine("allowed", `http://localhost:${helloPort()}/`, true),
      fetchLine("other", `http://elsewhere.test:${helloPort()}/`, true),
      fetchLine("direct", `http://127.0.0.1:${helloPort()}/`, false)
    ].join("; ")
    const expected = "allowed 200\nother 403\ndirect 000\n"
    const box = tempDir()
    // The refused host is said once on stderr (the command's curl saw only a 403).
    const said = `exec-server: denied elsewhere.test:${helloPort()} (not allowed)\n`
    const run = await exec(["--sandbox-write", box, "--sandbox-network", "proxy", "--allow-domain", "localhost"], script)
    expect([run.stdout, run.stderr, run.status]).toEqual([expected, said, 0])
    // In a sandbox the domain flags mean the proxy: --sandbox-network proxy is implied.
    const implied = await exec(["--sandbox-write", box, "--allow-domain", "localhost"], script)
    expect([implied.stdout, implied.stderr]).toEqual([expected, said])
  })

  it("misuse is one line and exit 2, before anything runs: a relative path, domains without the proxy, an unknown network", async () => {
    const marker = Path.join(tempDir(), "ran")
    const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
      [["--sandbox-write", "build"], `--sandbox-write takes an absolute path: "build" is not one`],
      [["--sandbox-deny", "./secret"], `--sandbox-deny takes an absolute path: "./secret" is not one`],
      [
        ["--sandbox-network", "off", "--allow-domain", "example.com"],
        "--allow-domain, --deny-domain, --network-mode and --ask-domains configure the managed proxy: in a sandbox they need --sandbox-network proxy, not off"
      ],
      [
        ["--sandbox-network", "on", "--deny-domain", "example.com"],
        "--allow-domain, --deny-domain, --network-mode and --ask-domains configure the managed proxy: in a sandbox they need --sandbox-network proxy, not on"
      ],
      [["--sandbox-network", "all"], "--sandbox-network: expected one of off, on, proxy, not 'all'"]
    ]
    for (const [flags, said] of cases) {
      const run = await exec(flags, `touch ${marker}`)
      expect([run.stdout, run.stderr, run.status], flags.join(" ")).toEqual(["", `exec-server: ${said}\n`, 2])
    }
    expect(Fs.existsSync(marker)).toBe(false)
    // A directory the server does not have is the server's to say: exit 1, nothing run.
    const missing = await exec(["--sandbox-write", "/nonexistent/cli-sandbox"], `touch ${marker}`)
    expect([missing.stdout, missing.stderr, missing.status]).toEqual(["", "exec-server: sandbox: /nonexistent/cli-sandbox does not exist\n", 1])
    expect(Fs.existsSync(marker)).toBe(false)
  })
})

/** The shell block of the README's "Sandbox one command", as printed. */
const readmeBlock = (): string => {
  const readme = Fs.readFileSync(fileURLToPath(new URL("../../README.md", import.meta.url)), "utf8")
  const heading = /^#+ Sandbox one command$/m.exec(readme)
  expect(heading, "the README has a \"Sandbox one command\" section").not.toBeNull()
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(heading!.index))
  expect(block, "the README's \"Sandbox one command\" has a sh block").not.toBeNull()
  return block![1]!
}

describe("the README's \"Sandbox one command\"", () => {
  it("runs as printed: the write into the box succeeds, the one into $HOME is refused, exit status 2", async () => {
    // `exec-server` on PATH, as installed; HOME a directory of the test's, so that a write that got out would be seen.
    const bin = tempDir()
    Fs.writeFileSync(Path.join(bin, "exec-server"), `#!/bin/sh\nexec "${process.execPath}" "${SERVER_BIN}" "$@"\n`, { mode: 0o755 })
    const home = tempDir()
    const printed = readmeBlock()
    const said = printed.split("\n").filter((line) => line.startsWith("# ")).map((line) => line.slice(2))
    const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn("bash", ["-c", printed], {
        stdio: ["ignore", "pipe", "pipe"],
        // TMPDIR: mktemp's box is the test's to remove.
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, HOME: home, TMPDIR: tempDir() }
      })
      let stdout = ""
      let stderr = ""
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
      child.on("close", (status) => resolve({ status, stdout, stderr }))
    })
    expect(said[0]).toBe("ok")
    expect(run.stdout).toBe("ok\n")
    expect(said[1]).toMatch(/^sh: 1: cannot create \/home\/you\/out: Read-only file system +\(exit status 2\)$/)
    expect(run.stderr).toBe(`sh: 1: cannot create ${home}/out: Read-only file system\n`)
    expect(run.status).toBe(2)
    expect(Fs.readdirSync(home)).toEqual([])
  })
})
