/**
 * Testing with mocked Layers: the real handlers, dispatcher and process
 * actors, but a scripted spawner instead of real processes. This is the
 * shape of a unit test of your own handlers (see test/unit/handlers.test.ts).
 * Run: npx tsx scratch/test-with-mocks.ts
 */
import { Effect } from "effect"
import * as assert from "node:assert/strict"
import { TestConnection, TestServer, TestSpawner } from "../src/index.js"

const program = Effect.gen(function*() {
  // Children that answer every write with "ack:<input>" and exit 0 on SIGTERM.
  const spawner = yield* TestSpawner.make({
    onWrite: (child, bytes) => child.output(`ack:${Buffer.from(bytes).toString()}`)
  })
  const client = yield* TestConnection.makeWith(TestServer.layer({ spawner: spawner.layer }))
  yield* client.handshake
  const started = yield* client.request("process/start", {
    processId: "job",
    argv: ["any-program"],
    cwd: "/tmp",
    env: {},
    tty: false,
    pipeStdin: true
  })
  assert.deepEqual(started.result, { processId: "job", sandboxType: "none" })

  yield* client.request("process/write", { processId: "job", chunk: Buffer.from("ping").toString("base64") })
  const output = yield* client.nextNotification((n) => n.method === "process/output")
  assert.equal(Buffer.from(output.params.chunk!, "base64").toString(), "ack:ping")

  // The fake child records what the server did to it.
  const child = yield* spawner.nextChild
  assert.deepEqual(child.request.argv, ["any-program"])
  yield* client.request("process/terminate", { processId: "job" })
  assert.deepEqual(child.signals, ["SIGTERM"])
  const exited = yield* client.nextNotification((n) => n.method === "process/exited")
  console.log("exited:", exited.params)
})

Effect.runPromise(Effect.scoped(program)).then(
  () => console.log("mocked-layer test passed"),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
