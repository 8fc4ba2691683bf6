/**
 * What the NATS fault tests share (remote/natsFaults.test.ts, with the
 * executor as a process of its own, and remote/natsNodeFaults.test.ts, with
 * it in the test's process): the timings the stream protocol sets, a client
 * pinned to one node, the registry's readiness, and a 20 MiB stream run
 * through a fault. It starts no server.
 */
import { createHash } from "node:crypto"
import { Effect, Fiber, Result, Stream } from "effect"
import { connect } from "@nats-io/transport-node"
import { expect } from "vitest"
import type { ClientError } from "../../src/client/ClientError.js"
import * as ExecServerClient from "../../src/client/ExecServerClient.js"
import * as NatsConnector from "../../src/remote/NatsConnector.js"
import * as Registry from "../../src/remote/Registry.js"
import { type NatsCluster, pollUntil } from "./natsCluster.js"

export const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" }
export const MiB = 1024 * 1024
/** The stream's default heartbeat, and the peer timeout of two of them. */
export const HEARTBEAT_MS = 6_000
export const PEER_TIMEOUT_MS = 2 * HEARTBEAT_MS
/** Room for a loaded machine (timers fire late) on top of a bound that the protocol sets. */
export const SLACK_MS = 3_000

/** The cluster's node of the executor, and the client's (frames cross a route). */
export const EXECUTOR_NODE = 0
export const CLIENT_NODE = 1

/**
 * Waits until the registry answers a listing promptly through the client's
 * node: after a node was killed or stopped, routes and the JetStream meta
 * leader come back before the registry's stream has a leader again.
 */
export const registryAnswers = async (cluster: NatsCluster) => {
  const nc = await connect({ servers: cluster.nodes[CLIENT_NODE]!.url })
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

/** A client pinned to the client's node (nats.js learns the others from it, and fails over to them). */
export const natsClient = (cluster: NatsCluster, environmentId: string) =>
  ExecServerClient.make(
    NatsConnector.make({ servers: [cluster.nodes[CLIENT_NODE]!.url], environmentId }),
    { reconnect: false }
  )

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

export interface Outcome {
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
export const streamThroughFault = (
  cluster: NatsCluster,
  file: string,
  environmentId: string,
  fault: (write: Effect.Effect<void, ClientError>) => Effect.Effect<void, ClientError>
) =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const c = yield* natsClient(cluster, environmentId)
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
export const report = (what: string, figures: Record<string, number>) =>
  console.log(`${what}: ${Object.entries(figures).map(([name, value]) => `${name} ${Math.round(value)}`).join(", ")}`)

/** The file's bytes, then the line written during the fault, once, in order, and the exit status 0. */
export const expectWhole = (outcome: Outcome, data: Buffer) => {
  const expected = Buffer.concat([data, Buffer.from("written during the fault\n")])
  expect(outcome.bytes).toBe(expected.byteLength)
  expect(outcome.digest).toBe(sha256(expected))
  expect(outcome.seqGaps).toBe(0)
  expect(outcome.exitCode).toBe(0)
}
