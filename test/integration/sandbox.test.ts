/**
 * Sandboxed execution with real bubblewrap: what a confined process and a
 * confined fs call may and may not do, the operator's policy over the
 * client's, and refusal when no sandbox can be built (the server in
 * process, on src/; a killed server and the exit status of one that cannot
 * start are sandboxServerProcess.test.ts's).
 */
import { execFileSync, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { workspaceWrite } from "../support/codexSandbox.js"
import { type InProcessServer, useInProcessServers } from "../support/InProcessServer.js"
import { eventually } from "../support/waiting.js"
import { pipeProcess, ptyProcess } from "../support/WireClient.js"

const startServer = useInProcessServers()

let directories: Array<string> = []
afterEach(() => {
  for (const directory of directories) Fs.rmSync(directory, { recursive: true, force: true })
  directories = []
})

/**
 * A fresh directory (its real path). Workspaces go in the temporary
 * directory; what must stay out of reach goes in the home directory, since
 * Codex's workspace-write policy makes /tmp writable too.
 */
const tempDir = (name: string, parent = Os.tmpdir()): string => {
  const directory = Fs.realpathSync(Fs.mkdtempSync(Path.join(parent, `.sandbox-${name}-`)))
  directories.push(directory)
  return directory
}
const outsideDir = (name: string): string => tempDir(name, Os.homedir())

/** Runs `script` with sh in a sandbox and waits for it to close; its output and exit notification. */
const run = async (server: InProcessServer, processId: string, script: string, extra: Record<string, unknown>) => {
  const started = await server.request("process/start", pipeProcess(processId, ["sh", "-c", script], extra))
  expect(started.error).toBeUndefined()
  await server.closed(processId)
  const exited = server.eventsOf(processId).find((event) => event.method === "process/exited")!
  return { started: started.result, output: server.outputOf(processId).toString(), exited: exited.params as any }
}

/** Whether a process with this command line leads its terminal's foreground process group. */
const isForeground = (cmdline: string): boolean =>
  Fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name)).some((pid) => {
    try {
      if (Fs.readFileSync(`/proc/${pid}/cmdline`, "utf8") !== cmdline) return false
      const fields = Fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
      // state ppid pgrp session tty_nr tpgid: the group is the terminal's foreground one.
      return fields[2] === fields[5]
    } catch {
      return false
    }
  })

