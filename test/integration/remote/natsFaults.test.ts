/**
 * Faults end to end on a real 3-node NATS cluster: the built binary as the
 * executor on one node, a client on another (frames cross a route). The
 * NATS node of either is SIGKILLed, or SIGSTOPped for 10 s, in the middle of
 * 20 MiB of a child's output; the executor or the client process dies; a
 * client stops reading for 10 s. The stream layer carries everything once
 * and in order, and a death is noticed within two heartbeats.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest"
import { spawn } from "node:child_process"
import { createHash, randomBytes } from "node:crypto"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { Effect, Fiber, Result, Stream } from "effect"
import { connect } from "@nats-io/transport-node"
import * as ClientTransport from "../../../src/client/ClientTransport.js"
import type { ClientError } from "../../../src/client/ClientError.js"
import * as ExecServerClient from "../../../src/client/ExecServerClient.js"
import * as NatsConnector from "../../../src/remote/NatsConnector.js"
import * as Registry from "../../../src/remote/Registry.js"
import { isAlive, serverArgs } from "../../support/StdioServer.js"
import { natsClusterForTests, pollUntil } from "../../support/natsCluster.js"
import { commOf, descendantsOf, schedulingOf } from "../../support/procfs.js"
import { INSPECTED, keptBytes } from "../../support/inspector.js"
import { type ExecutorProcess, processExited, startExecutorProcess } from "../../support/natsExecutor.js"

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" }
const MiB = 1024 * 1024
/** The stream's default heartbeat, and the peer timeout of two of them. */
const HEARTBEAT_MS = 6_000
const PEER_TIMEOUT_MS = 2 * HEARTBEAT_MS
/** Room for a loaded machine (timers fire late) on top of a bound that the protocol sets. */
const SLACK_MS = 3_000

const nats = natsClusterForTests(3)
const EXECUTOR_NODE = 0
const CLIENT_NODE = 1
const { children } = nats
let dir: string
let file: string
let data: Buffer

beforeAll(() => {
  dir = mkdtempSync(Path.join(tmpdir(), "nats-faults-"))
  file = Path.join(dir, "twenty-mib")
  data = randomBytes(20 * MiB)
  writeFileSync(file, data)
})
afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

const startExecutor = async (environmentId: string, env: Readonly<Record<string, string>> = {}): Promise<ExecutorProcess> => {
  const child = await startExecutorProcess(nats.cluster.nodes[EXECUTOR_NODE]!.url, environmentId, [], undefined, undefined, env)
  children.push(child)
  return child
}

/**
 * Waits until the registry answers a listing promptly through the client's
 * node: after a node was killed or stopped, routes and the JetStream meta
 * leader come back before the registry's stream has a leader again.
 */
const registryAnswers = async () => {
  const nc = await connect({ servers: nats.cluster.nodes[CLIENT_NODE]!.url })
  try {
    await pollUntil("the registry to answer", async () => {
      const startedAt = Date.now()
      const answered = await Effect.runPromise(Effect.result(Registry.list(nc)))
      return Result.isSuccess(answered) && Date.now() - startedAt < 1_000
    }, 60_000, 200)
  } finally {
    await nc.close()
  }
}

const stopExecutor = async (executor: ExecutorProcess) => {
  executor.kill("SIGTERM")
  await processExited(executor)
}

/** A client pinned to the client's node (nats.js learns the others from it, and fails over to them). */
const client = (environmentId: string) =>
  ExecServerClient.make(
    NatsConnector.make({ servers: [nats.cluster.nodes[CLIENT_NODE]!.url], environmentId }),
    { reconnect: false }
  )

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

interface Outcome {
  readonly digest: string
  readonly bytes: number
  readonly seqGaps: number
  readonly exitCode: number | undefined
  readonly writtenAfterMs: number
}

/**
 * Runs `cat FILE; cat` on the executor and reads its output; once 4 MiB
 * arrived, `fault` hits a node and a write goes out while it does: the
 * output must be the file then the written line, once.
 */
