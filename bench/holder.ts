/**
 * The holder against the server's own way of starting pipe children
 * (posix_spawn through the addon), rounds alternated on a busy machine:
 *   node --import tsx bench/holder.ts [ROUNDS]
 * - spawn: from the start call to the first byte of `echo x`, started
 *   attached (Holder.spawnAttached) and started directly;
 * - pipe: MB/s of `head -c 200M /dev/zero` read from the holder's shared
 *   ring into one buffer handed to `onOutput` (as the pipe spawner hands
 *   its reads), from the ring as owned buffers through `events`, relayed
 *   through its socket, and read by the addon from a pipe child of its own.
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Holder from "../src/holder/Holder.js"
import * as PosixSpawn from "../src/process/posixSpawn.js"

const rounds = Number(process.argv[2] ?? 7)
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" }
const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "holder-bench-"))
Fs.chmodSync(dir, 0o700)
let serial = 0

/**
 * Milliseconds from the start call to the first byte of `command`, and the
 * bytes read to the end: started attached (`Holder.spawnAttached`: output
 * read from the holder's ring), or started and then attached by name
 * (`Holder.spawn`, `Holder.attach`), with the ring shared or relayed.
 */
const throughHolder = (argv: ReadonlyArray<string>, mode: "attached" | "events" | "relayed" = "attached") =>
  Effect.scoped(Effect.gen(function*() {
    const socketPath = Path.join(dir, `h${serial++}.sock`)
    const startedAt = performance.now()
    const options = { socketPath, argv, env, ringBytes: 8 * 1024 * 1024 }
    let first = 0
    let bytes = 0
    const took = (chunk: Buffer) => {
      if (first === 0) first = performance.now() - startedAt
      bytes += chunk.byteLength
    }
    // "attached": each chunk to a callback from one shared buffer, as the pipe spawner's onOutput.
    const onOutput = mode === "attached" ? (_position: number, _stream: unknown, chunk: Buffer) => took(chunk) : undefined
    const connection = mode === "relayed"
      ? yield* Effect.flatMap(Holder.spawn(options), () => Holder.attach(socketPath, { shared: false }))
      : (yield* Holder.spawnAttached(options, { onOutput })).connection
    yield* Stream.runForEach(connection.events, (event) =>
      Effect.sync(() => {
        if (event._tag === "Output") took(event.bytes)
      }))
    return { first, bytes, ms: performance.now() - startedAt }
  }))

const direct = (argv: ReadonlyArray<string>) =>
  new Promise<{ first: number; bytes: number; ms: number }>((resolve) => {
    const startedAt = performance.now()
    let first = 0
    let bytes = 0
    const child = PosixSpawn.spawn({
      file: argv[0]!,
      argv,
      env,
      cwd: process.cwd(),
      pipeStdin: false,
      onOutput: (_stream, chunk) => {
        if (first === 0) first = performance.now() - startedAt
        bytes += chunk.byteLength
      }
    })
    child.on("close", () => resolve({ first, bytes, ms: performance.now() - startedAt }))
  })

const median = (values: Array<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

const main = async () => {
  const spawnHolder: Array<number> = []
  const spawnDirect: Array<number> = []
  const pipeHolder: Array<number> = []
  const pipeRelayed: Array<number> = []
  const pipeEvents: Array<number> = []
  const pipeDirect: Array<number> = []
  const big = ["head", "-c", `${200 * 1024 * 1024}`, "/dev/zero"]
  const rate = (run: { bytes: number; ms: number }) => run.bytes / 1e6 / (run.ms / 1000)
  console.log(`load average before: ${Os.loadavg().map((load) => load.toFixed(2)).join(" ")}`)
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < 10; i++) {
      spawnHolder.push((await Effect.runPromise(throughHolder(["echo", "x"]))).first)
      spawnDirect.push((await direct(["echo", "x"])).first)
    }
    pipeHolder.push(rate(await Effect.runPromise(throughHolder(big))))
    pipeDirect.push(rate(await direct(big)))
    pipeEvents.push(rate(await Effect.runPromise(throughHolder(big, "events"))))
    pipeRelayed.push(rate(await Effect.runPromise(throughHolder(big, "relayed"))))
  }
  const line = (name: string, holder: Array<number>, plain: Array<number>, unit: string) =>
    console.log(
      `${name}: holder ${median(holder).toFixed(2)} ${unit}, direct ${median(plain).toFixed(2)} ${unit}, ratio ${(median(holder) / median(plain)).toFixed(2)}`
    )
  line("echo x, start to first byte, started attached (median)", spawnHolder, spawnDirect, "ms")
  line("head -c 200M /dev/zero, from the ring to onOutput (median)", pipeHolder, pipeDirect, "MB/s")
  line("head -c 200M /dev/zero, from the ring as events (median)", pipeEvents, pipeDirect, "MB/s")
  line("head -c 200M /dev/zero, relayed (median)", pipeRelayed, pipeDirect, "MB/s")
  console.log(`load average after: ${Os.loadavg().map((load) => load.toFixed(2)).join(" ")}`)
  Fs.rmSync(dir, { recursive: true, force: true })
}
void main()