describe("sandboxed processes", () => {
  it("write inside the workspace, not outside; .git stays read-only; the placeholder is removed after", async () => {
    const workspace = tempDir("ws")
    const outside = outsideDir("outside")
    Fs.mkdirSync(Path.join(workspace, "sub"))
    const server = await startServer()
    const { exited, output, started } = await run(
      server,
      "w",
      `echo in > ${workspace}/sub/inside && echo inside-ok; echo out > ${outside}/f; mkdir ${workspace}/.git/hooks; ls -d ${workspace}/.git; exit 3`,
      { cwd: workspace, sandbox: workspaceWrite(workspace) }
    )
    expect(started).toEqual({ processId: "w", sandboxType: "linuxSeccomp" })
    expect(output).toContain("inside-ok")
    expect(output).toContain("Read-only file system")
    expect(Fs.readFileSync(Path.join(workspace, "sub/inside"), "utf8")).toBe("in\n")
    expect(Fs.existsSync(Path.join(outside, "f"))).toBe(false)
    expect(exited).toMatchObject({ exitCode: 3, sandboxDenied: true })
    // The missing .git was an empty read-only directory inside, and is gone now.
    expect(output).toContain(`${workspace}/.git`)
    expect(await eventually(() => !Fs.existsSync(Path.join(workspace, ".git")))).toBe(true)
    const read = await server.request("process/read", { processId: "w", afterSeq: 0 })
    expect(read.result).toMatchObject({ exited: true, exitCode: 3, sandboxDenied: true })
  })

  it("an existing .git is read-only and a successful run is not a denial", async () => {
    const workspace = tempDir("git")
    Fs.mkdirSync(Path.join(workspace, ".git"))
    Fs.writeFileSync(Path.join(workspace, ".git/config"), "original\n")
    const server = await startServer()
    const { exited, output } = await run(
      server,
      "g",
      `echo hacked > .git/config 2>/dev/null || echo refused; touch new-file && echo touched`,
      { cwd: workspace, sandbox: workspaceWrite(workspace) }
    )
    expect(output).toContain("refused")
    expect(output).toContain("touched")
    expect(Fs.readFileSync(Path.join(workspace, ".git/config"), "utf8")).toBe("original\n")
    expect(exited).toMatchObject({ exitCode: 0, sandboxDenied: false })
  })

  it("symlinks and .. do not lead out of the workspace", async () => {
    const workspace = tempDir("links")
    const outside = outsideDir("target")
    Fs.symlinkSync(outside, Path.join(workspace, "escape"))
    const server = await startServer()
    const { output } = await run(
      server,
      "l",
      `echo a > escape/via-link || echo link-refused; echo b > ${Path.relative(workspace, outside)}/via-dotdot || echo dotdot-refused; ` +
        `ln -s ${outside} made-inside; echo c > made-inside/via-new-link || echo new-link-refused`,
      { cwd: workspace, sandbox: workspaceWrite(workspace) }
    )
    expect(output).toContain("link-refused")
    expect(output).toContain("dotdot-refused")
    expect(output).toContain("new-link-refused")
    expect(Fs.readdirSync(outside)).toEqual([])
  })

  it("no network when the policy has none; the network when it has", async () => {
    const workspace = tempDir("net")
    const listener = Net.createServer((socket) => socket.end("hello\n"))
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve))
    const port = (listener.address() as Net.AddressInfo).port
    try {
      const server = await startServer()
      const connect = `node -e 'require("net").connect(${port}, "127.0.0.1").on("data", d => process.stdout.write("got:" + d)).on("error", e => { console.log("error:" + e.code); process.exit(7) })'`
      const closed = await run(server, "off", connect, { cwd: workspace, sandbox: workspaceWrite(workspace, "restricted") })
      expect(closed.output).toContain("error:ECONNREFUSED")
      expect(closed.exited).toMatchObject({ exitCode: 7 })
      const open = await run(server, "on", connect, { cwd: workspace, sandbox: workspaceWrite(workspace, "enabled") })
      expect(open.output).toContain("got:hello")
      // Our own form: network off unless asked for.
      const ours = await run(server, "ours", connect, { cwd: workspace, sandbox: { writableRoots: [workspace] } })
      expect(ours.output).toContain("error:ECONNREFUSED")
    } finally {
      listener.close()
    }
  })

  it("a setsid daemon does not outlive its sandbox; a graceful terminate keeps the command's exit code", async () => {
    const workspace = tempDir("daemon")
    const marker = 300 + Math.floor(Math.random() * 600)
    const server = await startServer()
    const script = `setsid sleep ${marker}.5 & trap 'echo bye; exit 5' TERM; echo ready; while :; do sleep 0.1; done`
    await server.request("process/start", pipeProcess("d", ["sh", "-c", script], { cwd: workspace, sandbox: { writableRoots: [workspace] } }))
    await server.outputContains("d", "ready")
    const daemonRunning = () => {
      try {
        return execFileSync("pgrep", ["-f", `sleep ${marker}.5`]).toString().trim() !== ""
      } catch {
        return false
      }
    }
    expect(daemonRunning()).toBe(true)
    await server.request("process/terminate", { processId: "d" })
    await server.closed("d")
    expect(server.outputOf("d").toString()).toContain("bye")
    expect(server.eventsOf("d").find((event) => event.method === "process/exited")!.params).toMatchObject({ exitCode: 5 })
    expect(await eventually(() => !daemonRunning())).toBe(true)
  })

  it("a sandboxed PTY keeps job control, resizes, and Ctrl-C reaches only the foreground job", async () => {
    const workspace = tempDir("pty")
    const server = await startServer()
    await server.request("process/start", ptyProcess("t", ["sh", "-i"], {
      cwd: workspace,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", PS1: "$ ", TERM: "xterm" },
      sandbox: { writableRoots: [workspace] }
    }))
    const write = (text: string) => server.request("process/write", { processId: "t", chunk: Buffer.from(text).toString("base64") })
    await server.outputContains("t", "$ ")
    await write("sleep 29.75\n")
    // Ctrl-C once the shell has made the job the terminal's foreground (the
    // echo of the command comes before that, from the terminal itself).
    expect(await eventually(() => isForeground("sleep\x0029.75\x00"))).toBe(true)
    await write("\x03")
    await write("echo after:$?\n")
    await server.outputContains("t", "after:130")
    await server.request("process/resize", { processId: "t", rows: 40, cols: 100 })
    await write("stty size\n")
    await server.outputContains("t", "40 100")
    await write("exit 4\n")
    await server.closed("t")
    const output = server.outputOf("t").toString()
    expect(output).not.toContain("job control turned off")
    expect(output).not.toContain("can't access tty")
    expect(server.eventsOf("t").find((event) => event.method === "process/exited")!.params).toMatchObject({ exitCode: 4 })
  })

  it("loses no output at the end, on a pipe and on a PTY; signals reach the command", async () => {
    const workspace = tempDir("tail")
    const server = await startServer()
    const sandbox = { writableRoots: [workspace] }
    await server.request("process/start", pipeProcess("pipe", ["seq", "1", "100000"], { cwd: workspace, sandbox }))
    await server.request("process/start", ptyProcess("pty", ["seq", "1", "100000"], { cwd: workspace, sandbox }))
    await server.closed("pipe")
    await server.closed("pty")
    const pipeLines = server.outputOf("pipe").toString().trim().split("\n")
    expect(pipeLines.length).toBe(100000)
    expect(pipeLines.at(-1)).toBe("100000")
    expect(server.outputOf("pty").toString().trimEnd().endsWith("99999\r\n100000")).toBe(true)
    const named = await run(server, "arg0", "echo name:$0", { cwd: workspace, sandbox, arg0: "renamed" })
    expect(named.output).toContain("name:renamed")
    const trap = "trap 'echo got-int; exit 9' INT; echo ready; while :; do sleep 0.05; done"
    await server.request("process/start", pipeProcess("int", ["sh", "-c", trap], { cwd: workspace, sandbox }))
    await server.outputContains("int", "ready")
    expect((await server.request("process/signal", { processId: "int", signal: "SIGINT" })).result).toEqual({ delivered: true })
    await server.closed("int")
    expect(server.outputOf("int").toString()).toContain("got-int")
    expect(server.eventsOf("int").find((event) => event.method === "process/exited")!.params).toMatchObject({ exitCode: 9 })
  })

  it("readable: minimal shows programs and the workspace, not the rest", async () => {
    const workspace = tempDir("minimal")
    const hidden = outsideDir("hidden")
    Fs.writeFileSync(Path.join(hidden, "secret"), "s")
    const server = await startServer()
    const { exited, output } = await run(
      server,
      "m",
      `cat ${hidden}/secret || echo hidden; echo w > note && cat note; ls /usr/bin/env`,
      { cwd: workspace, sandbox: { writableRoots: [workspace], readable: "minimal" } }
    )
    expect(output).toContain("hidden")
    expect(output).not.toContain("s\n")
    expect(output).toContain("w\n")
    expect(output).toContain("/usr/bin/env")
    expect(exited).toMatchObject({ exitCode: 0 })
  })

  it("refuses what it cannot honour, and runs nothing", async () => {
    const workspace = tempDir("refuse")
    const server = await startServer()
    const unknownField = await server.request("process/start", pipeProcess("a", ["true"], {
      sandbox: { writableRoots: [workspace], networkProxy: "http://proxy" }
    }))
    expect(unknownField.error).toMatchObject({ code: -32602 })
    const glob = workspaceWrite(workspace)
    glob.permissions.file_system.entries.push({
      path: { type: "glob_pattern", pattern: "**/*.env" } as never,
      access: "deny"
    })
    expect((await server.request("process/start", pipeProcess("b", ["true"], { sandbox: glob }))).error)
      .toMatchObject({ code: -32602 })
    expect((await server.request("process/list", {})).result).toEqual({ processes: [] })
  })
})

