/**
 * A NATS node SIGKILLed, or SIGSTOPped for 10 s, in the middle of 20 MiB of
 * a child's output, end to end on a real 3-node NATS cluster: an executor
 * in the test's process on one node, a client on another (frames cross a
 * route). The stream layer carries everything once and in order, the exit
 * status, and the write in flight once. The executor's or the client's own
 * end as a process is natsFaults.test.ts's, on the binary.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { Effect, Fiber } from "effect"
import { type InProcessWebSocketServer, startInProcessExecutor } from "../../support/InProcessServer.js"
import { natsClusterForTests } from "../../support/natsCluster.js"
import { CLIENT_NODE, EXECUTOR_NODE, expectWhole, MiB, registryAnswers, report, streamThroughFault } from "../../support/natsFaults.js"

const nats = natsClusterForTests(3)
let dir: string
let file: string
let data: Buffer

beforeAll(() => {
  dir = mkdtempSync(Path.join(tmpdir(), "nats-node-faults-"))
  file = Path.join(dir, "twenty-mib")
  data = randomBytes(20 * MiB)
  writeFileSync(file, data)
})
afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

const startExecutor = (environmentId: string): Promise<InProcessWebSocketServer> =>
  startInProcessExecutor(nats.cluster.nodes[EXECUTOR_NODE]!.url, environmentId)

describe("a NATS node dies or stalls under a 20 MiB stream through the executor", () => {
  it.each([
    ["the executor's", EXECUTOR_NODE],
    ["the client's", CLIENT_NODE]
  ])("SIGKILL of %s node: every byte once and in order, the exit status, the write in flight applied once", async (_, node) => {
    const executor = await startExecutor(`kill-${node}`)
    try {
      const outcome = await streamThroughFault(nats.cluster, file, `kill-${node}`, (write) =>
        Effect.andThen(Effect.promise(() => nats.cluster.signal(node, "SIGKILL")), write))
      expectWhole(outcome, data)
      report(`SIGKILL of node ${node}`, { "write answered after ms": outcome.writtenAfterMs })
    } finally {
      await executor.stop()
      await nats.cluster.restart(node)
      await registryAnswers(nats.cluster)
    }
  }, 120_000)

  it.each([
    ["the executor's", EXECUTOR_NODE],
    ["the client's", CLIENT_NODE]
  ])("SIGSTOP of %s node for 10 s: every byte once and in order, the exit status, the write applied once", async (_, node) => {
    const executor = await startExecutor(`stop-${node}`)
    let answeredAfter = -1
    try {
      const outcome = await streamThroughFault(nats.cluster, file, `stop-${node}`, (write) =>
        Effect.gen(function*() {
          yield* Effect.promise(() => nats.cluster.signal(node, "SIGSTOP"))
          const stoppedAt = Date.now()
          // The write goes out while the node is stopped; the stream fails over meanwhile.
          const writing = yield* Effect.forkChild(Effect.map(write, () => Date.now() - stoppedAt))
          yield* Effect.sleep("10 seconds")
          yield* Effect.promise(() => nats.cluster.signal(node, "SIGCONT"))
          answeredAfter = yield* Fiber.join(writing)
        }))
      expectWhole(outcome, data)
      // Answered before the node continued: the stream failed over to another node.
      expect(answeredAfter).toBeLessThan(10_000)
      report(`SIGSTOP of node ${node}`, { "write answered after ms": answeredAfter })
    } finally {
      // A node stopped for 10 s may have lost its routes: they form again.
      await nats.cluster.signal(node, "SIGCONT").catch(() => undefined)
      await executor.stop()
      await nats.cluster.waitFormed(30_000)
      await registryAnswers(nats.cluster)
    }
  }, 120_000)
})
