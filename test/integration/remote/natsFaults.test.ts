/**
 * An end of a stream that dies as a process, end to end on a real 3-node
 * NATS cluster: the built binary as the executor on one node, a client on
 * another (frames cross a route). The executor SIGKILLed, the command-line
 * client SIGKILLed, and a client that stops reading for 10 s while the
 * executor's heap is read through its inspector: a death is noticed within
 * two heartbeats, and what is kept stays bounded. A NATS node's faults
 * under a stream are natsNodeFaults.test.ts's, with the executor in process.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest"
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { Effect, Fiber, Stream } from "effect"
import { connect } from "@nats-io/transport-node"
import * as ClientTransport from "../../../src/client/ClientTransport.js"
import * as NatsConnector from "../../../src/remote/NatsConnector.js"
import * as Registry from "../../../src/remote/Registry.js"
import { isAlive, serverArgs } from "../../support/StdioServer.js"
import { natsClusterForTests, pollUntil } from "../../support/natsCluster.js"
import { CLIENT_NODE, env, EXECUTOR_NODE, MiB, natsClient, PEER_TIMEOUT_MS, report, SLACK_MS } from "../../support/natsFaults.js"
import { commOf, descendantsOf, schedulingOf } from "../../support/procfs.js"
import { INSPECTED, keptBytes } from "../../support/inspector.js"
import { type ExecutorProcess, processExited, startExecutorProcess } from "../../support/natsExecutor.js"

const nats = natsClusterForTests(3)
const { children } = nats
let dir: string

beforeAll(() => {
  dir = mkdtempSync(Path.join(tmpdir(), "nats-faults-"))
})
afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

const startExecutor = async (environmentId: string, env: Readonly<Record<string, string>> = {}): Promise<ExecutorProcess> => {
  const child = await startExecutorProcess(nats.cluster.nodes[EXECUTOR_NODE]!.url, environmentId, [], undefined, undefined, env)
  children.push(child)
  return child
}

const stopExecutor = async (executor: ExecutorProcess) => {
  executor.kill("SIGTERM")
  await processExited(executor)
}

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
        const c = yield* natsClient(nats.cluster, "dies")
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
  })

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
  })
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