describe("sandboxed fs calls", () => {
  it("write inside, refuse outside, into .git, through symlinks and ..", async () => {
    const workspace = tempDir("fs")
    const outside = outsideDir("fs-outside")
    Fs.symlinkSync(outside, Path.join(workspace, "escape"))
    const server = await startServer()
    const sandbox = workspaceWrite(workspace)
    const write = (path: string) => server.request("fs/writeFile", { path, dataBase64: "aGk=", sandbox })
    expect((await write(`${workspace}/ok.txt`)).result).toEqual({})
    expect((await server.request("fs/readFile", { path: `${workspace}/ok.txt`, sandbox })).result).toEqual({ dataBase64: "aGk=" })
    for (const path of [`${outside}/a`, `${workspace}/escape/b`, `${workspace}/${Path.relative(workspace, outside)}/c`, `${workspace}/.git/hooks`]) {
      const response = await write(path)
      expect(response.error).toMatchObject({ code: -32603, data: { errno: "EROFS", sandboxDenied: true } })
    }
    const mkdir = await server.request("fs/createDirectory", { path: `${workspace}/.git/hooks`, sandbox })
    expect(mkdir.error).toMatchObject({ data: { sandboxDenied: true } })
    const copy = await server.request("fs/copy", { sourcePath: `${workspace}/ok.txt`, destinationPath: `${outside}/copied`, sandbox })
    expect(copy.error).toMatchObject({ data: { sandboxDenied: true } })
    expect(Fs.readdirSync(outside)).toEqual([])
    // Removing the link itself is a write inside the workspace; its target is untouched.
    expect((await server.request("fs/remove", { path: `${workspace}/escape`, sandbox })).result).toEqual({})
    expect(Fs.existsSync(outside)).toBe(true)
  })

  it("file handles: a replacing handle writes inside the workspace only, and a read handle reads only what the policy shows", async () => {
    const workspace = tempDir("handles")
    const outside = outsideDir("handles-outside")
    Fs.writeFileSync(Path.join(outside, "secret"), "secret")
    const server = await startServer()
    const sandbox = { writableRoots: [workspace], readable: "minimal" }
    const opened = await server.request("fs/open", { handleId: "w", path: `${workspace}/big.bin`, mode: "replace", sandbox })
    expect(opened.result).toEqual({ handleId: "w" })
    const block = Buffer.alloc(64 * 1024, 7).toString("base64")
    for (let i = 0; i < 4; i++) {
      expect((await server.request("fs/writeBlock", { handleId: "w", offset: i * 64 * 1024, chunk: block })).result).toEqual({})
    }
    // Nothing is in place before the close.
    expect(Fs.existsSync(`${workspace}/big.bin`)).toBe(false)
    expect((await server.request("fs/close", { handleId: "w" })).result).toEqual({})
    expect(Fs.statSync(`${workspace}/big.bin`).size).toBe(256 * 1024)
    // Nothing but the file (the placeholders for the missing .git and the
    // like last as long as the policy's worker does).
    const placeholders = [".agents", ".aws", ".codex", ".git"]
    expect(Fs.readdirSync(workspace).filter((name) => !placeholders.includes(name))).toEqual(["big.bin"])

    const refused = await server.request("fs/open", { handleId: "x", path: `${outside}/planted`, mode: "replace", sandbox })
    expect(refused.error).toMatchObject({ code: -32603, data: { sandboxDenied: true } })
    const hidden = await server.request("fs/open", { handleId: "y", path: `${outside}/secret`, sandbox })
    expect(hidden.error).toMatchObject({ data: { sandboxDenied: true } })
    expect(Fs.readdirSync(outside)).toEqual(["secret"])

    expect((await server.request("fs/open", { handleId: "r", path: `${workspace}/big.bin`, sandbox })).result).toEqual({ handleId: "r" })
    const read = await server.request("fs/readBlock", { handleId: "r", offset: 256 * 1024 - 3, len: 10 })
    expect(read.result).toEqual({ chunk: Buffer.alloc(3, 7).toString("base64"), eof: true })
    // A replacing handle dropped unclosed leaves nothing behind.
    await server.request("fs/open", { handleId: "d", path: `${workspace}/dropped`, mode: "replace", sandbox })
    await server.request("fs/writeBlock", { handleId: "d", offset: 0, chunk: block })
    expect((await server.request("fs/close", { handleId: "d", discard: true })).result).toEqual({})
    // Nothing but the file is left, and the placeholders go with the server.
    expect((await server.request("fs/close", { handleId: "r" })).result).toEqual({})
    expect(Fs.readdirSync(workspace).filter((name) => !placeholders.includes(name))).toEqual(["big.bin"])
    await server.close()
    expect(Fs.readdirSync(workspace)).toEqual(["big.bin"])
  })

  it("a directory swapped for a symlink while writes run never lets one land outside", async () => {
    const workspace = tempDir("race")
    const outside = outsideDir("race-outside")
    const server = await startServer()
    const sandbox = { writableRoots: [workspace] }
    // Outside the sandbox, flip workspace/d between a real directory and a symlink to `outside`.
    // Its own process group, so that no mkdir or ln it started outlives it into the cleanup.
    const flipper = spawn("sh", ["-c", `cd ${workspace}; while :; do mkdir d 2>/dev/null; rmdir d 2>/dev/null; ln -sfn ${outside} d; rm -f d; done`], {
      detached: true
    })
    const flipperGone = new Promise((resolve) => flipper.once("exit", resolve))
    try {
      const writes = Array.from({ length: 200 }, (_, i) =>
        server.request("fs/writeFile", { path: `${workspace}/d/f${i}`, dataBase64: "aGk=", sandbox }))
      const responses = await Promise.all(writes)
      // Some land in the real directory or fail; none may land outside.
      expect(responses.length).toBe(200)
    } finally {
      process.kill(-flipper.pid!, "SIGKILL")
      await flipperGone
    }
    expect(Fs.readdirSync(outside)).toEqual([])
  })
})

