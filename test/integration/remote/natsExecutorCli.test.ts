/**
 * The built binary in executor mode (`--connect nats://... --environment-id`)
 * on a real 1-node NATS cluster: the client library and the command-line
 * client reach it by id, and its death is a typed failure, not a hang.
 */
import { describe, expect, it } from "vitest"
import { execFile, spawn } from "node:child_process"
import * as Fs from "node:fs"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { Effect, Exit, Result, Scope, Stream } from "effect"
import * as Jose from "jose"
import * as ExecServerClient from "../../../src/client/ExecServerClient.js"
import { connect } from "@nats-io/transport-node"
import * as Frames from "../../../src/remote/frames.js"
import * as NatsConnector from "../../../src/remote/NatsConnector.js"
import * as NatsLink from "../../../src/remote/NatsLink.js"
import * as Registry from "../../../src/remote/Registry.js"
import { workspaceWrite } from "../../support/codexSandbox.js"
import { serverArgs } from "../../support/StdioServer.js"
import { natsClusterForTests, pollUntil } from "../../support/natsCluster.js"
import { processExited, startExecutorProcess } from "../../support/natsExecutor.js"

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" }
const nats = natsClusterForTests(1)
const { children } = nats

/** Starts the binary as the executor of `environmentId`; resolves once it says it serves (and `until` is on stderr too). */
const startExecutorSaying = async (environmentId: string, until: string, args: ReadonlyArray<string>) => {
  const child = await startExecutorProcess(nats.cluster.urls[0]!, environmentId, args, until)
  children.push(child)
  return child
}

const startExecutor = (environmentId: string, ...args: ReadonlyArray<string>) =>
  startExecutorSaying(environmentId, "exec-server serving nats://", args)

const exited = processExited

const client = (
  environmentId: string,
  options: ExecServerClient.ClientOptions = {},
  streamOptions: NatsConnector.NatsConnectorOptions["streamOptions"] = {}
) => ExecServerClient.make(NatsConnector.make({ servers: nats.cluster.urls, environmentId, streamOptions }), options)

/** Runs the command-line client; resolves with its exit code and output. */
const cli = (...args: ReadonlyArray<string>) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, serverArgs(...args), (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr }))
  })

