/**
 * The Promise API against real servers over WebSocket, servers in this
 * process (over the stdio of a server it spawns, the built binary:
 * clientProcess.test.ts).
 */
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { readFile } from "node:fs/promises"
import * as net from "node:net"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest"
import { WebSocketServer } from "ws"
import * as PromiseClient from "../../src/client/PromiseClient.js"
import { useInProcessWebSocketServers } from "../support/InProcessServer.js"
import { expectGone, PRINT_PID_AND_SLEEP, readPid } from "../support/promiseClientProcesses.js"
import { isAlive } from "../support/waiting.js"

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" }
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString()

const start = useInProcessWebSocketServers()

describe("PromiseClient over WebSocket", () => {
  const withClient = async <A>(body: (client: PromiseClient.Client) => Promise<A>): Promise<A> => {
    const server = await start()
    const client = await PromiseClient.connect(server.url, { clientName: "promise-test" })
    try {
      return await body(client)
    } finally {
      await client.close()
    }
  }

  it("exec collects stdout, stderr and the exit code", () =>
    withClient(async (client) => {
      expect(client.server.protocolVersion).toBe("exec-server.v0")
      expect(client.sessionId).toBe(client.server.sessionId)
      const result = await client.exec(["sh", "-c", "echo out; echo err >&2; exit 3"], { env, cwd: "/tmp" })
      expect(result.exitCode).toBe(3)
      expect(text(result.stdout)).toBe("out\n")
      expect(text(result.stderr)).toBe("err\n")
      const fed = await client.exec(["cat"], { env, input: "through stdin" })
      expect(text(fed.stdout)).toBe("through stdin")
      const decoded = await client.exec(["cat"], { env, input: "é", encoding: "utf8" })
      expectTypeOf(decoded.stdout).toEqualTypeOf<string>()
      expect(decoded.stdout).toBe("é")
    }))

  it("iterates a PTY's events with for await: a written line comes back, and the loop ends after Closed", () =>
    withClient(async (client) => {
      const proc = await client.start({
        argv: ["bash", "--norc", "-c", "printf 'ready\\n'; read -r line; printf 'echo:%s\\n' \"$line\""],
        tty: true,
        env
      })
      const events: Array<PromiseClient.ProcessEvent> = []
      let output = ""
      for await (const event of proc.events()) {
        events.push(event)
        if (event._tag !== "Output") continue
        output += text(event.bytes)
        if (output.includes("ready") && !output.includes("hello")) await proc.write("hello\n")
      }
      expect(output).toContain("hello") // the terminal's echo
      expect(output).toContain("echo:hello")
      expect(events.map((event) => event.seq)).toEqual(events.map((_, i) => i + 1))
      expect(events.at(-1)?._tag).toBe("Closed")
      expect(events.filter((event) => event._tag === "Exited")).toHaveLength(1)
      expect(await proc.exited).toEqual({ exitCode: 0, signal: null, sandboxDenied: false })
      await proc.close()
    }))

  it("a loop left early keeps the events it did not reach for the next loop", () =>
    withClient(async (client) => {
      const proc = await client.start({ argv: ["sh", "-c", "printf 'a\\nb\\nc\\n'"], env })
      expect(await proc.exited).toMatchObject({ exitCode: 0 })
      // Everything has arrived: the first loop most likely gets it all in one chunk.
      const first: Array<PromiseClient.ProcessEvent> = []
      for await (const event of proc.events()) {
        first.push(event)
        break
      }
      const rest: Array<PromiseClient.ProcessEvent> = []
      for await (const event of proc.events()) rest.push(event)
      const all = [...first, ...rest]
      expect(all.map((event) => event.seq)).toEqual(all.map((_, i) => i + 1))
      expect(all.at(-1)?._tag).toBe("Closed")
      expect(all.flatMap((event) => event._tag === "Output" ? [text(event.bytes)] : []).join("")).toBe("a\nb\nc\n")
    }))

  it("aborting exec terminates the remote process and rejects with an AbortError", () =>
    withClient(async (client) => {
      const dir = mkdtempSync(Path.join(tmpdir(), "promise-client-"))
      try {
        const fifo = Path.join(dir, "pid")
        execFileSync("mkfifo", [fifo])
        const controller = new AbortController()
        const running = client.exec(["sh", "-c", `echo $$ > ${fifo}; exec sleep 30`], { env, signal: controller.signal })
        // Opening the fifo waits for the writer: the pid is there once the command runs.
        const pid = Number(
          await Promise.race([
            readFile(fifo, "utf8"),
            running.then(() => {
              throw new Error("exec ended before it wrote its pid")
            })
          ])
        )
        expect(isAlive(pid)).toBe(true)
        controller.abort()
        const error = await running.then(() => undefined, (error: unknown) => error)
        expect(error).toBeInstanceOf(PromiseClient.AbortError)
        expect((error as Error).name).toBe("AbortError")
        expect(PromiseClient.isClientError(error)).toBe(false)
        await expectGone(pid)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }))

  it("an exec whose signal is aborted already starts nothing", () =>
    withClient(async (client) => {
      const dir = mkdtempSync(Path.join(tmpdir(), "promise-client-"))
      try {
        const marker = Path.join(dir, "ran")
        await expect(client.exec(["touch", marker], { env, signal: AbortSignal.abort() })).rejects.toMatchObject({
          name: "AbortError"
        })
        // Had the first one been sent, it would have run by the time a later one has.
        expect((await client.exec(["true"], { env })).exitCode).toBe(0)
        expect(() => readFileSync(marker)).toThrow()
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }))

  it("aborting the signal of start terminates the process", () =>
    withClient(async (client) => {
      const controller = new AbortController()
      const proc = await client.start({ argv: PRINT_PID_AND_SLEEP, env, signal: controller.signal })
      const pid = await readPid(proc)
      controller.abort()
      await expectGone(pid)
      expect(await proc.exited).toMatchObject({ signal: "SIGTERM" })
    }))

  it("disposing a started process terminates it; a detached one keeps running", () =>
    withClient(async (client) => {
      const owned = await client.start({ argv: PRINT_PID_AND_SLEEP, env })
      const ownedPid = await readPid(owned)
      await owned[Symbol.asyncDispose]()
      await expectGone(ownedPid)
      expect(await owned.exited).toMatchObject({ signal: "SIGTERM" })

      const detached = await client.start({ argv: PRINT_PID_AND_SLEEP, env, detached: true })
      const detachedPid = await readPid(detached)
      await detached[Symbol.asyncDispose]()
      // Still answering for itself: the server reports it running after the dispose.
      const listed = await client.list()
      expect(listed.find((info) => info.processId === detached.processId)?.running).toBe(true)
      expect(isAlive(detachedPid)).toBe(true)
      await client.process(detached.processId).terminate({ mode: "force" })
      await expectGone(detachedPid)
      expect(await client.wait(detached.processId)).toMatchObject({ signal: "SIGKILL" })
    }))

  it("closing the client terminates the processes it started", async () => {
    const server = await start()
    const client = await PromiseClient.connect(server.url)
    const first = await client.start({ argv: PRINT_PID_AND_SLEEP, env })
    const second = await client.start({ argv: PRINT_PID_AND_SLEEP, env })
    const pids = [await readPid(first), await readPid(second)]
    await client[Symbol.asyncDispose]()
    for (const pid of pids) await expectGone(pid)
  })

  it("rejects with the client's tagged errors", () =>
    withClient(async (client) => {
      const error = await client.fs.readFile("/no/such/file").then(() => undefined, (error: unknown) => error)
      expect(error).toBeInstanceOf(Error)
      expect(PromiseClient.isClientError(error)).toBe(true)
      expect(PromiseClient.isClientError(error) && error._tag).toBe("ExecServer/PathNotFound")
      expect(PromiseClient.isClientError(new Error("plain"))).toBe(false)

      await expect(client.exec(["sleep", "5"], { env, timeout: 100 })).rejects.toMatchObject({ _tag: "ExecServer/ExecTimeout" })
      await expect(client.wait("no-such-process")).rejects.toMatchObject({ _tag: "ExecServer/UnknownProcess" })
    }))

  it("notifications(method) iterates the server's notifications of the method with for await, decoded and typed", () =>
    withClient(async (client) => {
      const proc = await client.start({ argv: ["sh", "-c", "while :; do echo tick; sleep 0.05; done"], env, cwd: "/tmp" })
      try {
        // The process writes until it is closed: the loop hears some of it, whenever it starts listening.
        for await (const output of client.notifications("process/output")) {
          expectTypeOf(output.chunk).toEqualTypeOf<Uint8Array>()
          expect(output).toMatchObject({ processId: proc.processId, stream: "stdout" })
          expect(output.seq).toBeGreaterThanOrEqual(1)
          expect(text(output.chunk)).toContain("tick")
          break
        }
      } finally {
        await proc.close()
      }
    }))

  it("fs methods and call go through the same session", () =>
    withClient(async (client) => {
      const dir = mkdtempSync(Path.join(tmpdir(), "promise-client-"))
      try {
        await client.fs.createDirectory(`${dir}/sub`)
        await client.fs.writeFile(`${dir}/sub/a.txt`, "contents")
        await client.fs.copy(`${dir}/sub/a.txt`, `${dir}/b.txt`)
        expect(text(await client.fs.readFile(`${dir}/b.txt`))).toBe("contents")
        expect((await client.fs.readDirectory(dir)).map((entry) => entry.fileName).sort()).toEqual(["b.txt", "sub"])
        expect(await client.fs.getMetadata(`${dir}/sub`)).toMatchObject({ isDirectory: true })
        await client.fs.remove(`${dir}/sub`, { recursive: true })
        expect(readFileSync(`${dir}/b.txt`, "utf8")).toBe("contents")
        const listed = await client.call("process/list", {})
        expect(Array.isArray(listed.processes)).toBe(true)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }))

  it("close() rejects later calls, and closing twice is harmless", async () => {
    const server = await start()
    const client = await PromiseClient.connect(server.url)
    expect(await client.list()).toEqual([])
    await client.close()
    await client.close()
    await expect(client.list()).rejects.toMatchObject({ _tag: "ExecServer/TransportClosed" })
    await expect(client.exec(["true"], { env })).rejects.toMatchObject({ _tag: "ExecServer/TransportClosed" })
    await expect(client.start({ argv: ["true"], env })).rejects.toMatchObject({ _tag: "ExecServer/TransportClosed" })
    await expect(client.fs.readFile("/etc/hostname")).rejects.toMatchObject({ _tag: "ExecServer/TransportClosed" })
  })
})

describe("PromiseClient.connect with a signal", () => {
  it("an abort during the handshake rejects and closes the connection", async () => {
    const silent = new WebSocketServer({ host: "127.0.0.1", port: 0 })
    try {
      await new Promise<void>((resolve) => silent.once("listening", resolve))
      const { port } = silent.address() as net.AddressInfo
      const controller = new AbortController()
      const socketClosed = new Promise<void>((resolve) => {
        silent.once("connection", (socket) => {
          // The initialize request arrived, and will never be answered.
          socket.once("message", () => controller.abort())
          socket.once("close", () => resolve())
        })
      })
      await expect(PromiseClient.connect(`ws://127.0.0.1:${port}`, { signal: controller.signal })).rejects.toMatchObject({
        name: "AbortError"
      })
      await socketClosed
    } finally {
      silent.close()
    }
  })

  it("an abort while the WebSocket upgrade goes unanswered rejects at once", async () => {
    const sockets: Array<net.Socket> = []
    const mute = net.createServer((socket) => sockets.push(socket))
    try {
      await new Promise<void>((resolve) => mute.listen(0, "127.0.0.1", resolve))
      const { port } = mute.address() as net.AddressInfo
      const controller = new AbortController()
      mute.once("connection", () => controller.abort())
      await expect(
        PromiseClient.connect(`ws://127.0.0.1:${port}`, { signal: controller.signal, connectTimeoutMs: 60_000 })
      ).rejects.toMatchObject({ name: "AbortError" })
    } finally {
      // The server's side of the unanswered upgrade.
      for (const socket of sockets) socket.destroy()
      mute.close()
    }
  })

  it("an aborted signal rejects before connecting", async () => {
    const reason = new Error("not now")
    const error = await PromiseClient.connect("ws://127.0.0.1:1", { signal: AbortSignal.abort(reason) }).then(
      () => undefined,
      (error: unknown) => error
    )
    expect(error).toMatchObject({ name: "AbortError", cause: reason })
  })

  it("a refused connection rejects with a tagged error", async () => {
    const closed = net.createServer()
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve))
    const { port } = closed.address() as net.AddressInfo
    await new Promise((resolve) => closed.close(resolve))
    await expect(PromiseClient.connect(`ws://127.0.0.1:${port}`)).rejects.toMatchObject({ _tag: "ExecServer/TransportClosed" })
  })
})

describe("PromiseClient: the reference's additions", () => {
  let upstream: import("node:http").Server
  let upstreamUrl = ""
  beforeAll(async () => {
    const Http = await import("node:http")
    upstream = Http.createServer((_request, response) => {
      response.write("a")
      setTimeout(() => response.end("b"), 10)
    })
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve))
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as net.AddressInfo).port}`
  })
  afterAll(() => {
    upstream.close()
  })

  it("environment, canonicalize, walk, watchMissing and http, as promises", async () => {
    const server = await start()
    const client = await PromiseClient.connect(server.url)
    const dir = mkdtempSync(Path.join(tmpdir(), "promise-parity-"))
    try {
      expect((await client.environment()).platformOs).toBe("linux")
      expect(await client.fs.canonicalize(`${dir}/.`)).toBe(Path.resolve(dir))
      await client.fs.writeFile(`${dir}/f`, "x")
      expect((await client.fs.walk(dir)).entries).toHaveLength(1)
      const watch = await client.fs.watchMissing([`${dir}/later`])
      expect(watch.watching).toBe(true)
      await client.fs.writeFile(`${dir}/later`, "")
      await watch.changed
      await watch.close()
      expect(text((await client.http.request({ url: upstreamUrl })).body)).toBe("ab")
      const streamed = await client.http.stream({ url: upstreamUrl })
      let body = ""
      for await (const chunk of streamed.body) body += text(chunk)
      expect([streamed.status, body]).toEqual([200, "ab"])
      await streamed.close()
    } finally {
      await client.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