describe("the operator's sandbox", () => {
  it("applies to every process and fs call, and a client cannot widen it", async () => {
    const allowed = tempDir("op-allowed")
    const other = outsideDir("op-other")
    const server = await startServer(["--sandbox-write", allowed])
    const plain = await run(server, "plain", `echo x > ${other}/f || echo refused; echo y > ${allowed}/f && echo allowed`, {})
    expect(plain.started).toEqual({ processId: "plain", sandboxType: "linuxSeccomp" })
    expect(plain.output).toContain("refused")
    expect(plain.output).toContain("allowed")
    const wider = await run(server, "wider", `echo x > ${other}/g || echo refused`, {
      sandbox: { writableRoots: [allowed, other], network: true }
    })
    expect(wider.output).toContain("refused")
    const disabled = await run(server, "disabled", `echo x > ${other}/h || echo refused`, {
      sandbox: { permissions: { type: "disabled" }, windowsSandboxLevel: "disabled" }
    })
    expect(disabled.output).toContain("refused")
    const write = await server.request("fs/writeFile", { path: `${other}/fs`, dataBase64: "aGk=" })
    expect(write.error).toMatchObject({ data: { sandboxDenied: true } })
    expect(Fs.readdirSync(other)).toEqual([])
    // Narrower than the operator's: a read-only client sandbox.
    const narrower = await run(server, "narrower", `echo z > ${allowed}/n || echo refused`, {
      sandbox: { writableRoots: [] }
    })
    expect(narrower.output).toContain("refused")
  })

  it("comes from a policy file as well", async () => {
    const allowed = tempDir("file-allowed")
    const policyFile = Path.join(tempDir("policy"), "policy.json")
    Fs.writeFileSync(policyFile, JSON.stringify({ writableRoots: [allowed], readOnlyPaths: [`${allowed}/locked`] }))
    const server = await startServer(["--sandbox-policy", policyFile])
    const { output } = await run(server, "f", `echo a > ${allowed}/a && echo wrote; mkdir ${allowed}/locked/x || echo locked`, {})
    expect(output).toContain("wrote")
    expect(output).toContain("locked")
    // The placeholders (.git, ..., locked) go when the process does.
    expect(await eventually(() => Fs.readdirSync(allowed).join() === "a")).toBe(true)
  })

  it("without bubblewrap a sandboxed request is refused and nothing runs", async () => {
    const server = await startServer(["--bwrap", "/nonexistent/bwrap"])
    const marker = tempDir("nobwrap")
    const response = await server.request("process/start", pipeProcess("n", ["touch", `${marker}/ran`], {
      sandbox: { writableRoots: [marker] }
    }))
    expect(response.error).toMatchObject({ code: -32603, data: { sandbox: "unavailable" } })
    const fsResponse = await server.request("fs/writeFile", { path: `${marker}/fs`, dataBase64: "aGk=", sandbox: { writableRoots: [marker] } })
    expect(fsResponse.error).toMatchObject({ data: { sandbox: "unavailable" } })
    expect(Fs.readdirSync(marker)).toEqual([])
    // Without a sandbox the same server runs processes as usual.
    const plain = await server.request("process/start", pipeProcess("p", ["true"]))
    expect(plain.result).toEqual({ processId: "p", sandboxType: "none" })
  })
})