const streamThroughFault = (
  environmentId: string,
  fault: (write: Effect.Effect<void, ClientError>) => Effect.Effect<void, ClientError>
) =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const c = yield* client(environmentId)
    const handle = yield* c.start({ argv: ["sh", "-c", `cat ${file}; cat`], env, pipeStdin: true })
    const hash = createHash("sha256")
    let bytes = 0
    let lastSeq = 0
    let seqGaps = 0
    let exitCode: number | undefined
    let faulted: Fiber.Fiber<number, unknown> | undefined
    const inFlight = Effect.gen(function*() {
      const startedAt = Date.now()
      yield* fault(Effect.asVoid(handle.write("written during the fault\n")))
      const writtenAfterMs = Date.now() - startedAt
      yield* handle.closeStdin
      return writtenAfterMs
    })
    yield* Stream.runForEach(handle.events, (event) =>
      Effect.gen(function*() {
        if (event.seq !== lastSeq + 1) seqGaps++
        lastSeq = event.seq
        if (event._tag === "Output") {
          hash.update(event.bytes)
          bytes += event.bytes.byteLength
          if (faulted === undefined && bytes >= 4 * MiB) faulted = yield* Effect.forkChild(inFlight)
        }
        if (event._tag === "Exited") exitCode = event.exitCode
      }))
    const writtenAfterMs = faulted === undefined ? -1 : yield* Fiber.join(faulted)
    return { digest: hash.digest("hex"), bytes, seqGaps, exitCode, writtenAfterMs } satisfies Outcome
  })))

/** Prints a test's figures (the fault tests' figures are reported in docs/PERFORMANCE.md). */
const report = (what: string, figures: Record<string, number>) =>
  console.log(`${what}: ${Object.entries(figures).map(([name, value]) => `${name} ${Math.round(value)}`).join(", ")}`)

const expectWhole = (outcome: Outcome) => {
  const expected = Buffer.concat([data, Buffer.from("written during the fault\n")])
  expect(outcome.bytes).toBe(expected.byteLength)
  expect(outcome.digest).toBe(sha256(expected))
  expect(outcome.seqGaps).toBe(0)
  expect(outcome.exitCode).toBe(0)
}

describe("a NATS node dies or stalls under a 20 MiB stream through the executor", () => {
  it.each([
    ["the executor's", EXECUTOR_NODE],
    ["the client's", CLIENT_NODE]
  ])("SIGKILL of %s node: every byte once and in order, the exit status, the write in flight applied once", async (_, node) => {
    const executor = await startExecutor(`kill-${node}`)
    try {
      const outcome = await streamThroughFault(`kill-${node}`, (write) =>
        Effect.andThen(Effect.promise(() => nats.cluster.signal(node, "SIGKILL")), write))
      expectWhole(outcome)
      report(`SIGKILL of node ${node}`, { "write answered after ms": outcome.writtenAfterMs })
    } finally {
      await stopExecutor(executor)
      await nats.cluster.restart(node)
      await registryAnswers()
    }
  }, 120_000)

  it.each([
    ["the executor's", EXECUTOR_NODE],
    ["the client's", CLIENT_NODE]
  ])("SIGSTOP of %s node for 10 s: every byte once and in order, the exit status, the write applied once", async (_, node) => {
    const executor = await startExecutor(`stop-${node}`)
    let answeredAfter = -1
    try {
      const outcome = await streamThroughFault(`stop-${node}`, (write) =>
        Effect.gen(function*() {
          yield* Effect.promise(() => nats.cluster.signal(node, "SIGSTOP"))
          const stoppedAt = Date.now()
          // The write goes out while the node is stopped; the stream fails over meanwhile.
          const writing = yield* Effect.forkChild(Effect.map(write, () => Date.now() - stoppedAt))
          yield* Effect.sleep("10 seconds")
          yield* Effect.promise(() => nats.cluster.signal(node, "SIGCONT"))
          answeredAfter = yield* Fiber.join(writing)
        }))
      expectWhole(outcome)
      // Answered before the node continued: the stream failed over to another node.
      expect(answeredAfter).toBeLessThan(10_000)
      report(`SIGSTOP of node ${node}`, { "write answered after ms": answeredAfter })
    } finally {
      // A node stopped for 10 s may have lost its routes: they form again.
      await nats.cluster.signal(node, "SIGCONT").catch(() => undefined)
      await stopExecutor(executor)
      await nats.cluster.waitFormed(30_000)
      await registryAnswers()
    }
  }, 120_000)
})

/** The command-line client running `sh` that writes its pid to a file then sleeps; resolves once the pid is known. */
const cliSleeper = async (environmentId: string, pidFile: string, ...flags: ReadonlyArray<string>) => {
  const url = `${nats.cluster.nodes[CLIENT_NODE]!.url}/${environmentId}`
  const child = spawn(process.execPath, serverArgs("exec", url, ...flags, "--", "sh", "-c", `echo $$ > ${pidFile}; exec sleep 300`), {
    stdio: ["pipe", "ignore", "ignore"]
  })
  children.push(child)
  await pollUntil("the command's pid", async () => existsSync(pidFile) && readFileSync(pidFile, "utf8").endsWith("\n"), 15_000)
  return { cli: child, pid: Number(readFileSync(pidFile, "utf8")) }
}

const connectionsClosed = (executor: ExecutorProcess) => executor.stderrText().split('message="connection closed"').length - 1

