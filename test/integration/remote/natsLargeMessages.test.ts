/**
 * The executor's memory while it reassembles large messages at once, on a
 * real 1-node NATS cluster. A file of its own so that it runs alone
 * (vitest.config.ts): it measures the executor's peak resident size, and
 * 128 MiB reassembled on a machine that other files load ended its streams
 * (TransportClosed) in a run side by side.
 */
import { describe, expect, it } from "vitest"
import { Effect, Fiber, Option, Stream } from "effect"
import * as ClientTransport from "../../../src/client/ClientTransport.js"
import * as NatsConnector from "../../../src/remote/NatsConnector.js"
import { natsClusterForTests } from "../../support/natsCluster.js"
import { startExecutorProcess } from "../../support/natsExecutor.js"
import { peakRssOf, rssOf } from "../../support/procfs.js"

/** What 16 messages of 8 MiB reassembled at once may add to the executor's peak (the budget, the message that goes on, copies not yet collected). */
const NATS_PEAK_BOUND = 144 * 1024 * 1024
const nats = natsClusterForTests(1)
const { children } = nats

/** Starts the binary as the executor of `environmentId`; resolves once it says it serves. */
const startExecutor = async (environmentId: string, ...args: ReadonlyArray<string>) => {
  const child = await startExecutorProcess(nats.cluster.urls[0]!, environmentId, args, "exec-server serving nats://")
  children.push(child)
  return child
}

describe("exec-server --connect (executor mode): large messages", () => {
  it("bounds the memory of large messages reassembled at once: 16 messages of 8 MiB on 16 streams (--max-message-bytes 4 MiB) are answered -32600 with a peak far below their size, and a small request meanwhile", async () => {
    // None of the large messages' streams initializes: on a loaded machine, 128 MiB through NATS took longer than the
    // default 10 s handshake deadline, and the executor closed streams before their answer (what is measured here is memory).
    const executor = await startExecutor("cli-large", "--max-message-bytes", String(4 * 1024 * 1024), "--handshake-timeout-ms", "600000")
    const large = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "process/list", params: { pad: "x".repeat(8 * 1024 * 1024 - 100) } })
    const answers = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const connect = NatsConnector.make({ servers: nats.cluster.urls, environmentId: "cli-large" })
      const streams = yield* Effect.all(Array.from({ length: 16 }, () => connect), { concurrency: "unbounded" })
      const small = yield* connect
      const before = rssOf(executor.pid!)
      const firstAnswer = (transport: (typeof streams)[number]) =>
        Stream.runHead(ClientTransport.texts(transport)).pipe(Effect.map((text) => JSON.parse(Option.getOrThrow(text)) as { error?: { code: number } }))
      // Before the fork: Effect 4 starts a forked fiber at once.
      let lastLarge = 0
      const waiting = yield* Effect.forkChild(Effect.all(streams.map((transport) =>
        Effect.andThen(ClientTransport.send(transport, [large]), firstAnswer(transport)).pipe(Effect.tap(() => Effect.sync(() => (lastLarge = Date.now()))))
      ), { concurrency: "unbounded" }))
      // Messages that stay small never wait for the large ones.
      yield* ClientTransport.send(small, [JSON.stringify({ jsonrpc: "2.0", id: 7, method: "initialize", params: { clientName: "small" } })])
      const smallAnswer = yield* firstAnswer(small)
      const smallAnsweredAt = Date.now()
      const answers = yield* Fiber.join(waiting)
      return { answers, smallAnswer, smallAnsweredAt, lastLarge, peak: peakRssOf(executor.pid!) - before }
    })))
    expect(answers.answers.map((answer) => answer.error?.code)).toEqual(Array.from({ length: 16 }, () => -32600))
    expect(answers.smallAnswer).toMatchObject({ id: 7, result: { protocolVersion: "exec-server.v0" } })
    expect(answers.smallAnsweredAt).toBeLessThan(answers.lastLarge)
    // Every stream reassembled its message at once before: the peak was 218-229 MiB above where it was. Now 92-102 MiB;
    // 115-163 when a snapshot-started executor did not collect after each refused message (its `gc` was looked up too early).
    expect(answers.peak).toBeLessThan(NATS_PEAK_BOUND)
  }, 120_000)
})
