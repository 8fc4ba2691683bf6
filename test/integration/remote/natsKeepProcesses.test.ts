/**
 * `--keep-processes` on a NATS executor (the built binary, a real 1-node
 * cluster): the executor restarted (SIGTERM, which leaves the processes) or
 * killed (SIGKILL) in the middle of a stream, a new executor of the same
 * environment started with the same state directory adopts the processes,
 * and the client library reconnects through NATS and resumes by itself:
 * every byte once, in order, then the exit.
 */
import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { Deferred, Effect, Fiber, Stream } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import * as ExecServerClient from "../../../src/client/ExecServerClient.js"
import * as ClientTransport from "../../../src/client/ClientTransport.js"
import * as NatsConnector from "../../../src/remote/NatsConnector.js"
import { useHolders } from "../../support/holders.js"
import { processesNaming } from "../../support/keptProcesses.js"
import { natsClusterForTests } from "../../support/natsCluster.js"
import { type ExecutorProcess, processExited, startExecutorProcess } from "../../support/natsExecutor.js"
import { useTempDirs } from "../../support/tempDirs.js"

const nats = natsClusterForTests(1)
const tempDir = useTempDirs("nats-keep-")
const holders = useHolders()
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" }
const SEQ_OUTPUT = execFileSync("seq", ["1", "1000000"], { maxBuffer: 64 * 1024 * 1024 })
/** What `seq 1 500000` writes. */
const HALF_BYTES = execFileSync("seq", ["1", "500000"], { maxBuffer: 64 * 1024 * 1024 }).length
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

const startExecutor = async (environmentId: string, stateDir: string): Promise<ExecutorProcess> => {
  const child = await startExecutorProcess(nats.cluster.urls[0]!, environmentId, [
    "--keep-processes",
    "--state-dir",
    stateDir,
    "--orphan-ttl-ms",
    "120000"
  ])
  nats.children.push(child)
  return child
}

/** Executors started by an upgrade, not by the tests. */
const replacements: Array<number> = []
afterEach(() => {
  for (const pid of replacements.splice(0)) {
    try {
      process.kill(pid, "SIGKILL")
    } catch {
      // Gone already.
    }
  }
})

describe("--keep-processes on a NATS executor", () => {
  const ways = [
    { how: "SIGTERM", tty: false, says: "restarted (SIGTERM, then a new one)" },
    { how: "SIGKILL", tty: true, says: "SIGKILLed (then a new one)" },
    { how: "SIGUSR2", tty: false, says: "upgraded (SIGUSR2: it starts the new one)" }
  ] as const
  for (const { how, says, tty } of ways) {
    it(`seq 1 1000000 through ${tty ? "a terminal" : "a pipe"}: the executor ${says} mid-stream, the client resumes on the next by itself, sha256 equal, exit 0`, async () => {
      const environmentId = `keep-${how.toLowerCase()}`
      const stateDir = Path.join(tempDir(), "state")
      const go = Path.join(tempDir(), "go")
      const first = await startExecutor(environmentId, stateDir)
      const reconnects: Array<ExecServerClient.ReconnectEvent["_tag"]> = []
      const result = await Effect.gen(function*() {
        const client = yield* ExecServerClient.make(NatsConnector.make({ servers: nats.cluster.urls, environmentId }), {
          detachTtlMs: 120_000,
          onReconnect: (event) => void reconnects.push(event._tag)
        })
        const halfOutput = yield* Deferred.make<void>()
        let received = 0
        const handle = yield* client.start({
          processId: "seq",
          // Half, then the rest once the executor is gone: it is written while no server is attached.
          // A terminal's output processing is off, so its bytes are seq's own.
          argv: ["sh", "-c", `${tty ? "stty -opost; " : ""}seq 1 500000; until [ -e ${go} ]; do sleep 0.05; done; exec seq 500001 1000000`],
          cwd: "/",
          env,
          tty
        })
        const collected = yield* handle.events.pipe(
          Stream.tap((event) => {
            if (event._tag === "Output") received += event.bytes.byteLength
            return received >= HALF_BYTES ? Deferred.succeed(halfOutput, undefined) : Effect.void
          }),
          Stream.runCollect,
          Effect.forkScoped
        )
        yield* Deferred.await(halfOutput)
        for (const { holder, pid } of processesNaming(stateDir)) if (holder) holders.push(pid)
        first.kill(how)
        yield* Effect.promise(() => processExited(first))
        Fs.writeFileSync(go, "")
        if (how === "SIGTERM") {
          expect(first.exitCode).toBe(0)
          expect(first.stderrText()).toMatch(/processes left to their holders/)
        }
        if (how === "SIGUSR2") {
          expect(first.exitCode).toBe(0)
          // The new executor is not the test's child: it is ended after the test.
          const servers = processesNaming(stateDir).filter((p) => !p.holder)
          expect(servers).toHaveLength(1)
          replacements.push(servers[0]!.pid)
        } else {
          yield* Effect.promise(() => startExecutor(environmentId, stateDir))
        }
        return [...yield* Fiber.join(collected)]
      }).pipe(Effect.scoped, Effect.runPromise)

      expect(result.some((event) => event._tag === "Gap")).toBe(false)
      const output = Buffer.concat(result.flatMap((event) => event._tag === "Output" ? [event.bytes] : []))
      expect(output.length).toBe(SEQ_OUTPUT.length)
      expect(sha256(output)).toBe(sha256(SEQ_OUTPUT))
      expect(result.find((event) => event._tag === "Exited")).toMatchObject({ exitCode: 0, signal: null })
      expect(result.at(-1)?._tag).toBe("Closed")
      // Each seq once, in order.
      result.forEach((event, index) => index > 0 && expect(event._tag === "Gap" ? -1 : event.seq).toBe((result[index - 1] as { seq: number }).seq + 1))
      // One drop, then attempts while no executor serves the environment (and the resume, unless the
      // stream had ended and the client closed before it was told); the client's own close is no drop.
      expect(reconnects[0]).toBe("Dropped")
      expect(reconnects.slice(1).every((tag) => tag === "AttemptFailed" || tag === "Resumed")).toBe(true)
    })
  }

  it("an executor with a WebSocket listener as well: SIGUSR2 hands both over, and the new server serves on each", async () => {
    const stateDir = Path.join(tempDir(), "state")
    const first = await startExecutorProcess(nats.cluster.urls[0]!, "keep-both", [
      "--listen",
      "ws://127.0.0.1:0",
      "--keep-processes",
      "--state-dir",
      stateDir
    ], "listening on ws://")
    nats.children.push(first)
    const url = /listening on (ws:\/\/[^\s]+)/.exec(first.stderrText())![1]!
    first.kill("SIGUSR2")
    await processExited(first)
    expect(first.exitCode).toBe(0)
    const servers = processesNaming(stateDir).filter((p) => !p.holder)
    expect(servers).toHaveLength(1)
    replacements.push(servers[0]!.pid)
    const echo = (connector: Parameters<typeof ExecServerClient.make>[0]) =>
      Effect.gen(function*() {
        const client = yield* ExecServerClient.make(connector)
        return Buffer.from((yield* client.exec(["echo", "served"], { env, cwd: "/" })).stdout).toString()
      }).pipe(Effect.scoped, Effect.runPromise)
    expect(await echo(NatsConnector.make({ servers: nats.cluster.urls, environmentId: "keep-both" }))).toBe("served\n")
    expect(await echo(ClientTransport.webSocket({ url }))).toBe("served\n")
  })
})