describe("an end of a stream dies", () => {
  it("the executor SIGKILLed: its client fails with TransportClosed within two heartbeats, and it leaves the listing within three registry heartbeats", async () => {
    // What was reached and when, printed if the test fails (a timeout says nothing of where it waited).
    const testStartedAt = Date.now()
    const phases: Array<string> = []
    const phase = (what: string) => phases.push(`${Date.now() - testStartedAt} ms: ${what}`)
    onTestFailed(() => console.log(`phases reached:\n${phases.join("\n")}`))
    const executor = await startExecutor("dies")
    phase("executor serving")
    const nc = await connect({ servers: nats.cluster.nodes[CLIENT_NODE]!.url })
    try {
      const listed = async () => (await Effect.runPromise(Registry.list(nc))).some((entry) => entry.record.id === "dies")
      expect(await listed()).toBe(true)
      phase("listed")
      const { failure, waitedMs, leftListingMs } = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
        const c = yield* client("dies")
        const sleeper = yield* c.start({ argv: ["sleep", "30"], env })
        phase("sleeper started")
        executor.kill("SIGKILL")
        const killedAt = Date.now()
        const listing = yield* Effect.forkChild(Effect.promise(async () => {
          await pollUntil("the dead executor to leave the listing", async () => !(await listed()), 15_000, 100)
          phase("left the listing")
          return Date.now() - killedAt
        }))
        const error = yield* Stream.runDrain(sleeper.events).pipe(Effect.flip)
        const waited = Date.now() - killedAt
        phase(`events failed: ${error._tag}`)
        return { failure: error, waitedMs: waited, leftListingMs: yield* Fiber.join(listing) }
      })))
      phase("client closed")
      expect(failure._tag).toBe("ExecServer/TransportClosed")
      expect(failure.message).toContain("nothing heard of the peer")
      expect(waitedMs).toBeLessThanOrEqual(PEER_TIMEOUT_MS + SLACK_MS)
      // Stale once its record is three registry heartbeats (2 s) old; its last write was before the kill.
      expect(leftListingMs).toBeLessThanOrEqual(3 * 2_000 + SLACK_MS)
      report("executor SIGKILLed", { "client failed after ms": waitedMs, "left the listing after ms": leftListingMs })
    } finally {
      await nc.close()
      await processExited(executor)
    }
  }, 90_000)

  it("the client process SIGKILLed: the executor drops the stream within two heartbeats and terminates its process", async () => {
    const executor = await startExecutor("client-dies")
    try {
      const { cli, pid } = await cliSleeper("client-dies", Path.join(dir, "sleeper-1.pid"))
      const closedBefore = connectionsClosed(executor)
      cli.kill("SIGKILL")
      const killedAt = Date.now()
      await pollUntil("the process to be terminated", async () => !isAlive(pid), PEER_TIMEOUT_MS + 10_000, 100)
      const terminatedAfter = Date.now() - killedAt
      expect(terminatedAfter).toBeLessThanOrEqual(PEER_TIMEOUT_MS + SLACK_MS)
      report("client SIGKILLed", { "its process terminated after ms": terminatedAfter })
      // The connection's end is logged once its processes are gone.
      await pollUntil("the executor to log the dropped connection", async () => connectionsClosed(executor) > closedBefore, 5_000)
      expect(connectionsClosed(executor), executor.stderrText()).toBe(closedBefore + 1)
    } finally {
      await stopExecutor(executor)
    }
  }, 60_000)

  it("the client process SIGKILLed with a detachable session: the stream dropped within two heartbeats, the process kept", async () => {
    const executor = await startExecutor("client-detaches")
    let pid = 0
    try {
      const started = await cliSleeper("client-detaches", Path.join(dir, "sleeper-2.pid"), "--detach-ttl-ms", "60000")
      pid = started.pid
      const closedBefore = connectionsClosed(executor)
      started.cli.kill("SIGKILL")
      const killedAt = Date.now()
      await pollUntil("the executor to drop the stream", async () => connectionsClosed(executor) > closedBefore, PEER_TIMEOUT_MS + 10_000, 100)
      const droppedAfter = Date.now() - killedAt
      expect(droppedAfter).toBeLessThanOrEqual(PEER_TIMEOUT_MS + SLACK_MS)
      report("client SIGKILLed, session detachable", { "stream dropped after ms": droppedAfter })
      expect(isAlive(pid)).toBe(true)
    } finally {
      await stopExecutor(executor)
      if (pid !== 0 && isAlive(pid)) process.kill(pid, "SIGKILL")
    }
  }, 60_000)
})

