/**
 * Where Codex relies on how its own exec-server (codex-rs/exec-server, 0.169)
 * behaves, ours behaves the same, driven over a WebSocket as Codex drives it
 * (the server in process, on src/). Each rule names what the reference does.
 * The bound URL on stdout, which only the binary shows, is in
 * codexParityStdout.test.ts.
 */
import { execFileSync } from "node:child_process"
import { chmodSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { useInProcessWebSocketServers } from "../support/InProcessServer.js"
import { useTempDirs } from "../support/tempDirs.js"
import { RawWebSocketClient } from "../support/WebSocketClient.js"
import { pipeProcess } from "../support/WireClient.js"

const startServer = useInProcessWebSocketServers()
const tempDir = useTempDirs("codex-parity-")

const base64 = (text: string) => Buffer.from(text).toString("base64")

/** A new server and a client past the handshake. */
const readyClient = async () => RawWebSocketClient.connectReady((await startServer()).url)

/** An executable script in a new directory, with a second name (a hard link); its stat before any write. */
const scriptWithAlias = (name: string, alias: string, content: string, mode: number) => {
  const dir = tempDir()
  const script = Path.join(dir, name)
  writeFileSync(script, content)
  chmodSync(script, mode)
  linkSync(script, Path.join(dir, alias))
  return { dir, script, before: statSync(script) }
}

describe("fs/writeFile and replacing handles keep a file's identity (the reference writes an existing file in place)", () => {
  it("fs/writeFile: mode, inode and hard links kept; through a symlink the link stays and its target changes; a new file appears whole", async () => {
    const client = await readyClient()
    const { before, dir, script } = scriptWithAlias("build.sh", "other-name.sh", "#!/bin/sh\necho old version of a longer script\n", 0o755)
    symlinkSync(script, Path.join(dir, "link.sh"))

    const written = await client.request("fs/writeFile", { path: script, dataBase64: base64("#!/bin/sh\necho new\n") })
    expect(written.error).toBeUndefined()
    const after = statSync(script)
    expect({ ino: after.ino, mode: after.mode & 0o7777 }).toEqual({ ino: before.ino, mode: 0o755 })
    // Cut to the new length: nothing of the longer old content is left.
    expect(readFileSync(script, "utf8")).toBe("#!/bin/sh\necho new\n")
    expect(readFileSync(Path.join(dir, "other-name.sh"), "utf8")).toBe("#!/bin/sh\necho new\n")
    expect(execFileSync(script).toString()).toBe("new\n")

    const throughLink = await client.request("fs/writeFile", { path: Path.join(dir, "link.sh"), dataBase64: base64("#!/bin/sh\necho linked\n") })
    expect(throughLink.error).toBeUndefined()
    expect(lstatSync(Path.join(dir, "link.sh")).isSymbolicLink()).toBe(true)
    expect(statSync(script).ino).toBe(before.ino)
    expect(readFileSync(script, "utf8")).toBe("#!/bin/sh\necho linked\n")

    const fresh = Path.join(dir, "new.txt")
    expect((await client.request("fs/writeFile", { path: fresh, dataBase64: base64("whole") })).error).toBeUndefined()
    expect(readFileSync(fresh, "utf8")).toBe("whole")
    // A dangling link gets its target made, as writing through it does.
    symlinkSync(Path.join(dir, "target-to-be.txt"), Path.join(dir, "dangling"))
    expect((await client.request("fs/writeFile", { path: Path.join(dir, "dangling"), dataBase64: base64("made") })).error).toBeUndefined()
    expect(lstatSync(Path.join(dir, "dangling")).isSymbolicLink()).toBe(true)
    expect(readFileSync(Path.join(dir, "target-to-be.txt"), "utf8")).toBe("made")
    expect(readdirSync(dir).sort()).toEqual(["build.sh", "dangling", "link.sh", "new.txt", "other-name.sh", "target-to-be.txt"])
  })

  it("fs/writeFile refuses a FIFO (with no reader: at once, not blocked) and a directory, with -32600, and writes nothing", async () => {
    const client = await readyClient()
    const dir = tempDir()
    const fifo = Path.join(dir, "fifo")
    execFileSync("mkfifo", [fifo])
    const refused = await client.request("fs/writeFile", { path: fifo, dataBase64: base64("x") })
    expect(refused.error).toMatchObject({ code: -32600, message: `path ${fifo} is a FIFO; fs/writeFile writes regular files only` })
    const directory = await client.request("fs/writeFile", { path: dir, dataBase64: base64("x") })
    expect(directory.error).toMatchObject({ code: -32600, message: `path ${dir} is a directory; fs/writeFile writes regular files only` })
    expect(lstatSync(fifo).isFIFO()).toBe(true)
    expect(readdirSync(dir)).toEqual(["fifo"])
  })

  it("a replacing handle (fs/open mode replace, fs/close) writes an existing file in place: mode, inode and hard links kept, no temporary file left", async () => {
    const client = await readyClient()
    const { before, dir, script } = scriptWithAlias("run.sh", "alias.sh", "#!/bin/sh\necho a much longer old version\n", 0o750)
    expect((await client.request("fs/open", { handleId: "h", path: script, mode: "replace" })).error).toBeUndefined()
    await client.request("fs/writeBlock", { handleId: "h", offset: 0, chunk: base64("#!/bin/sh\n") })
    await client.request("fs/writeBlock", { handleId: "h", offset: 10, chunk: base64("echo handled\n") })
    // Not yet committed: the target is as it was.
    expect(readFileSync(script, "utf8")).toBe("#!/bin/sh\necho a much longer old version\n")
    expect((await client.request("fs/close", { handleId: "h" })).error).toBeUndefined()
    const after = statSync(script)
    expect({ ino: after.ino, mode: after.mode & 0o7777 }).toEqual({ ino: before.ino, mode: 0o750 })
    expect(readFileSync(Path.join(dir, "alias.sh"), "utf8")).toBe("#!/bin/sh\necho handled\n")
    expect(readdirSync(dir).sort()).toEqual(["alias.sh", "run.sh"])

    const fresh = Path.join(dir, "fresh.bin")
    await client.request("fs/open", { handleId: "n", path: fresh, mode: "replace" })
    await client.request("fs/writeBlock", { handleId: "n", offset: 0, chunk: base64("new file") })
    await client.request("fs/close", { handleId: "n" })
    expect(readFileSync(fresh, "utf8")).toBe("new file")
    expect(readdirSync(dir).sort()).toEqual(["alias.sh", "fresh.bin", "run.sh"])
  })
})

/** Every chunk of a process from the retained output on, read until it closed. */
const readToClose = async (client: RawWebSocketClient, processId: string) => {
  let afterSeq: number | undefined
  let text = ""
  for (;;) {
    const { result, error } = await client.request("process/read", { processId, ...(afterSeq === undefined ? {} : { afterSeq }), waitMs: 5_000 })
    expect(error).toBeUndefined()
    expect(result.truncated ?? false).toBe(false)
    for (const chunk of result.chunks) text += Buffer.from(chunk.chunk, "base64").toString()
    afterSeq = result.nextSeq - 1
    if (result.closed) return { text, exitCode: result.exitCode }
  }
}

/**
 * `initialize` resuming `sessionId` on a new connection, retried while the
 * server still sees the old one holding it (-32010), as Codex retries.
 */
const resumeOnNewConnection = async (url: string, sessionId: string) => {
  for (let attempt = 0;; attempt++) {
    const client = await RawWebSocketClient.connect(url)
    const answer = await client.request("initialize", { clientName: "codex", resumeSessionId: sessionId })
    if (answer.error?.code !== -32010 || attempt === 100) return { client, answer }
    client.socket.close()
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const TWENTY_LINES = "for i in $(seq 1 20); do echo line$i; sleep 0.1; done"
const allLines = Array.from({ length: 20 }, (_, i) => `line${i + 1}\n`).join("")

describe("a dropped WebSocket connection keeps its session (the reference keeps it for 75 s, unasked)", () => {
  it("with no flag and no detachTtlMs: dropped abruptly mid-stream, resumed on a new connection, the process still running and its output complete", async () => {
    const server = await startServer()
    const first = await RawWebSocketClient.connect(server.url)
    const { result: session } = await first.handshake()
    const started = await first.request("process/start", pipeProcess("p", ["sh", "-c", TWENTY_LINES]))
    expect(started.error).toBeUndefined()
    await first.outputContains("p", "line2\n")
    // No close frame: the connection is gone as a network drop leaves it.
    first.socket.terminate()

    const { answer: resumed, client: second } = await resumeOnNewConnection(server.url, session.sessionId)
    expect(resumed.error).toBeUndefined()
    expect(resumed.result.sessionId).toBe(session.sessionId)
    second.send({ method: "initialized", params: {} })
    expect(await readToClose(second, "p")).toEqual({ text: allLines, exitCode: 0 })
  })

  it("a session another connection holds is -32010 with the reference's wording; once it drops, the resume succeeds", async () => {
    const server = await startServer()
    const first = await RawWebSocketClient.connect(server.url)
    const { result: session } = await first.handshake()
    const second = await RawWebSocketClient.connect(server.url)
    const refused = await second.request("initialize", { clientName: "codex", resumeSessionId: session.sessionId })
    expect(refused.error).toEqual({ code: -32010, message: `session ${session.sessionId} is already attached to another connection` })
    first.socket.close()
    await new Promise((resolve) => first.socket.once("close", resolve))
    // The server sees the close a moment after the client: Codex retries on -32010, as this does.
    let resumed = await second.request("initialize", { clientName: "codex", resumeSessionId: session.sessionId })
    for (let attempt = 0; resumed.error?.code === -32010 && attempt < 50; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      resumed = await second.request("initialize", { clientName: "codex", resumeSessionId: session.sessionId })
    }
    expect(resumed.result?.sessionId).toBe(session.sessionId)
    const unknown = await (await RawWebSocketClient.connect(server.url)).request("initialize", {
      clientName: "codex",
      resumeSessionId: "00000000-0000-4000-8000-000000000000"
    })
    expect(unknown.error).toMatchObject({
      code: -32600,
      message: expect.stringMatching(/^unknown session id 00000000-0000-4000-8000-000000000000/),
      data: { reason: "unknownSession" }
    })
  })

  it("--dropped-session-ttl-ms 0 ends the session with its connection, and a client's own detachTtlMs: 0 does too", async () => {
    for (const [flags, detach] of [[["--dropped-session-ttl-ms", "0"], {}], [[], { detachTtlMs: 0 }]] as const) {
      const server = await startServer(flags)
      const first = await RawWebSocketClient.connect(server.url)
      const { result: session } = await first.request("initialize", { clientName: "test", ...detach })
      first.send({ method: "initialized", params: {} })
      first.socket.terminate()
      const { answer: resumed } = await resumeOnNewConnection(server.url, session.sessionId)
      expect(resumed.error).toMatchObject({ code: -32600 })
    }
  })
})

/** A Codex sandbox context for `workspace`, with these file-system entries and fields over it. */
const codexContext = (workspace: string, entries: ReadonlyArray<unknown>, extra: Record<string, unknown> = {}) => ({
  permissions: { type: "managed", file_system: { type: "restricted", entries }, network: "restricted" },
  cwd: `file://${workspace}`,
  workspaceRoots: [`file://${workspace}`],
  windowsSandboxLevel: "disabled",
  ...extra
})
const ROOT_WRITE = { path: { type: "special", value: { kind: "root" } }, access: "write" }
const PROJECT_WRITE = { path: { type: "special", value: { kind: "project_roots" } }, access: "write" }
const ROOT_READ = { path: { type: "special", value: { kind: "root" } }, access: "read" }

describe("the sandbox fields Codex sends", () => {
  /** Runs `script` under `sandbox` in `cwd`; the start's error, or the output and exit code. */
  const runSandboxed = async (client: RawWebSocketClient, processId: string, cwd: string, sandbox: unknown, script: string) => {
    const started = await client.request("process/start", pipeProcess(processId, ["sh", "-c", script], { cwd, sandbox }))
    if (started.error !== undefined) return { error: started.error }
    return readToClose(client, processId)
  }

  it("sandboxOverride: the reference's three values are accepted, any other is -32602; an unknown top-level field is ignored, one inside permissions refused", async () => {
    const client = await readyClient()
    const workspace = tempDir()
    const entries = [ROOT_READ, PROJECT_WRITE]
    for (const sandboxOverride of ["noOverride", "escalatedSandboxWithRestrictions", "bypassSandboxFirstAttempt"]) {
      const run = await runSandboxed(client, sandboxOverride, workspace, codexContext(workspace, entries, { sandboxOverride }), "echo ran")
      expect(run, sandboxOverride).toEqual({ text: "ran\n", exitCode: 0 })
    }
    const other = await runSandboxed(client, "other", workspace, codexContext(workspace, entries, { sandboxOverride: "noSandbox" }), "echo ran")
    expect(other).toMatchObject({ error: { code: -32602 } })
    const newer = await runSandboxed(client, "newer", workspace, codexContext(workspace, entries, { loopbackPorts: [8080], futureField: { x: 1 } }), "echo ran")
    expect(newer).toEqual({ text: "ran\n", exitCode: 0 })
    const inside = codexContext(workspace, entries)
    const refused = await runSandboxed(client, "inside", workspace, { ...inside, permissions: { ...inside.permissions, futureRestriction: true } }, "echo ran")
    expect(refused).toMatchObject({ error: { code: -32602 } })
  })

  it("an approved escalation to a writable / keeps the restrictions inside it: a symlinked .git's target stays read-only (without the approval: refused), /dev/null is still a device", async () => {
    const client = await readyClient()
    const workspace = tempDir()
    const gitDir = tempDir()
    const outside = tempDir()
    symlinkSync(gitDir, Path.join(workspace, ".git"))
    const script = [
      "(echo x > .git/planted) 2>/dev/null && echo wrote-git || echo refused-git",
      "echo y > file && echo wrote-file",
      `echo z > ${outside}/other && echo wrote-outside`,
      "test -c /dev/null && echo null-is-a-device",
      "echo w > /dev/null && echo null-writable"
    ].join("; ")
    const escalated = await runSandboxed(client, "escalated", workspace, codexContext(workspace, [ROOT_WRITE], { sandboxOverride: "escalatedSandboxWithRestrictions" }), script)
    expect(escalated).toEqual({ text: "refused-git\nwrote-file\nwrote-outside\nnull-is-a-device\nnull-writable\n", exitCode: 0 })
    expect(readdirSync(gitDir)).toEqual([])
    // Ours without the approval: the link could be replaced from inside the writable project, so it is refused.
    const unapproved = await runSandboxed(client, "unapproved", workspace, codexContext(workspace, [ROOT_READ, PROJECT_WRITE]), script)
    expect(unapproved).toMatchObject({ error: { code: -32602, message: expect.stringContaining("is a symlink inside a writable root") } })
    const { result: info } = await client.request("environment/info", {})
    expect(info.capabilities).toMatchObject({ linuxRootWritePreservesDevices: true, linuxApprovedRootWritePreservesRestrictions: true })
  })
})

describe("environment/info", () => {
  it("carries providerId (sha256: + 64 hex, the same from a second server of this install) and prependPathDirs, in the reference's key order", async () => {
    const infos = []
    for (const _ of [1, 2]) {
      const server = await startServer()
      const client = await RawWebSocketClient.connectReady(server.url)
      infos.push((await client.request("environment/info", {})).result)
    }
    expect(infos[0].providerId).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(infos[1].providerId).toBe(infos[0].providerId)
    expect(infos[0].prependPathDirs).toEqual([])
    expect(Object.keys(infos[0])).toEqual([
      "shell", "executorVersion", "providerId", "cwd", "userHomeDir", "platformOs", "prependPathDirs", "temporaryDirectories", "tempDir", "capabilities"
    ])
  })
})

describe("smaller rules, each the reference's", () => {
  it("process/signal: an unknown process is {}, an unknown signal name -32602; fs/open's mode is read or replace, null or another word -32602", async () => {
    const client = await readyClient()
    expect(await client.request("process/signal", { processId: "never-started", signal: "SIGTERM" })).toMatchObject({ result: {} })
    expect((await client.request("process/signal", { processId: "never-started", signal: "SIGTERM" })).result).toEqual({})
    expect((await client.requestUnchecked("process/signal", { processId: "never-started", signal: "SIGNOPE" })).error?.code).toBe(-32602)
    const file = Path.join(tempDir(), "f")
    writeFileSync(file, "x")
    for (const mode of [null, "write", "READ"]) {
      expect((await client.requestUnchecked("fs/open", { handleId: `h${String(mode)}`, path: file, mode })).error?.code, String(mode)).toBe(-32602)
    }
    expect((await client.request("fs/open", { handleId: "r", path: file, mode: "read" })).error).toBeUndefined()
  })

  it("followSymlinks: false refuses a link: fs/getMetadata -32600, fs/readFile and fs/writeFile ELOOP with the link unchanged, a path under a linked directory ENOTDIR", async () => {
    const client = await readyClient()
    const dir = tempDir()
    writeFileSync(Path.join(dir, "target"), "target")
    symlinkSync(Path.join(dir, "target"), Path.join(dir, "link"))
    mkdirSync(Path.join(dir, "real-dir"))
    writeFileSync(Path.join(dir, "real-dir/inner"), "inner")
    symlinkSync(Path.join(dir, "real-dir"), Path.join(dir, "dir-link"))
    const link = Path.join(dir, "link")
    const under = Path.join(dir, "dir-link/inner")
    const metadata = await client.request("fs/getMetadata", { path: link, followSymlinks: false })
    expect(metadata.error).toMatchObject({ code: -32600, message: expect.stringContaining("path contains a symbolic link") })
    expect((await client.request("fs/getMetadata", { path: under, followSymlinks: false })).error?.code).toBe(-32600)
    const errnoOf = (answer: any) => answer.error?.data?.errno
    expect(errnoOf(await client.request("fs/readFile", { path: link, followSymlinks: false }))).toBe("ELOOP")
    expect(errnoOf(await client.request("fs/writeFile", { path: link, dataBase64: base64("x"), followSymlinks: false }))).toBe("ELOOP")
    expect(errnoOf(await client.request("fs/readFile", { path: under, followSymlinks: false }))).toBe("ENOTDIR")
    expect(errnoOf(await client.request("fs/writeFile", { path: under, dataBase64: base64("x"), followSymlinks: false }))).toBe("ENOTDIR")
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect(readFileSync(Path.join(dir, "target"), "utf8")).toBe("target")
    expect(readFileSync(Path.join(dir, "real-dir/inner"), "utf8")).toBe("inner")
    // Without it (or true), links are followed.
    expect((await client.request("fs/readFile", { path: link })).result.dataBase64).toBe(base64("target"))
    expect((await client.request("fs/getMetadata", { path: under, followSymlinks: true })).result).toMatchObject({ isFile: true })
  })

  it("fs/remove with no options removes a tree, a dangling link (not what it leads to) and answers {} for a missing path", async () => {
    const client = await readyClient()
    const dir = tempDir()
    mkdirSync(Path.join(dir, "tree/inner"), { recursive: true })
    writeFileSync(Path.join(dir, "tree/inner/file"), "x")
    symlinkSync(Path.join(dir, "nowhere"), Path.join(dir, "dangling"))
    writeFileSync(Path.join(dir, "kept"), "kept")
    symlinkSync(Path.join(dir, "kept"), Path.join(dir, "link"))
    for (const name of ["tree", "dangling", "missing", "link"]) {
      expect(await client.request("fs/remove", { path: Path.join(dir, name) }), name).toMatchObject({ result: {} })
    }
    expect(readdirSync(dir)).toEqual(["kept"])
    expect((await client.request("fs/remove", { path: Path.join(dir, "missing"), force: false })).error?.code).toBe(-32004)
  })

  it("fs/copy copies a link as a link (to a file, to a directory, to nowhere); fs/readDirectory leaves a dangling link out and reports a link by its target's kind", async () => {
    const client = await readyClient()
    const dir = tempDir()
    writeFileSync(Path.join(dir, "file"), "x")
    mkdirSync(Path.join(dir, "sub"))
    symlinkSync("file", Path.join(dir, "to-file"))
    symlinkSync("sub", Path.join(dir, "to-dir"))
    symlinkSync("nowhere", Path.join(dir, "to-nowhere"))
    for (const name of ["to-file", "to-dir", "to-nowhere"]) {
      const copied = await client.request("fs/copy", { sourcePath: Path.join(dir, name), destinationPath: Path.join(dir, `copy-of-${name}`) })
      expect(copied, name).toMatchObject({ result: {} })
      expect(lstatSync(Path.join(dir, `copy-of-${name}`)).isSymbolicLink(), name).toBe(true)
      expect(readlinkSync(Path.join(dir, `copy-of-${name}`))).toBe(readlinkSync(Path.join(dir, name)))
    }
    const { result } = await client.request("fs/readDirectory", { path: dir })
    const entries = [...result.entries].sort((a: { fileName: string }, b: { fileName: string }) => a.fileName.localeCompare(b.fileName))
    expect(entries).toEqual([
      { fileName: "copy-of-to-dir", isDirectory: true, isFile: false },
      { fileName: "copy-of-to-file", isDirectory: false, isFile: true },
      { fileName: "file", isDirectory: false, isFile: true },
      { fileName: "sub", isDirectory: true, isFile: false },
      { fileName: "to-dir", isDirectory: true, isFile: false },
      { fileName: "to-file", isDirectory: false, isFile: true }
    ])
  })
})
