/**
 * exec-server-holder (native/holder.c) and its client (src/holder/): real
 * children on pipes and terminals, kept by a holder that outlives whoever
 * started it, read again from any position by the next one to attach.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import { spawn as spawnProcess, spawnSync } from "node:child_process"
import { createHash, randomBytes } from "node:crypto"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Path from "node:path"
import * as Holder from "../../src/holder/Holder.js"
import * as Frames from "../../src/holder/holderFrames.js"
import { AS_NOBODY } from "../support/asNobody.js"
import { useTempDirs } from "../support/tempDirs.js"
import { useHolders } from "../support/holders.js"

const tempDir = useTempDirs("holder-")
const ENV = { PATH: process.env.PATH ?? "/usr/bin:/bin" }
const STARTER = new URL("../support/holderStarter.ts", import.meta.url).pathname
const ATTACHED_READER = new URL("../support/holderAttachedReader.ts", import.meta.url).pathname

/** Holders a test started: ended (SIGTERM: the holder ends its child's group) when it is over. */
const holders = useHolders()

/** A socket path in a fresh directory that is the test's alone. */
const socketIn = (): string => {
  const dir = tempDir()
  Fs.chmodSync(dir, 0o700)
  return Path.join(dir, "holder.sock")
}

const start = (options: Partial<Holder.HolderSpawnOptions> & Pick<Holder.HolderSpawnOptions, "argv">) =>
  Holder.spawn({ socketPath: socketIn(), env: ENV, orphanTtlMs: 60_000, ...options }).pipe(
    Effect.tap((started) => Effect.sync(() => void holders.push(started.holderPid)))
  )

interface Collected {
  readonly stdout: Buffer
  readonly stderr: Buffer
  readonly pty: Buffer
  /** Every byte in position order, whatever its stream. */
  readonly all: Buffer
  readonly lost: ReadonlyArray<{ readonly from: number; readonly to: number }>
  readonly exit: Holder.HolderExit | undefined
  readonly end: number | undefined
  /** Each event's position was where the previous one ended. */
  readonly contiguous: boolean
}

/** Takes every event of `connection` to Closed. */
const collect = (connection: Holder.HolderConnection, from = 0, onOutput?: (text: string) => void) =>
  Effect.gen(function*() {
    const parts: Record<Frames.HolderStream, Array<Buffer>> = { stdout: [], stderr: [], pty: [] }
    const all: Array<Buffer> = []
    const lost: Array<{ from: number; to: number }> = []
    let exit: Holder.HolderExit | undefined
    let end: number | undefined
    let next = from
    let contiguous = true
    yield* Stream.runForEach(connection.events, (event) =>
      Effect.sync(() => {
        switch (event._tag) {
          case "Output":
            contiguous &&= event.position === next
            next = event.position + event.bytes.byteLength
            parts[event.stream].push(Buffer.from(event.bytes))
            all.push(Buffer.from(event.bytes))
            onOutput?.(Buffer.concat(all).toString())
            return
          case "Lost":
            contiguous &&= event.from === next
            next = event.to
            lost.push({ from: event.from, to: event.to })
            return
          case "Exited":
            exit = event
            return
          case "Closed":
            contiguous &&= event.end === next
            end = event.end
        }
      }))
    return {
      stdout: Buffer.concat(parts.stdout),
      stderr: Buffer.concat(parts.stderr),
      pty: Buffer.concat(parts.pty),
      all: Buffer.concat(all),
      lost,
      exit,
      end,
      contiguous
    } satisfies Collected
  })

/** Whether `pid` is gone (or a zombie, which runs nothing). */
const processGone = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    const stat = Fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")
  } catch {
    // Gone, possibly between the two looks.
    return true
  }
}

/** Waits for `condition`, checking every 20 ms (a process of another's has no event to await). */
const until = (condition: () => boolean) =>
  Effect.gen(function*() {
    while (!condition()) yield* Effect.sleep("20 millis")
  })