describe("exec-server --connect (executor mode)", () => {
  it("130 silent opens (a stream that never sends a frame) hold no slot past --handshake-timeout-ms: a real client then runs a command", async () => {
    const executor = await startExecutor("cli-silent", "--handshake-timeout-ms", "1000")
    const raw = await connect({ servers: nats.cluster.urls[0]! })
    const answers = await Promise.all(Array.from({ length: 130 }, (_, index) =>
      raw.request(NatsLink.openSubject("cli-silent"), NatsLink.controlFrame("open", `silent-${index}`, ""), { timeout: 5000 })
        .then((reply) => Result.getOrThrow(Frames.decode(reply.data)).kind)))
    // 128 taken, the rest refused: the cap holds, and so would the slots, for ever, without the deadline.
    expect(answers.filter((kind) => kind === "open").length).toBe(128)
    expect(answers.filter((kind) => kind === "reset").length).toBe(2)
    // Refused while they hold every slot; served once the deadline has closed them (it never was before).
    let ran = await cli("exec", `${nats.cluster.urls[0]}/cli-silent`, "--", "echo", "served")
    for (const deadline = Date.now() + 10_000; ran.code !== 0 && Date.now() < deadline;) {
      expect(ran.stderr).toContain("serves 128 streams at most")
      await new Promise((resolve) => setTimeout(resolve, 200))
      ran = await cli("exec", `${nats.cluster.urls[0]}/cli-silent`, "--", "echo", "served")
    }
    expect(ran).toMatchObject({ code: 0, stdout: "served\n" })
    expect(executor.stderrText()).toContain("no initialize in time")
    await raw.close()
    executor.kill("SIGTERM")
    await exited(executor)
  })

  it("refuses one sender's opens beyond 256 at once (64 a second after), before their token is checked; another client is served meanwhile, and the log stays short", async () => {
    const dir = mkdtempSync(Path.join(tmpdir(), "cli-open-flood-"))
    try {
      const tokenFile = Path.join(dir, "token")
      writeFileSync(tokenFile, "flood-token\n")
      const executor = await startExecutor("cli-flood", "--ws-token-file", tokenFile)
      const raw = await connect({ servers: nats.cluster.urls[0]! })
      // 1000 opens without a token from one NATS connection, as fast as it can send them.
      const sentAt = Date.now()
      const answers = await Promise.all(Array.from({ length: 1000 }, (_, index) =>
        raw.request(NatsLink.openSubject("cli-flood"), NatsLink.controlFrame("open", `flood-${index}`, ""), { timeout: 10_000 })
          .then((reply) => new TextDecoder().decode(reply.data))))
      const floodSeconds = (Date.now() - sentAt) / 1000
      const unauthorized = answers.filter((answer) => answer.includes("unauthorized")).length
      const throttled = answers.filter((answer) => answer.includes("too many opens from this sender")).length
      expect(unauthorized + throttled).toBe(1000)
      // Let through to the token check: the burst, and at most what the bucket regained while the flood
      // lasted; every open past that was throttled. How many those are depends on how long the flood
      // took (a loaded machine let 502 through), so the bound is the flood's time, not a fixed count.
      expect(unauthorized).toBeGreaterThanOrEqual(256)
      expect(unauthorized, `${floodSeconds} s of flood`).toBeLessThanOrEqual(256 + Math.ceil(64 * floodSeconds))
      expect(await cli("exec", `${nats.cluster.urls[0]}/cli-flood`, "--token-file", tokenFile, "--", "echo", "served")).toMatchObject({ code: 0, stdout: "served\n" })
      // One sender's refusals: at most 20 lines logged.
      expect(executor.stderrText().split("\n").filter((line) => line.includes("remote stream refused")).length).toBeLessThanOrEqual(20)
      await raw.close()
      executor.kill("SIGTERM")
      await exited(executor)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("serves the client library by environment id", async () => {
    const executor = await startExecutor("cli-e1")
    const result = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const c = yield* client("cli-e1")
      return yield* c.exec(["echo", "hi"], { env, cwd: "/tmp" })
    })))
    expect(result.exitCode).toBe(0)
    expect(Buffer.from(result.stdout).toString()).toBe("hi\n")
    executor.kill("SIGTERM")
    await exited(executor)
  })

  it("the command-line client runs a command by nats:// URL; an unknown environment is a clear failure at once", async () => {
    const executor = await startExecutor("cli-e2")
    const ran = await cli("exec", `${nats.cluster.urls[0]}/cli-e2`, "--", "echo", "hi")
    expect(ran).toMatchObject({ code: 0, stdout: "hi\n" })
    const unknown = await cli("exec", `${nats.cluster.urls[0]}/no-such-env`, "--", "echo", "hi")
    expect(unknown.code).toBe(1)
    // Said on NATS's "no responders", which comes at once: waiting for an answer would end in
    // "did not answer within 5000 ms". (Timed, a CLI start included, it holds on a quiet machine only.)
    expect(unknown.stderr).toContain("no executor serves environment no-such-env")
    const listed = await cli("ps", `${nats.cluster.urls[0]}/cli-e2`)
    expect(listed.code).toBe(0)
    expect(listed.stdout).toContain("PROCESS")
    executor.kill("SIGTERM")
    await exited(executor)
  })

  it("stopping the executor ends a client's process with its status, then fails the client with TransportClosed, not a hang", async () => {
    const executor = await startExecutor("cli-e3")
    const { events, failure } = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const scope = yield* Scope.make()
      const c = yield* client("cli-e3", { reconnect: false }).pipe(Scope.provide(scope))
      const sleeper = yield* c.start({ argv: ["sleep", "30"], env }).pipe(Scope.provide(scope))
      executor.kill("SIGTERM")
      const events = yield* Stream.runCollect(sleeper.events)
      const error = yield* Effect.flip(Effect.repeat(c.list, { until: () => false }))
      yield* Scope.close(scope, Exit.void)
      return { events: [...events].map((event) => event._tag === "Exited" ? `Exited ${event.exitCode}` : event._tag), failure: error }
    })))
    expect(events).toEqual(["Exited 143", "Closed"])
    expect(failure._tag).toBe("ExecServer/TransportClosed")
    await exited(executor)
  })

  it("an executor SIGKILLed (no reset sent) fails a client with TransportClosed within two heartbeats (12 s)", async () => {
    const executor = await startExecutor("cli-e6")
    const { failure, waitedMs } = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const c = yield* client("cli-e6", { reconnect: false })
      // Outlives the check, not by long: a SIGKILLed executor leaves its children behind.
      const sleeper = yield* c.start({ argv: ["sleep", "20"], env })
      executor.kill("SIGKILL")
      const killedAt = Date.now()
      const error = yield* Stream.runDrain(sleeper.events).pipe(Effect.flip)
      return { failure: error, waitedMs: Date.now() - killedAt }
    })))
    expect(failure._tag).toBe("ExecServer/TransportClosed")
    expect(failure.message).toContain("nothing heard of the peer")
    // The peer timeout runs from the last frame heard, before the kill; the margin is a loaded machine's timers.
    expect(waitedMs).toBeLessThanOrEqual(12_000 + 5_000)
    await exited(executor)
  })

  it("a command left running by one CLI process is listed and killed by others, by session id", async () => {
    const executor = await startExecutor("cli-e4")
    const url = `${nats.cluster.urls[0]}/cli-e4`
    const started = await cli("exec", url, "--detach", "--process", "napper", "--", "sleep", "30")
    expect(started.code).toBe(0)
    const [session, processId] = started.stdout.trim().split(" ")
    expect(processId).toBe("napper")
    const listed = await cli("ps", url, "--session", session!)
    expect(listed).toMatchObject({ code: 0 })
    expect(listed.stdout).toMatch(/napper\s+\d+\s+running/)
    const killed = await cli("kill", url, "--session", session!, "napper")
    expect(killed).toMatchObject({ code: 0, stdout: "napper: terminated (SIGTERM)\n" })
    executor.kill("SIGTERM")
    await exited(executor)
  })

  it("with --listen too, serves a WebSocket and NATS at once", async () => {
    const executor = await startExecutorSaying("cli-e5", "exec-server listening on ws://", ["--listen", "ws://127.0.0.1:0"])
    const ws = /exec-server listening on (ws:\/\/\S+)/.exec(executor.stderrText())![1]!
    const overWs = await cli("exec", ws, "--", "echo", "over ws")
    const overNats = await cli("exec", `${nats.cluster.urls[0]}/cli-e5`, "--", "echo", "over nats")
    expect([overWs.stdout, overNats.stdout]).toEqual(["over ws\n", "over nats\n"])
    executor.kill("SIGTERM")
    await exited(executor)
  })

  it("with --ws-token-file, NATS streams need the token as a --listen ws:// listener does: --token-file works for both URLs", async () => {
    const dir = mkdtempSync(Path.join(tmpdir(), "cli-token-"))
    try {
      const tokenFile = Path.join(dir, "token")
      writeFileSync(tokenFile, "cli-capability-token\n")
      const wrongFile = Path.join(dir, "wrong")
      writeFileSync(wrongFile, "not-it\n")
      const executor = await startExecutorSaying("cli-auth", "exec-server listening on ws://", [
        "--listen", "ws://127.0.0.1:0", "--ws-token-file", tokenFile
      ])
      const ws = /exec-server listening on (ws:\/\/\S+)/.exec(executor.stderrText())![1]!
      const url = `${nats.cluster.urls[0]}/cli-auth`
      expect(await cli("exec", url, "--token-file", tokenFile, "--", "echo", "with token")).toMatchObject({ code: 0, stdout: "with token\n" })
      expect(await cli("exec", ws, "--token-file", tokenFile, "--", "echo", "over ws")).toMatchObject({ code: 0, stdout: "over ws\n" })
      const refused = await cli("exec", url, "--token-file", wrongFile, "--", "echo", "no")
      expect(refused).toMatchObject({ code: 1, stdout: "" })
      expect(refused.stderr).toContain("refused the stream: unauthorized: no or wrong bearer token")
      const without = await cli("exec", url, "--", "echo", "no")
      expect(without.code).toBe(1)
      expect(without.stderr).toContain("unauthorized: no or wrong bearer token")
      expect(executor.stderrText()).not.toContain("not-it")
      executor.kill("SIGTERM")
      await exited(executor)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("a sandboxed process with network cannot open streams to its executor: a tokenless one refuses such sandboxes, one with a token has a token it cannot read", async () => {
    const dir = Fs.realpathSync(mkdtempSync(Path.join(tmpdir(), "cli-sandboxed-")))
    // Where an escaped command writes: read-only to the sandbox (only the temporary directories are writable).
    const outside = Fs.realpathSync(mkdtempSync(Path.join(process.cwd(), ".cli-sandboxed-outside-")))
    try {
      const sandbox = workspaceWrite(dir, "enabled") as NonNullable<ExecServerClient.ClientOptions["sandbox"]>
      // From inside, the command-line client against the executor itself, as an escaping process would.
      const escape = (environmentId: string, ...args: ReadonlyArray<string>) =>
        [process.execPath, ...serverArgs("exec", `${nats.cluster.urls[0]}/${environmentId}`, ...args, "--", "sh", "-c", `echo escaped > ${outside}/${environmentId}`)]
      const tokenless = await startExecutor("cli-boxed-open")
      const refused = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
        const c = yield* client("cli-boxed-open")
        return yield* Effect.result(c.exec(escape("cli-boxed-open"), { env, cwd: dir, sandbox }))
      })))
      expect(Fs.readdirSync(outside)).toEqual([])
      expect(Result.isFailure(refused) && refused.failure.message).toMatch(/sandbox with network refused, nothing was run: this executor asks no token of its NATS streams/)
      // Without network the sandbox is allowed: nats-server is out of its reach.
      const offline = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
        const c = yield* client("cli-boxed-open")
        return yield* c.exec(escape("cli-boxed-open"), { env, cwd: dir, sandbox: workspaceWrite(dir) as NonNullable<ExecServerClient.ClientOptions["sandbox"]> })
      })))
      expect(offline.exitCode).not.toBe(0)
      expect(Fs.readdirSync(outside)).toEqual([])
      tokenless.kill("SIGTERM")
      await exited(tokenless)

      const tokenFile = Path.join(dir, "token")
      writeFileSync(tokenFile, "boxed-token\n")
      const guarded = await startExecutor("cli-boxed-token", "--ws-token-file", tokenFile)
      const tried = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
        const c = yield* ExecServerClient.make(NatsConnector.make({ servers: nats.cluster.urls, environmentId: "cli-boxed-token", token: "boxed-token" }))
        // It reads the token file first: the sandbox shows it empty, not a regular file.
        return yield* c.exec(["sh", "-c", `cat ${tokenFile}; "$@"`, "sh", ...escape("cli-boxed-token")], { env, cwd: dir, sandbox })
      })))
      expect(Buffer.from(tried.stdout).toString()).not.toContain("boxed-token")
      expect(tried.exitCode).toBe(1)
      expect(Buffer.from(tried.stderr).toString()).toContain("unauthorized: no or wrong bearer token")
      expect(Fs.readdirSync(outside)).toEqual([])
      guarded.kill("SIGTERM")
      await exited(guarded)
    } finally {
      rmSync(dir, { recursive: true, force: true })
      rmSync(outside, { recursive: true, force: true })
    }
  })

  it("with --ws-auth signed-bearer-token and no --listen, NATS streams need a valid JWT: an expired one is refused", async () => {
    const dir = mkdtempSync(Path.join(tmpdir(), "cli-jwt-"))
    try {
      const secret = "a shared secret of at least 32 bytes, for HS256"
      const secretFile = Path.join(dir, "secret")
      writeFileSync(secretFile, secret)
      const jwtFile = async (name: string, exp: number) => {
        const path = Path.join(dir, name)
        writeFileSync(path, await new Jose.SignJWT({ exp }).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(secret)))
        return path
      }
      const now = Math.floor(Date.now() / 1000)
      const executor = await startExecutor("cli-jwt", "--ws-auth", "signed-bearer-token", "--ws-shared-secret-file", secretFile)
      const url = `${nats.cluster.urls[0]}/cli-jwt`
      expect(await cli("exec", url, "--token-file", await jwtFile("valid", now + 300), "--", "echo", "signed")).toMatchObject({
        code: 0,
        stdout: "signed\n"
      })
      const expired = await cli("exec", url, "--token-file", await jwtFile("expired", now - 300), "--", "echo", "no")
      expect(expired.code).toBe(1)
      expect(expired.stderr).toContain("unauthorized: expired bearer token")
      // The executor's log lines wait up to 10 ms to be written together, and its pipe is read after the client's exit.
      await pollUntil("the executor to log the refusal", async () => executor.stderrText().includes("expired bearer token"), 5_000)
      executor.kill("SIGTERM")
      await exited(executor)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("registers its environment: `environments` lists it, a second executor of the id exits 2, a clean stop unlists it", async () => {
    const executor = await startExecutor("cli-reg", "--name", "build box")
    const listed = await cli("environments", "--connect", nats.cluster.urls[0]!, "--json")
    expect(listed.code).toBe(0)
    const records = JSON.parse(listed.stdout) as Array<{ readonly id: string; readonly name: string; readonly serverVersion: string }>
    expect(records.find((record) => record.id === "cli-reg")).toMatchObject({ name: "build box" })
    const table = await cli("environments", "--connect", nats.cluster.urls[0]!)
    expect(table.stdout).toMatch(/^ID\s+NAME/)
    expect(table.stdout).toContain("cli-reg")
    // The id is live: a second executor is refused at start, clearly, and serves nothing.
    const second = spawn(process.execPath, serverArgs("--connect", nats.cluster.urls[0]!, "--environment-id", "cli-reg"), {
      stdio: ["ignore", "ignore", "pipe"]
    })
    children.push(second)
    let secondStderr = ""
    second.stderr!.on("data", (chunk: Buffer) => (secondStderr += chunk.toString()))
    const code = await new Promise<number | null>((resolve) => second.once("exit", (exitCode) => resolve(exitCode)))
    expect(code).toBe(2)
    expect(secondStderr).toMatch(/cli-reg/)
    expect(secondStderr).not.toContain("exec-server serving")
    // The first still serves.
    expect(await cli("exec", `${nats.cluster.urls[0]}/cli-reg`, "--", "echo", "still")).toMatchObject({ code: 0, stdout: "still\n" })
    executor.kill("SIGTERM")
    await exited(executor)
    const after = await cli("environments", "--connect", nats.cluster.urls[0]!, "--json")
    expect((JSON.parse(after.stdout) as Array<{ readonly id: string }>).map((record) => record.id)).not.toContain("cli-reg")
  })

  it("an executor SIGKILLed leaves the listing once its record is 3 heartbeats (2 s each) old", async () => {
    const executor = await startExecutor("cli-gone")
    const nc = await connect({ servers: nats.cluster.urls[0]! })
    try {
      const listedIds = async () => (await Effect.runPromise(Registry.list(nc))).map((entry) => entry.record.id)
      expect(await listedIds()).toContain("cli-gone")
      executor.kill("SIGKILL")
      await exited(executor)
      const died = Date.now()
      await pollUntil("the dead executor to leave the listing", async () => !(await listedIds()).includes("cli-gone"), 9_000)
      // Stale once 3 heartbeats have passed since its last write, which was at most one heartbeat
      // before it died: gone 4 to 6 s after the death (a second of room for a loaded machine).
      expect(Date.now() - died).toBeLessThan(3 * 2_000 + 1_000)
    } finally {
      await nc.close()
    }
  })
})
