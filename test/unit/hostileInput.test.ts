/**
 * Property: whatever arrives on a connection, the server answers every
 * request with an id exactly once, answers nothing without an id (or with
 * -32700/-32600 for unparseable or malformed frames), and still serves a
 * valid request afterwards.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import * as TestConnection from "../../src/testing/TestConnection.js"
import * as TestServer from "../../src/testing/TestServer.js"
import * as TestSpawner from "../../src/testing/TestSpawner.js"

const methods = [
  "initialize",
  "initialized",
  "process/start",
  "process/write",
  "process/read",
  "process/terminate",
  "process/resize",
  "process/closeStdin",
  "process/signal",
  "process/list",
  "fs/readFile",
  "fs/getMetadata"
]

const deepNesting = fc.integer({ min: 1, max: 20_000 }).map((depth) => "[".repeat(depth) + "]".repeat(depth))

/** One hostile frame, and the id we gave it if it is a request. */
const hostileFrame = (id: number): fc.Arbitrary<{ readonly text: string; readonly id?: number }> =>
  fc.oneof(
    fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ text: Buffer.from(bytes).toString("latin1").replace(/\n/g, " ") })),
    fc.string({ maxLength: 200 }).map((text) => ({ text: text.replace(/\n/g, " ") })),
    fc.jsonValue({ maxDepth: 4 }).map((value) => ({ text: JSON.stringify(value) })),
    deepNesting.map((text) => ({ text })),
    fc.record({
      method: fc.oneof(fc.constantFrom(...methods), fc.string({ maxLength: 30 })),
      params: fc.oneof(
        fc.jsonValue({ maxDepth: 3 }),
        fc.record({ processId: fc.string(), argv: fc.anything(), cwd: fc.string(), env: fc.anything(), tty: fc.anything() }),
        fc.string({ minLength: 10_000, maxLength: 50_000 })
      )
    }).chain((request) =>
      fc.boolean().map((withId) =>
        withId ? { text: JSON.stringify({ id, ...request }), id } : { text: JSON.stringify(request) }
      )
    )
  )

describe("hostile input", () => {
  it.effect("never crashes, answers each id exactly once, and keeps serving", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make(TestSpawner.missingBinary)
      const frames = fc.sample(
        fc.array(fc.integer(), { minLength: 300, maxLength: 300 }).chain((seeds) =>
          fc.tuple(...seeds.map((_, i) => hostileFrame(1_000_000 + i)))
        ),
        { numRuns: 4, seed: 42 }
      )
      for (const run of frames) {
        const client = yield* TestConnection.makeWith(TestServer.layer({ spawner: spawner.layer }))
        for (const frame of run) yield* client.sendRaw(frame.text)
        // A valid request after the storm is still answered, and proves the storm was processed.
        const answered = yield* client.request("initialize", { clientName: "after" })
        expect(answered.id).toBeDefined()
        yield* client.notify("initialized", {})
        const list = yield* client.request("process/list", {})
        expect(list.error === undefined || list.error.code === -32600).toBe(true)

        const sentIds = run.flatMap((frame) => frame.id === undefined ? [] : [frame.id])
        const responses = client.received.filter((m): m is { id: unknown } =>
          typeof m === "object" && m !== null && !Array.isArray(m) && "id" in m
        )
        for (const id of sentIds) {
          expect(responses.filter((r) => r.id === id).length, `responses to id ${id}`).toBe(1)
        }
        // Everything else answered is an error about a frame we could not attribute to an id.
        for (const response of responses) {
          if (typeof response.id === "number" && response.id >= 1_000_000) continue
          if (response.id === null) {
            expect([-32700, -32600]).toContain((response as { error?: { code: number } }).error?.code)
          }
        }
        yield* client.close
      }
    }), { timeout: 120_000 })
})