/** A named pipe a child's script waits at (its shell command `wait`) until the test opens it (`open`). */
const fifoGate = (dir = tempDir()) => {
  const path = Path.join(dir, "gate")
  expect(spawnSync("mkfifo", [path]).status).toBe(0)
  return { wait: `read go < ${path}`, open: () => Fs.writeFileSync(path, "go\n") }
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

const seqOutput = (n: number): Buffer => {
  const lines: Array<string> = []
  for (let i = 1; i <= n; i++) lines.push(`${i}\n`)
  return Buffer.from(lines.join(""))
}


/**
 * A stand-in for a server (a script of test/support/ run by Node) that
 * starts a holder and reads it, to be SIGKILLed: `saidLine` waits for a
 * line of its stdout.
 */
const startStandIn = (script: string, args: ReadonlyArray<string>) => {
  const standIn = spawnProcess(process.execPath, ["--import", "tsx", script, ...args], { stdio: ["ignore", "pipe", "inherit"] })
  let said = ""
  const waiters: Array<() => void> = []
  standIn.stdout!.on("data", (chunk: Buffer) => {
    said += chunk.toString()
    for (const waiter of waiters) waiter()
  })
  /** Waits until the stand-in has said a line matching `pattern`; gives its match. */
  const saidLine = (pattern: RegExp) =>
    Effect.callback<RegExpExecArray>((resume) => {
      const check = () => {
        const match = pattern.exec(said)
        if (match !== null) resume(Effect.succeed(match))
      }
      waiters.push(check)
      check()
    })
  const kill = Effect.callback<void>((resume) => {
    if (standIn.exitCode !== null || standIn.signalCode !== null) return resume(Effect.void)
    standIn.once("exit", () => resume(Effect.void))
    standIn.kill("SIGKILL")
  })
  return { saidLine, kill }
}

/**
 * A server that started a holder attached (holderAttachedReader.ts), read
 * at least `tellAfter` bytes of its shared ring into `outFile`, and was
 * SIGKILLed: the holder's pid (ended after the test).
 */
const readAttachedThenKilled = (args: {
  readonly socketPath: string
  readonly ringBytes: number
  readonly outFile: string
  readonly tellAfter: number
  readonly terminal?: boolean
  readonly argv: ReadonlyArray<string>
}) =>
  Effect.gen(function*() {
    const reader = startStandIn(ATTACHED_READER, [
      args.socketPath,
      `${args.ringBytes}`,
      args.outFile,
      `${args.tellAfter}`,
      ...(args.terminal === true ? ["--terminal"] : []),
      "--",
      ...args.argv
    ])
    const [, holderPid] = (yield* reader.saidLine(/^started (\d+) (\d+) shared$/m)).map(Number) as [number, number]
    holders.push(holderPid)
    yield* reader.saidLine(/^listening$/m)
    yield* reader.saidLine(/^read \d+$/m)
    yield* reader.kill
    return holderPid
  })

describe("exec-server-holder", () => {
  it.live("keeps stdout and stderr apart and reports the exit code; then exits and removes its socket", () =>
    Effect.gen(function*() {
      const started = yield* start({ argv: ["sh", "-c", "echo a; echo b >&2; exit 3"] })
      expect(Fs.existsSync(started.socketPath)).toBe(true)
      const result = yield* Effect.scoped(Effect.gen(function*() {
        const connection = yield* Holder.attach(started.socketPath)
        expect(connection.childPid).toBe(started.childPid)
        expect(connection.terminal).toBe(false)
        const collected = yield* collect(connection)
        // Read to the end and acknowledged: the holder exits.
        yield* connection.gone
        return collected
      }))
      expect(result.stdout.toString()).toBe("a\n")
      expect(result.stderr.toString()).toBe("b\n")
      expect(result.exit).toMatchObject({ code: 3, signal: null, complete: true, end: 4 })
      expect(result.end).toBe(4)
      expect(result.contiguous).toBe(true)
      expect(Fs.existsSync(started.socketPath)).toBe(false)
      yield* until(() => processGone(started.holderPid))
    }))

  it.live("runs a child on a terminal of the size asked, and resizes it", () =>
    Effect.scoped(Effect.gen(function*() {
      const started = yield* start({
        argv: ["sh", "-c", "stty size; read line; stty size; printf 'end %s' \"$line\""],
        terminal: { rows: 30, cols: 100 }
      })
      const connection = yield* Holder.attach(started.socketPath)
      expect(connection.terminal).toBe(true)
      const sized = yield* Deferred.make<void>()
      const fiber = yield* Effect.forkChild(
        collect(connection, 0, (text) => text.includes("\n") && Deferred.doneUnsafe(sized, Effect.void))
      )
      yield* Deferred.await(sized)
      yield* connection.resize(40, 120)
      expect(yield* connection.write(Buffer.from("go\n"))).toBe("accepted")
      const result = yield* Fiber.join(fiber)
      const text = result.pty.toString()
      expect(text).toMatch(/^30 100\r\n/)
      expect(text).toContain("40 120\r\n")
      expect(text.endsWith("end go")).toBe(true)
      expect(result.stdout.length + result.stderr.length).toBe(0)
      expect(result.exit).toMatchObject({ code: 0, signal: null })
    })))

  it.live("carries 5 MiB of binary data through stdin and back out of cat unchanged", () =>
    Effect.scoped(Effect.gen(function*() {
      const input = randomBytes(5 * 1024 * 1024)
      // Held at a gate after cat: the late write below is answered before the holder can be done.
      const gate = fifoGate()
      const started = yield* start({ argv: ["sh", "-c", `cat; ${gate.wait}`], pipeStdin: true })
      const connection = yield* Holder.attach(started.socketPath)
      const fiber = yield* Effect.forkChild(collect(connection))
      expect(yield* connection.write(input)).toBe("accepted")
      expect(yield* connection.closeStdin).toBe("accepted")
      expect(yield* connection.write(Buffer.from("late"))).toBe("stdinClosed")
      gate.open()
      const result = yield* Fiber.join(fiber)
      expect(result.stdout.length).toBe(input.length)
      expect(sha256(result.stdout)).toBe(sha256(input))
      expect(result.exit).toMatchObject({ code: 0, complete: true })
    })))

  it.live("refuses stdin beyond its backlog while the child does not read, and says when it drained", () =>
    Effect.scoped(Effect.gen(function*() {
      const gate = fifoGate()
      const started = yield* start({
        argv: ["sh", "-c", `${gate.wait}; wc -c; echo done`],
        pipeStdin: true,
        stdinBacklogBytes: 1000
      })
      const connection = yield* Holder.attach(started.socketPath)
      const fiber = yield* Effect.forkChild(collect(connection))
      // More than a pipe holds: the rest waits in the holder's backlog.
      expect(yield* connection.write(Buffer.alloc(70_000, 120))).toBe("accepted")
      expect(yield* connection.write(Buffer.from("x"))).toBe("backlogFull")
      const drained = yield* Effect.forkChild(connection.stdinDrained)
      gate.open()
      yield* Fiber.join(drained)
      expect(yield* connection.write(Buffer.from("y"))).toBe("accepted")
      expect(yield* connection.closeStdin).toBe("accepted")
      const result = yield* Fiber.join(fiber)
      expect(result.stdout.toString().trim().split(/\s+/)).toEqual(["70001", "done"])
    })))

  it.live("signals the child's process group, and says when the group is gone", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = tempDir()
      const pidFile = Path.join(dir, "pid")
      const started = yield* start({ argv: ["sh", "-c", `echo started; sleep 300 & echo $! > ${pidFile}; wait`] })
      const connection = yield* Holder.attach(started.socketPath)
      yield* until(() => Fs.existsSync(pidFile) && Fs.readFileSync(pidFile, "utf8").endsWith("\n"))
      const sleeper = Number(Fs.readFileSync(pidFile, "utf8"))
      expect(yield* connection.signal(0)).toBe(true)
      expect(yield* connection.signal("SIGTERM")).toBe(true)
      const exit = yield* connection.exit
      expect(exit).toMatchObject({ code: null, signal: "SIGTERM" })
      // Reaped, not only a zombie: a group of zombies still takes signals.
      yield* until(() => !Fs.existsSync(`/proc/${sleeper}`))
      // Its output not yet taken, the holder waits for this reader.
      expect(yield* connection.signal("SIGKILL")).toBe(false)
      expect(yield* connection.signal(0)).toBe(false)
      const result = yield* collect(connection)
      expect(result.stdout.toString()).toBe("started\n")
    })))

  it.live("outlives the process that started it: the next reader gets every byte once, in order, and the exit", () =>
    Effect.gen(function*() {
      const socketPath = socketIn()
      // `seq 1 2000000`'s output, its second half held at a gate until the starter is dead.
      const gate = fifoGate()
      const script = `seq 1 1000000; ${gate.wait}; seq 1000001 2000000`
      const starter = startStandIn(STARTER, [socketPath, `${32 * 1024 * 1024}`, "--", "sh", "-c", script])
      const [, holderPid, childPid] = (yield* starter.saidLine(/^started (\d+) (\d+)$/m)).map(Number) as [number, number, number]
      holders.push(holderPid)
      yield* starter.saidLine(/^read \d+$/m)
      expect(processGone(childPid)).toBe(false)
      yield* starter.kill
      // The rest is written with nobody attached.
      gate.open()
      const result = yield* Effect.scoped(Effect.gen(function*() {
        const connection = yield* Holder.attach(socketPath)
        expect(connection.childPid).toBe(childPid)
        expect(connection.oldest).toBe(0)
        const collected = yield* collect(connection)
        yield* connection.gone
        return collected
      }))
      const expected = seqOutput(2_000_000)
      expect(result.lost).toEqual([])
      expect(result.contiguous).toBe(true)
      expect(result.stdout.length).toBe(expected.length)
      expect(sha256(result.stdout)).toBe(sha256(expected))
      expect(result.exit).toMatchObject({ code: 0, signal: null, end: expected.length })
      expect(Fs.existsSync(socketPath)).toBe(false)
    }))

  it.live("a reader attaching from a position gets the bytes from there on; past the end, only the exit", () =>
    Effect.gen(function*() {
      const started = yield* start({ argv: ["seq", "1", "1000"] })
      const another = yield* start({ argv: ["seq", "1", "1000"] })
      const expected = seqOutput(1000)
      yield* until(() => processGone(started.childPid) && processGone(another.childPid))
      const fromMiddle = yield* Effect.scoped(Effect.flatMap(Holder.attach(started.socketPath, { from: 1000 }), (connection) => collect(connection, 1000)))
      expect(fromMiddle.lost).toEqual([])
      expect(fromMiddle.contiguous).toBe(true)
      expect(fromMiddle.stdout.equals(expected.subarray(1000))).toBe(true)
      expect(fromMiddle.exit).toMatchObject({ code: 0, end: expected.length })
      const pastTheEnd = yield* Effect.scoped(
        Effect.flatMap(Holder.attach(another.socketPath, { from: 1_000_000 }), (connection) => collect(connection, expected.length))
      )
      expect(pastTheEnd.all.length).toBe(0)
      expect(pastTheEnd.exit).toMatchObject({ code: 0, end: expected.length })
      expect(pastTheEnd.end).toBe(expected.length)
    }))

  it.live("attached, a ring much smaller than the output loses nothing: the child waits for the reader", () =>
    Effect.scoped(Effect.gen(function*() {
      const started = yield* start({ argv: ["seq", "1", "200000"], ringBytes: 64 * 1024 })
      const connection = yield* Holder.attach(started.socketPath)
      const result = yield* collect(connection)
      expect(result.lost).toEqual([])
      expect(sha256(result.stdout)).toBe(sha256(seqOutput(200_000)))
    })))

  it.live("with no reader attached the ring keeps the newest bytes and reports exactly what it overwrote", () =>
    Effect.gen(function*() {
      const ringBytes = 64 * 1024
      const started = yield* start({ argv: ["seq", "1", "200000"], ringBytes })
      // Attached once and gone: from then on no reader holds the bytes back.
      yield* Effect.scoped(Holder.attach(started.socketPath))
      yield* until(() => processGone(started.childPid))
      const expected = seqOutput(200_000)
      // The child's pipe may still hold its last bytes, which a detached holder reads at its own pace.
      const endNow = Effect.scoped(Effect.map(Holder.attach(started.socketPath), (connection) => connection.end))
      while ((yield* endNow) < expected.length) yield* Effect.sleep("20 millis")
      const result = yield* Effect.scoped(Effect.gen(function*() {
        const connection = yield* Holder.attach(started.socketPath)
        expect(connection.end).toBe(expected.length)
        expect(connection.oldest).toBe(expected.length - ringBytes)
        return yield* collect(connection)
      }))
      expect(result.lost).toEqual([{ from: 0, to: expected.length - ringBytes }])
      expect(result.contiguous).toBe(true)
      expect(result.stdout.equals(expected.subarray(expected.length - ringBytes))).toBe(true)
      expect(result.exit).toMatchObject({ code: 0, end: expected.length })
    }))

  it.live("ends the child's process group when nobody attaches within the orphan TTL, and removes its socket", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const pidFile = Path.join(dir, "pid")
      const started = yield* start({
        argv: ["sh", "-c", `sleep 300 & echo $! > ${pidFile}; sleep 300`],
        orphanTtlMs: 300,
        killGraceMs: 500
      })
      yield* until(() => Fs.existsSync(pidFile) && Fs.readFileSync(pidFile, "utf8").endsWith("\n"))
      const grandchild = Number(Fs.readFileSync(pidFile, "utf8"))
      yield* until(() => processGone(started.holderPid))
      expect(processGone(started.childPid)).toBe(true)
      expect(processGone(grandchild)).toBe(true)
      expect(Fs.existsSync(started.socketPath)).toBe(false)
    }))

  it.live("serves the next attach after a malformed frame and after a peer gone mid-frame", () =>
    Effect.gen(function*() {
      const started = yield* start({ argv: ["echo", "hi"] })
      const raw = (bytes: Buffer, waitForClose: boolean) =>
        Effect.callback<Buffer>((resume) => {
          const socket = Net.createConnection(started.socketPath)
          const received: Array<Buffer> = []
          socket.on("data", (chunk) => received.push(chunk))
          socket.on("error", () => {})
          socket.on("close", () => resume(Effect.succeed(Buffer.concat(received))))
          socket.on("connect", () => {
            if (waitForClose) socket.write(bytes)
            else socket.end(bytes, () => socket.destroy())
          })
        })
      // A frame of an unknown type first: refused with ERROR, and that connection closed.
      const unknownType = Buffer.from([3, 0, 0, 0, 0x77, 1, 2])
      const answer = new Frames.FrameReader().push(yield* raw(unknownType, true))
      expect(answer).toEqual([{ _tag: "Refused", reason: "badFrame", message: "the first frame must be HELLO" }])
      // A length beyond any frame.
      const huge = Buffer.from([0xff, 0xff, 0xff, 0x7f, 0x01])
      expect(new Frames.FrameReader().push(yield* raw(huge, true))).toEqual([
        { _tag: "Refused", reason: "badFrame", message: "bad frame length" }
      ])
      // Half a HELLO, then gone.
      yield* raw(Frames.hello(0, false).subarray(0, 9), false)
      const result = yield* Effect.scoped(Effect.flatMap(Holder.attach(started.socketPath), (connection) => collect(connection)))
      expect(result.stdout.toString()).toBe("hi\n")
      expect(result.exit).toMatchObject({ code: 0 })
    }))

  it.live("one server at a time: a second is refused as busy, unless it takes over", () =>
    Effect.scoped(Effect.gen(function*() {
      const started = yield* start({ argv: ["sleep", "300"] })
      const first = yield* Holder.attach(started.socketPath)
      const busy = yield* Effect.exit(Effect.scoped(Holder.attach(started.socketPath)))
      expect(busy).toMatchObject(Exit.fail(new Holder.HolderRefused({ message: "another server is attached", reason: "busy" })))
      const second = yield* Holder.attach(started.socketPath, { takeover: true })
      const firstEvents = yield* Effect.exit(Stream.runDrain(first.events))
      expect(Exit.isFailure(firstEvents)).toBe(true)
      expect(yield* second.signal("SIGKILL")).toBe(true)
      expect((yield* second.exit).signal).toBe("SIGKILL")
    })))

  it.live("refuses a peer of another user even where the socket's modes would let it in, and its ring is not theirs to open", () =>
    Effect.gen(function*() {
      const started = yield* start({ argv: ["echo", "mine"] })
      // The directory and socket opened up: only the holder's own check is left.
      Fs.chmodSync(Path.dirname(started.socketPath), 0o755)
      Fs.chmodSync(started.socketPath, 0o777)
      const hello = Frames.hello(0, true).toString("hex")
      const script = "import socket,sys\n" +
        "s=socket.socket(socket.AF_UNIX,socket.SOCK_STREAM)\n" +
        "s.connect(sys.argv[1])\n" +
        "n=0\n" +
        "try:\n" +
        "  s.sendall(bytes.fromhex(sys.argv[2]))\n" +
        "  while True:\n" +
        "    d=s.recv(65536)\n" +
        "    if not d: break\n" +
        "    n+=len(d)\n" +
        "except (BrokenPipeError, ConnectionResetError):\n" +
        "  pass\n" +
        "print('received', n)\n"
      const asNobody = spawnSync(AS_NOBODY[0]!, [...AS_NOBODY.slice(1), "/usr/bin/python3", "-c", script, started.socketPath, hello], {
        encoding: "utf8",
        // Let in, it would wait for the output's end: a refusal ends it at once.
        timeout: 10_000
      })
      expect(asNobody.stderr).toBe("")
      expect(asNobody.stdout.trim()).toBe("received 0")
      // Nor can it open the output ring, the holder's memfd, through /proc.
      const fdDir = `/proc/${started.holderPid}/fd`
      const ringFd = Fs.readdirSync(fdDir).find((fd) => Fs.readlinkSync(`${fdDir}/${fd}`).startsWith("/memfd:exec-server-holder-ring"))
      expect(ringFd).toBeDefined()
      const ringAsNobody = spawnSync(AS_NOBODY[0]!, [...AS_NOBODY.slice(1), "/usr/bin/python3", "-c", "import sys\nopen(sys.argv[1],'rb').read(1)\nprint('opened')", `${fdDir}/${ringFd}`], {
        encoding: "utf8",
        timeout: 10_000
      })
      expect(ringAsNobody.stdout).toBe("")
      expect(ringAsNobody.stderr).toContain("PermissionError")
      const result = yield* Effect.scoped(Effect.flatMap(Holder.attach(started.socketPath), (connection) => collect(connection)))
      expect(result.stdout.toString()).toBe("mine\n")
    }))


  it.live("started attached: the first connection needs no HELLO, reads the output from the shared ring, and the socket is bound after", () =>
    Effect.gen(function*() {
      const socketPath = socketIn()
      const gate = fifoGate()
      const result = yield* Effect.scoped(Effect.gen(function*() {
        const { connection, started } = yield* Holder.spawnAttached({
          socketPath,
          argv: ["sh", "-c", `echo first; ${gate.wait}; echo second >&2; exit 5`],
          env: ENV,
          orphanTtlMs: 60_000
        })
        holders.push(started.holderPid)
        expect(started.childPid).toBe(connection.childPid)
        expect(connection.sharedRing).toBe(true)
        yield* connection.listening
        expect(Fs.existsSync(socketPath)).toBe(true)
        // The holder is this process's child, in a session of its own.
        const stat = Fs.readFileSync(`/proc/${started.holderPid}/stat`, "utf8")
        const [, parent, , session] = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
        expect(Number(parent)).toBe(process.pid)
        expect(Number(session)).toBe(started.holderPid)
        // A second server is refused while this one is attached.
        const busy = yield* Effect.exit(Effect.scoped(Holder.attach(socketPath)))
        expect(busy).toMatchObject(Exit.fail(new Holder.HolderRefused({ message: "another server is attached", reason: "busy" })))
        const fiber = yield* Effect.forkChild(collect(connection))
        gate.open()
        const collected = yield* Fiber.join(fiber)
        yield* connection.gone
        return collected
      }))
      expect(result.stdout.toString()).toBe("first\n")
      expect(result.stderr.toString()).toBe("second\n")
      expect(result.contiguous).toBe(true)
      expect(result.exit).toMatchObject({ code: 5, signal: null, end: 13 })
      expect(Fs.existsSync(socketPath)).toBe(false)
    }))

  it.live("started attached, a start failure comes back as the spawners report it", () =>
    Effect.gen(function*() {
      const socketPath = socketIn()
      const exit = yield* Effect.exit(Effect.scoped(Holder.spawnAttached({ socketPath, argv: ["no-such-program-anywhere"], env: ENV })))
      expect(exit).toMatchObject(Exit.fail(expect.objectContaining({ _tag: "effect-exec-server/HolderSpawnFailed", stage: "program", errno: "ENOENT", exitStatus: 127 })))
      expect(Fs.existsSync(socketPath)).toBe(false)
    }))

  it.live("a server SIGKILLed in the middle of 64 MiB: the next attach from where it stopped gets every byte once, in order", () =>
    Effect.gen(function*() {
      const socketPath = socketIn()
      const dir = tempDir()
      const outFile = Path.join(dir, "taken")
      const sumFile = Path.join(dir, "sum")
      // The second half waits at a gate opened once the server is dead: the kill falls in the middle.
      const gate = fifoGate(dir)
      const half = 32 * 1024 * 1024
      yield* readAttachedThenKilled({
        socketPath,
        // The whole output fits: with no server attached the holder reads on and keeps the newest ring's worth.
        ringBytes: 64 * 1024 * 1024,
        outFile,
        tellAfter: 4 * 1024 * 1024,
        argv: [
          "bash",
          "-c",
          `{ head -c ${half} /dev/urandom; ${gate.wait}; head -c ${half} /dev/urandom; } | tee >(sha256sum > ${sumFile})`
        ]
      })
      gate.open()
      const taken = Fs.readFileSync(outFile)
      expect(taken.length).toBeGreaterThanOrEqual(4 * 1024 * 1024)
      expect(taken.length).toBeLessThanOrEqual(half)
      const result = yield* Effect.scoped(Effect.gen(function*() {
        const connection = yield* Holder.attach(socketPath, { from: taken.length })
        expect(connection.sharedRing).toBe(true)
        const collected = yield* collect(connection, taken.length)
        yield* connection.gone
        return collected
      }))
      expect(result.lost).toEqual([])
      expect(result.contiguous).toBe(true)
      const whole = Buffer.concat([taken, result.stdout])
      expect(whole.length).toBe(64 * 1024 * 1024)
      expect(result.exit).toMatchObject({ code: 0, signal: null, end: whole.length })
      yield* until(() => Fs.existsSync(sumFile) && Fs.readFileSync(sumFile, "utf8").endsWith("\n"))
      expect(sha256(whole)).toBe(Fs.readFileSync(sumFile, "utf8").split(" ")[0])
    }))

  it.live("a terminal held across a SIGKILLed server: the child gets no SIGHUP, and typing after the adoption works", () =>
    Effect.gen(function*() {
      const socketPath = socketIn()
      const outFile = Path.join(tempDir(), "taken")
      yield* readAttachedThenKilled({
        socketPath,
        ringBytes: 1024 * 1024,
        outFile,
        tellAfter: "ready".length,
        terminal: true,
        argv: ["sh", "-c", "trap 'echo HUP; exit 9' HUP; echo ready; read line; echo \"got $line\""]
      })
      const taken = Fs.readFileSync(outFile)
      expect(taken.toString()).toContain("ready")
      const result = yield* Effect.scoped(Effect.gen(function*() {
        const connection = yield* Holder.attach(socketPath, { from: taken.length })
        expect(connection.terminal).toBe(true)
        expect(yield* connection.write(Buffer.from("hello\n"))).toBe("accepted")
        return yield* collect(connection, taken.length)
      }))
      const text = taken.toString() + result.pty.toString()
      expect(text).toContain("got hello")
      expect(text).not.toContain("HUP")
      expect(result.exit).toMatchObject({ code: 0, signal: null })
    }))

  it.live("the exit after an adoption: 0, 1, and the signal that ended the child", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [string, number | null, NodeJS.Signals | null]> = [
        ["exit 0", 0, null],
        ["exit 1", 1, null],
        ["kill -TERM $$", null, "SIGTERM"]
      ]
      for (const [command, code, signal] of cases) {
        const socketPath = socketIn()
        const dir = tempDir()
        const gate = fifoGate(dir)
        yield* readAttachedThenKilled({
          socketPath,
          ringBytes: 1024 * 1024,
          outFile: Path.join(dir, "taken"),
          tellAfter: 1,
          argv: ["sh", "-c", `echo up; ${gate.wait}; ${command}`]
        })
        // It exits with no server attached.
        gate.open()
        const result = yield* Effect.scoped(Effect.flatMap(Holder.attach(socketPath, { from: 3 }), (connection) => collect(connection, 3)))
        expect(result.exit).toMatchObject({ code, signal, end: 3 })
        expect(result.end).toBe(3)
      }
    }))


  it.live("a server that cannot open the ring asks for the bytes instead (RELAY), and gets them from where it was", () =>
    Effect.gen(function*() {
      const started = yield* start({ argv: ["seq", "1", "1000"] })
      yield* until(() => processGone(started.childPid))
      // HELLO asking for the ring, then RELAY from 100 as if /proc would not open: frames before RELAYED are to be ignored.
      const frames = yield* Effect.callback<Array<Frames.HolderFrame>>((resume) => {
        const socket = Net.createConnection(started.socketPath)
        const reader = new Frames.FrameReader()
        const got: Array<Frames.HolderFrame> = []
        socket.on("error", () => {})
        socket.on("data", (chunk) => {
          for (const frame of reader.push(chunk)) {
            got.push(frame)
            if (frame._tag === "Welcome") socket.write(Frames.relay(100))
            if (frame._tag === "Closed" && got.some((earlier) => earlier._tag === "Relayed")) {
              socket.end(Frames.ack(frame.end))
            }
          }
        })
        socket.on("close", () => resume(Effect.succeed(got)))
        socket.on("connect", () => socket.write(Frames.hello(0, false, true)))
      })
      const welcome = frames[0]
      expect(welcome).toMatchObject({ _tag: "Welcome", shared: { holderPid: started.holderPid } })
      const relayedAt = frames.findIndex((frame) => frame._tag === "Relayed")
      expect(frames[relayedAt]).toEqual({ _tag: "Relayed", from: 100 })
      const after = frames.slice(relayedAt + 1)
      const bytes = Buffer.concat(after.flatMap((frame) => frame._tag === "Output" ? [frame.bytes] : []))
      expect(bytes.equals(seqOutput(1000).subarray(100))).toBe(true)
      expect(after.map((frame) => frame._tag).filter((tag) => tag !== "Output")).toEqual(["Exited", "Closed"])
    }))


  it.live("onOutput: every chunk once, in order, from one shared buffer; the events carry the rest, the exit after the bytes", () =>
    Effect.gen(function*() {
      const socketPath = socketIn()
      const chunks: Array<Buffer> = []
      const views = new Set<ArrayBuffer>()
      let next = 0
      let contiguous = true
      const { result, views: seen } = yield* Effect.scoped(Effect.gen(function*() {
        const { connection, started } = yield* Holder.spawnAttached(
          { socketPath, argv: ["seq", "1", "300000"], env: ENV, orphanTtlMs: 60_000, ringBytes: 256 * 1024 },
          {
            onOutput: (position, stream, bytes) => {
              contiguous &&= position === next && stream === "stdout"
              next = position + bytes.byteLength
              views.add(bytes.buffer as ArrayBuffer)
              chunks.push(Buffer.from(bytes))
            }
          }
        )
        holders.push(started.holderPid)
        return { result: yield* collect(connection), views: views.size }
      }))
      expect(result.all.length).toBe(0)
      expect(contiguous).toBe(true)
      // A ring a fraction of the output: the holder waited for the acknowledgements, nothing was lost.
      expect(result.lost).toEqual([])
      expect(sha256(Buffer.concat(chunks))).toBe(sha256(seqOutput(300_000)))
      expect(seen).toBe(1)
      expect(result.exit).toMatchObject({ code: 0, end: seqOutput(300_000).length })
      expect(result.end).toBe(seqOutput(300_000).length)
    }))

  for (const shared of [true, false]) {
    it.live(`output events are 64 KiB at most, ${shared ? "read from the shared ring" : "relayed through the socket"}, and whole`, () =>
      Effect.gen(function*() {
        const started = yield* start({ argv: ["head", "-c", "3000000", "/dev/zero"] })
        const sizes = yield* Effect.scoped(Effect.gen(function*() {
          const connection = yield* Holder.attach(started.socketPath, { shared })
          expect(connection.sharedRing).toBe(shared)
          const events = yield* Stream.runCollect(connection.events)
          return [...events].flatMap((event) => event._tag === "Output" ? [event.bytes.byteLength] : [])
        }))
        expect(sizes.reduce((total, size) => total + size, 0)).toBe(3_000_000)
        expect(Math.max(...sizes)).toBeLessThanOrEqual(64 * 1024)
      }))
  }

  describe("start failures come back as the server's spawners report them", () => {
    const failure = (options: Partial<Holder.HolderSpawnOptions> & Pick<Holder.HolderSpawnOptions, "argv">) =>
      Effect.gen(function*() {
        const socketPath = socketIn()
        const exit = yield* Effect.exit(Holder.spawn({ socketPath, env: ENV, orphanTtlMs: 60_000, ...options }))
        // Nothing runs, and nothing is left behind.
        expect(Fs.existsSync(socketPath)).toBe(false)
        if (Exit.isSuccess(exit)) throw new Error(`started: ${JSON.stringify(exit.value)}`)
        const error = exit.cause.reasons[0]
        if (error?._tag !== "Fail" || error.error._tag !== "effect-exec-server/HolderSpawnFailed") {
          throw new Error(`not a spawn failure: ${String(exit.cause)}`)
        }
        return error.error
      })

    it.live("a missing program: not found, 127", () =>
      Effect.gen(function*() {
        const error = yield* failure({ argv: ["no-such-program-anywhere"] })
        expect(error).toMatchObject({ stage: "program", errno: "ENOENT", exitStatus: 127 })
        expect(Holder.spawnErrorOf(error)).toMatchObject({ _tag: "ExecServer/SpawnNotFound", missing: "program" })
      }))

    it.live("a file that is not executable: permission denied, 126", () =>
      Effect.gen(function*() {
        const file = Path.join(tempDir(), "script")
        Fs.writeFileSync(file, "echo hi\n", { mode: 0o644 })
        const error = yield* failure({ argv: [file] })
        expect(error).toMatchObject({ stage: "program", errno: "EACCES", path: file, exitStatus: 126 })
        expect(Holder.spawnErrorOf(error)).toMatchObject({ _tag: "ExecServer/InternalError", errno: "EACCES" })
      }))

    it.live("a script whose interpreter is missing: ENOENT, not the script's absence, 127", () =>
      Effect.gen(function*() {
        const file = Path.join(tempDir(), "script")
        Fs.writeFileSync(file, "#!/no/such/interpreter\necho hi\n", { mode: 0o755 })
        const error = yield* failure({ argv: [file] })
        expect(error).toMatchObject({ stage: "interpreter", errno: "ENOENT", exitStatus: 127 })
        expect(Holder.spawnErrorOf(error)).toMatchObject({ _tag: "ExecServer/InternalError", errno: "ENOENT" })
      }))

    it.live("a missing working directory: not found", () =>
      Effect.gen(function*() {
        const cwd = Path.join(tempDir(), "gone")
        const error = yield* failure({ argv: ["true"], cwd })
        expect(error).toMatchObject({ stage: "cwd", errno: "ENOENT", path: cwd, exitStatus: 126 })
        expect(Holder.spawnErrorOf(error)).toMatchObject({ _tag: "ExecServer/SpawnNotFound", missing: "cwd", path: cwd })
      }))

    it.live("a cgroup it cannot join: nothing runs", () =>
      Effect.gen(function*() {
        const marker = Path.join(tempDir(), "ran")
        const joinFile = Path.join(tempDir(), "missing", "cgroup.procs")
        const error = yield* failure({ argv: ["touch", marker], joinCgroups: [joinFile] })
        expect(error).toMatchObject({ stage: "cgroup", errno: "ENOENT", path: joinFile, exitStatus: 126 })
        expect(Fs.existsSync(marker)).toBe(false)
      }))
  })
})