describe("a client that stops reading", () => {
  it("for 10 s while a child writes without end: the executor's memory stays bounded, then every line arrives in order", async () => {
    const executor = await startExecutor("slow-reader", INSPECTED)
    const kept = Effect.promise(() => keptBytes(executor.stderrText()))
    try {
      const figures = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
        const transport = yield* NatsConnector.make({ servers: [nats.cluster.nodes[CLIENT_NODE]!.url], environmentId: "slow-reader" })
        const pull = yield* Stream.toPull(ClientTransport.texts(transport))
        /** The next message from the executor, parsed (a batch of notifications comes as one message each). */
        const next = Effect.map(pull, (chunk) => [...chunk].map((text) => JSON.parse(text) as { id?: number; method?: string; params?: any }))
        const send = (message: unknown) => ClientTransport.send(transport, [JSON.stringify(message)])
        // What a pull brought beyond the message an `until` stopped at is the next one's: a
        // response and the first output can come in one pull, and none of it may be dropped.
        const unread: Array<{ id?: number; method?: string; params?: any }> = []
        const until = (predicate: (message: { id?: number; method?: string; params?: any }) => boolean, onEach: (message: any) => void = () => {}) =>
          Effect.gen(function*() {
            for (;;) {
              if (unread.length === 0) unread.push(...yield* next)
              const message = unread.shift()
              if (message === undefined) continue
              onEach(message)
              if (predicate(message)) return message
            }
          })
        const processStart = (processId: string, argv: ReadonlyArray<string>) => ({ processId, argv, cwd: "/tmp", env, tty: false, pipeStdin: false })
        yield* send({ id: 1, method: "initialize", params: { clientName: "slow-reader" } })
        yield* until((m) => m.id === 1)
        yield* send({ method: "initialized", params: {} })
        // A warm-up (16 MiB read at once) compiles the hot path: the bound is on what grows after.
        yield* send({ id: 2, method: "process/start", params: processStart("warm-up", ["head", "-c", String(16 * MiB), "/dev/zero"]) })
        yield* until((m) => m.method === "process/closed" && m.params.processId === "warm-up")
        const baseline = yield* kept
        yield* send({ id: 3, method: "process/start", params: processStart("flood", ["seq", "1", "1000000000"]) })
        yield* until((m) => m.id === 3)
        // Not read for 10 s: the stream's credit runs out, the server stops reading the child.
        const seq = descendantsOf(executor.pid!).find((pid) => commOf(pid) === "seq")
        let seqCpuAtHalf: number | undefined
        const stallStarted = Date.now()
        while (Date.now() - stallStarted < 10_000) {
          if (seqCpuAtHalf === undefined && Date.now() - stallStarted >= 5_000) seqCpuAtHalf = schedulingOf(seq ?? 0)?.cpuTicks
          yield* Effect.sleep("100 millis")
        }
        const seqCpuAtEnd = schedulingOf(seq ?? 0)?.cpuTicks
        const keptStalled = yield* kept
        // Then read on: the count goes on from 1 without a gap for another 64 MiB or so.
        let counted = 0
        let carry = ""
        let lastSeq = 0
        let outOfOrder = 0
        yield* until(() => counted >= 10_000_000, (m) => {
          if (m.method !== "process/output" || m.params.processId !== "flood") return
          if (m.params.seq !== lastSeq + 1) outOfOrder++
          lastSeq = m.params.seq
          const lines = (carry + Buffer.from(m.params.chunk, "base64").toString("latin1")).split("\n")
          carry = lines.pop()!
          for (const line of lines) {
            if (Number(line) !== counted + 1) throw new Error(`expected ${counted + 1}, got ${JSON.stringify(line.slice(0, 40))}`)
            counted++
          }
        })
        yield* send({ id: 4, method: "process/terminate", params: { processId: "flood" } })
        return { growth: keptStalled - baseline, counted, outOfOrder, seqCpuAtHalf, seqCpuAtEnd }
      })))
      expect(figures.outOfOrder).toBe(0)
      expect(figures.counted).toBeGreaterThanOrEqual(10_000_000)
      // Over the second half of the stall `seq` sat blocked on its full pipe: no CPU used.
      expect(figures.seqCpuAtHalf, "seq running half-way through the stall").toBeTypeOf("number")
      expect(figures.seqCpuAtEnd).toBe(figures.seqCpuAtHalf)
      // What it keeps at the end of the stall, after a full collection: the stream's window
      // (1 MiB) and the server's outbound high watermark (8 MiB) are what may fill (1.6-7.6 MiB
      // measured); unpaused, `seq` writes hundreds of MiB a second. (Its resident size, sampled
      // through the stall, held garbage too: 11-16 MiB of growth, by the machine's load.)
      expect(figures.growth).toBeLessThan(32 * MiB)
      report("client not reading for 10 s", { "executor kept growth KiB": figures.growth / 1024 })
    } finally {
      await stopExecutor(executor)
    }
  }, 90_000)
})
