/**
 * The client of `exec-server-holder` (native/holder.c): a process kept by a
 * holder of its own, which outlives whoever started it. `spawnAttached`
 * starts a holder (and its child) as this process's child, attached from
 * the start over a socketpair; `spawn` starts one to be attached later;
 * `attach` connects to one over its Unix socket, from any process of the
 * same user, and gives the child's output from a position on (read from the
 * holder's shared ring, or relayed), its exit, and its stdin, terminal size
 * and signals. process/HeldSpawner runs the server's processes on it with
 * `--keep-processes`. Its errors are in holderErrors.
 */
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as NodeChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import { constants } from "node:os"
import { nativeSpawner } from "../native/addon.js"
import { descriptorPath } from "../procfs/processes.js"
import { HolderConnectFailed, HolderDisconnected, HolderRefused, HolderSpawnFailed, HolderUnavailable } from "./holderErrors.js"
import * as Frames from "./holderFrames.js"
import { environmentBlock, HOLDER_PATH, holderArgv, type HolderSpawnOptions, type HolderStarted, parseStartLine } from "./holderStart.js"
import type { AttachOptions, HolderConnection, HolderEvent, HolderExit, StdinStatus } from "./holderConnection.js"

export * from "./holderConnection.js"
export * from "./holderErrors.js"
export * from "./holderStart.js"

/** A holder started attached, and its first connection. */
export interface HolderSpawnedAttached {
  readonly started: HolderStarted
  readonly connection: HolderConnection
}

/**
 * Starts a holder as this process's own child, already attached: its fd 3
 * is one end of a socketpair whose other end is this connection, so the
 * first byte needs no connect or HELLO, and the output is read from the
 * holder's ring (its memfd) rather than copied through the socket. The
 * holder leads a session of its own and outlives this process (it is then
 * reparented); it binds `socketPath` after the start, for later servers
 * (`connection.listening` says when). The scope's end detaches.
 */
export const spawnAttached = (
  options: HolderSpawnOptions,
  reading: Pick<AttachOptions, "onOutput"> = {}
): Effect.Effect<HolderSpawnedAttached, HolderSpawnFailed | HolderUnavailable, Scope.Scope> =>
  Effect.gen(function*() {
    const path = options.holderPath ?? HOLDER_PATH
    const started = yield* Effect.acquireRelease(
      Effect.try({
        try: () => {
          Fs.accessSync(path, Fs.constants.X_OK)
          const args = ["--connection-fd", "3", ...holderArgv(options)]
          const addon = nativeSpawner()
          if (addon !== undefined) {
            // The holder's own environment is empty: the child's comes on stdin. Its exit is reaped by the addon.
            const [pid, stdinFd, stdoutFd, stderrFd, connectionFd] = addon.spawn(path, [path, ...args], [], null, true, () => {}, null, true)
            Fs.closeSync(stdoutFd)
            Fs.closeSync(stderrFd)
            if (connectionFd === undefined || connectionFd < 0) {
              Fs.closeSync(stdinFd)
              process.kill(pid, "SIGKILL")
              throw new Error("the addon was built without connections")
            }
            try {
              Fs.writeSync(stdinFd, environmentBlock(options.env))
            } catch (error) {
              // The holder is gone already (its exit is reaped by the addon's watch).
              Fs.closeSync(connectionFd)
              throw error
            } finally {
              Fs.closeSync(stdinFd)
            }
            return { pid, socket: new Net.Socket({ fd: connectionFd, readable: true, writable: true }) }
          }
          // Node's own: fd 3 a socketpair of libuv's; Node reaps the holder.
          const child = NodeChildProcess.spawn(path, args, { detached: true, env: {}, stdio: ["pipe", "ignore", "ignore", "pipe"] })
          child.on("error", () => {})
          child.unref()
          child.stdin!.on("error", () => {})
          child.stdin!.end(environmentBlock(options.env))
          const socket = child.stdio[3] as Net.Socket
          if (child.pid === undefined) throw new Error("not started")
          return { pid: child.pid, socket }
        },
        catch: (error) => new HolderUnavailable({ message: `cannot start ${path}: ${(error as Error).message}` })
      }),
      ({ socket }) =>
        Effect.sync(() => {
          if (!socket.destroyed && socket.writable) socket.end(Frames.detach())
          socket.destroySoon()
        })
    )
    const connection = yield* connected(started.socket, reading, options.socketPath, true).pipe(
      Effect.mapError((error) => {
        const outcome = error._tag === "effect-exec-server/HolderRefused" && error.reason === "startFailed"
          ? parseStartLine(error.message, options.socketPath)
          : undefined
        return outcome === undefined || "holderPid" in outcome
          ? new HolderUnavailable({ message: `the holder did not start: ${error.message}` })
          : outcome
      })
    )
    return {
      started: { holderPid: started.pid, childPid: connection.childPid, socketPath: options.socketPath },
      connection
    }
  })

/** Events held for the consumer beyond which the socket stops being read (the holder then stops sending). */
const QUEUED_HIGH_BYTES = 4 * 1024 * 1024
const QUEUED_LOW_BYTES = 1024 * 1024
/**
 * Taken bytes acknowledged together: a quarter of the ring at most, so the
 * holder, which stops reading the child with a ring's worth outstanding,
 * always hears of progress before that.
 */
const ACK_EVERY_BYTES = 1024 * 1024

const connect = (socketPath: string): Effect.Effect<Net.Socket, HolderConnectFailed> =>
  Effect.callback<Net.Socket, HolderConnectFailed>((resume) => {
    const socket = Net.createConnection(socketPath)
    const onError = (error: Error) =>
      resume(Effect.fail(new HolderConnectFailed({ message: `cannot connect to ${socketPath}: ${error.message}`, socketPath })))
    socket.once("error", onError)
    socket.once("connect", () => {
      socket.off("error", onError)
      resume(Effect.succeed(socket))
    })
    return Effect.sync(() => socket.destroy())
  })

/**
 * Attaches to the holder at `socketPath`; the scope's end detaches (the
 * holder and its child go on, waiting for the next attach).
 */
export const attach = (
  socketPath: string,
  options: AttachOptions = {}
): Effect.Effect<HolderConnection, HolderConnectFailed | HolderRefused | HolderDisconnected, Scope.Scope> =>
  Effect.gen(function*() {
    const socket = yield* Effect.acquireRelease(connect(socketPath), (socket) =>
      Effect.sync(() => {
        if (!socket.destroyed && socket.writable) socket.end(Frames.detach())
        socket.destroySoon()
      }))
    return yield* connected(socket, options, socketPath)
  })

/**
 * Tells the holder at `socketPath` that no server will want its process
 * again (DONE, taking over from whoever is attached): it ends the child's
 * group if it is there, and exits. Nothing is awaited; a holder that is
 * gone already is no error.
 */
export const dismiss = (socketPath: string): void => {
  const socket = Net.createConnection(socketPath)
  socket.on("error", () => socket.destroy())
  socket.end(Buffer.concat([Frames.hello(0, true), Frames.done()]))
  socket.resume()
}

/** The shared ring, opened through /proc; undefined where it cannot be (or is not what the holder said). */
const openRing = (shared: { readonly holderPid: number; readonly ringFd: number }, ringBytes: number): number | undefined => {
  let fd: number | undefined
  try {
    fd = Fs.openSync(descriptorPath(shared.holderPid, shared.ringFd), "r")
    if (Fs.fstatSync(fd).size === ringBytes) return fd
  } catch {
    // No /proc, or not allowed: relayed instead.
  }
  if (fd !== undefined) Fs.closeSync(fd)
  return undefined
}

/**
 * The most bytes of one output event: what a pipe read gives the other
 * spawners, so that a kept process's output goes to clients in messages of
 * the same size (a relayed frame holds up to 256 KiB, and an older holder's
 * frame points at up to 1 MiB of its ring: one event of that size is a 1.4
 * MB message, which a client parses whole and the server holds whole).
 */
const EVENT_BYTES = 64 * 1024

/** The buffer `onOutput` chunks are read into: one for every connection, as the pipe spawner's. */
const SHARED_READ_BYTES = 1024 * 1024
let sharedReadBuffer: Buffer | undefined

/** Copies `length` bytes at `position` out of the ring (a file of `ringBytes`, wrapping), into `bytes` when given. */
const readRing = (fd: number, ringBytes: number, position: number, length: number, into?: Buffer): Buffer => {
  const bytes = into ?? Buffer.allocUnsafe(length)
  let done = 0
  while (done < length) {
    const at = (position + done) % ringBytes
    const got = Fs.readSync(fd, bytes, done, Math.min(length - done, ringBytes - at), at)
    if (got <= 0) throw new Error(`the ring ended at ${at}`)
    done += got
  }
  return bytes
}

const connected = (
  socket: Net.Socket,
  options: AttachOptions,
  socketPath: string,
  startedAttached = false
): Effect.Effect<HolderConnection, HolderRefused | HolderDisconnected> =>
  Effect.gen(function*() {
    const queue = yield* Queue.unbounded<HolderEvent, HolderDisconnected | HolderRefused | Cause.Done>()
    const welcome = Deferred.makeUnsafe<Extract<Frames.HolderFrame, { _tag: "Welcome" }>, HolderRefused | HolderDisconnected>()
    const exit = Deferred.makeUnsafe<HolderExit, HolderDisconnected | HolderRefused>()
    const results = new Map<number, Deferred.Deferred<Frames.ResultStatus, HolderDisconnected>>()
    let drained = Deferred.makeUnsafe<void, HolderDisconnected>()
    let nextId = 1
    let queuedBytes = 0
    let paused = false
    let finished = false
    let taken = options.from ?? 0
    let acked = taken
    const reader = new Frames.FrameReader()
    /** The shared ring's descriptor while output is read from it. */
    let ringFd: number | undefined
    let ringBytes = 0
    /** The ring could not be opened: the first OutputAt asks for bytes instead (RELAY). */
    let ringUnavailable = false
    /** RELAY sent: what comes before RELAYED is ignored. */
    let relaying = false
    /** One past the last position offered to the consumer. */
    let received = options.from ?? 0
    const listening = Deferred.makeUnsafe<void, HolderSpawnFailed | HolderDisconnected>()
    if (!startedAttached) Deferred.doneUnsafe(listening, Effect.void)
    const closeRing = () => {
      if (ringFd !== undefined) Fs.closeSync(ringFd)
      ringFd = undefined
    }

    // Whatever still waits fails; the events fail unless they were complete (Closed came).
    const end = (error: HolderDisconnected | HolderRefused) => {
      Deferred.doneUnsafe(welcome, Effect.fail(error))
      Deferred.doneUnsafe(exit, Effect.fail(error))
      const disconnected = error._tag === "effect-exec-server/HolderDisconnected"
        ? error
        : new HolderDisconnected({ message: error.message })
      for (const result of results.values()) Deferred.doneUnsafe(result, Effect.fail(disconnected))
      results.clear()
      Deferred.doneUnsafe(drained, Effect.fail(disconnected))
      Deferred.doneUnsafe(listening, Effect.fail(disconnected))
      if (!finished) Queue.failCauseUnsafe(queue, Cause.fail(error))
      finished = true
      socket.destroy()
    }
    const onOutput = options.onOutput
    let ackEvery = ACK_EVERY_BYTES
    /** A chunk to `onOutput`: taken once the call returns. */
    const handOver = (position: number, stream: Frames.HolderStream, bytes: Buffer) => {
      onOutput!(position, stream, bytes)
      received = taken = position + bytes.byteLength
      if (taken - acked >= ackEvery) {
        acked = taken
        socket.write(Frames.ack(taken))
      }
    }
    const offer = (event: HolderEvent) => {
      if (event._tag === "Output") received = event.position + event.bytes.byteLength
      else if (event._tag === "Lost") received = event.to
      if (event._tag === "Output") {
        queuedBytes += event.bytes.byteLength
        if (queuedBytes > QUEUED_HIGH_BYTES && !paused) {
          paused = true
          socket.pause()
        }
      }
      Queue.offerUnsafe(queue, event)
    }
    /** Output of `length` bytes at `position` as events of EVENT_BYTES at most, each piece's bytes from `piece`. */
    const offerOutput = (position: number, stream: Frames.HolderStream, length: number, piece: (at: number, length: number) => Buffer) => {
      for (let at = 0; at < length; at += EVENT_BYTES) {
        const size = Math.min(EVENT_BYTES, length - at)
        offer({ _tag: "Output", position: position + at, stream, bytes: piece(at, size) })
      }
    }
    socket.on("data", (chunk: Buffer) => {
      let frames: Array<Frames.HolderFrame>
      try {
        frames = reader.push(chunk)
      } catch (error) {
        end(new HolderDisconnected({ message: `the holder sent a bad frame: ${(error as Error).message}` }))
        return
      }
      for (const frame of frames) {
        switch (frame._tag) {
          case "Welcome":
            ackEvery = Math.max(1, Math.min(ACK_EVERY_BYTES, Math.floor(frame.ringBytes / 4)))
            if (frame.shared !== undefined) {
              ringBytes = frame.ringBytes
              ringFd = openRing(frame.shared, frame.ringBytes)
              // A holder with nothing more to send may have exited already: bytes are asked for only when pointed at.
              ringUnavailable = ringFd === undefined
            }
            Deferred.doneUnsafe(welcome, Effect.succeed(frame))
            break
          case "Relayed":
            relaying = false
            break
          case "Listening":
            Deferred.doneUnsafe(
              listening,
              frame.errno === 0 ? Effect.void : Effect.fail(
                new HolderSpawnFailed({
                  message: `cannot listen on ${socketPath}: errno ${frame.errno}`,
                  stage: "socket",
                  errno: errnoName(frame.errno),
                  path: socketPath,
                  exitStatus: 126
                })
              )
            )
            break
          case "OutputAt": {
            if (relaying) break
            if (ringFd === undefined) {
              if (ringUnavailable) {
                relaying = true
                socket.write(Frames.relay(received))
              }
              break
            }
            try {
              // Copied before it is acknowledged: until then the holder does not overwrite it.
              if (onOutput === undefined) {
                const fd = ringFd
                offerOutput(frame.position, frame.stream, frame.length, (at, length) => readRing(fd, ringBytes, frame.position + at, length))
              } else {
                const buffer = (sharedReadBuffer ??= Buffer.allocUnsafeSlow(SHARED_READ_BYTES))
                for (let at = 0; at < frame.length; at += SHARED_READ_BYTES) {
                  const length = Math.min(SHARED_READ_BYTES, frame.length - at)
                  handOver(frame.position + at, frame.stream, readRing(ringFd, ringBytes, frame.position + at, length, buffer.subarray(0, length)))
                }
              }
            } catch (error) {
              end(new HolderDisconnected({ message: `cannot read the holder's ring: ${(error as Error).message}` }))
              return
            }
            break
          }
          case "Output":
            if (relaying) break
            if (onOutput === undefined) {
              offerOutput(frame.position, frame.stream, frame.bytes.byteLength, (at, length) => frame.bytes.subarray(at, at + length))
            } else handOver(frame.position, frame.stream, frame.bytes)
            break
          case "Lost":
          case "Closed":
            if (relaying) break
            offer(frame)
            if (frame._tag === "Closed") {
              // The events are complete; the socket stays for the last acknowledgement and `done`.
              finished = true
              Queue.endUnsafe(queue)
              Deferred.doneUnsafe(exit, Effect.fail(new HolderDisconnected({ message: "closed without an exit" })))
            }
            break
          case "Exited": {
            if (relaying) break
            const event: HolderExit = {
              _tag: "Exited",
              code: frame.code,
              signal: frame.signal === null ? null : signalName(frame.signal),
              complete: frame.complete,
              end: frame.end
            }
            Deferred.doneUnsafe(exit, Effect.succeed(event))
            offer(event)
            break
          }
          case "Result": {
            const result = results.get(frame.id)
            results.delete(frame.id)
            if (result !== undefined) Deferred.doneUnsafe(result, Effect.succeed(frame.status))
            break
          }
          case "StdinDrained": {
            const previous = drained
            drained = Deferred.makeUnsafe()
            Deferred.doneUnsafe(previous, Effect.void)
            break
          }
          case "Refused":
            end(new HolderRefused({ message: frame.message, reason: frame.reason }))
            return
        }
      }
    })
    socket.on("error", () => {})
    const gone = Deferred.makeUnsafe<void>()
    socket.on("close", () => {
      closeRing()
      Deferred.doneUnsafe(gone, Effect.void)
      end(new HolderDisconnected({ message: "the holder's connection ended" }))
    })
    // A holder started attached is attached already: its WELCOME comes unasked.
    if (!startedAttached) socket.write(Frames.hello(options.from ?? 0, options.takeover ?? false, options.shared ?? true))
    const hello = yield* Deferred.await(welcome)
    if (hello.version !== Frames.HOLDER_VERSION) {
      end(new HolderRefused({ message: `holder version ${hello.version}`, reason: "version" }))
      return yield* new HolderRefused({ message: `holder version ${hello.version}`, reason: "version" })
    }

    const send = (frame: Buffer): boolean => {
      if (socket.destroyed || !socket.writable) return false
      socket.write(frame)
      return true
    }
    const request = (make: (id: number) => Buffer) =>
      Effect.suspend(() => {
        const id = nextId++ >>> 0
        const result = Deferred.makeUnsafe<Frames.ResultStatus, HolderDisconnected>()
        if (!send(make(id))) return Effect.fail(new HolderDisconnected({ message: "not connected" }))
        results.set(id, result)
        return Deferred.await(result)
      })
    // Each taken chunk is the consumer's: acknowledged when it caught up, or every ACK_EVERY_BYTES.
    const took = (event: HolderEvent) =>
      Effect.sync(() => {
        if (event._tag === "Output") {
          taken = event.position + event.bytes.byteLength
          queuedBytes -= event.bytes.byteLength
          if (paused && queuedBytes < QUEUED_LOW_BYTES) {
            paused = false
            socket.resume()
          }
        } else if (event._tag === "Lost") {
          taken = Math.max(taken, event.to)
        }
        // The exit and the end are acknowledged with all before them: the holder may then finish.
        if (taken > acked && (taken - acked >= ackEvery || event._tag === "Exited" || event._tag === "Closed")) {
          acked = taken
          send(Frames.ack(taken))
        }
      })

    const write = (bytes: Uint8Array): Effect.Effect<StdinStatus, HolderDisconnected> =>
      Effect.gen(function*() {
        let status: Frames.ResultStatus = "accepted"
        for (let at = 0; at < bytes.byteLength || at === 0; at += Frames.MAX_WRITE_BYTES) {
          const piece = bytes.subarray(at, at + Frames.MAX_WRITE_BYTES)
          status = yield* request((id) => Frames.write(id, piece))
          if (status !== "accepted" || bytes.byteLength === 0) break
        }
        return status === "groupGone" ? "stdinClosed" : status
      })

    return {
      childPid: hello.childPid,
      terminal: hello.terminal,
      oldest: hello.oldest,
      end: hello.end,
      ringBytes: hello.ringBytes,
      events: Stream.fromQueue(queue).pipe(Stream.tap(took)),
      write,
      closeStdin: Effect.map(request(Frames.closeStdin), (status) => status === "accepted" ? "accepted" : "stdinClosed"),
      stdinDrained: Effect.suspend(() => Deferred.await(drained)),
      resize: (rows, cols) =>
        send(Frames.resize(rows, cols)) ? Effect.void : Effect.fail(new HolderDisconnected({ message: "not connected" })),
      signal: (signal) =>
        Effect.map(
          request((id) => Frames.signal(id, signal === 0 ? 0 : constants.signals[signal])),
          (status) => status === "accepted"
        ),
      endOutput: Effect.suspend(() =>
        send(Frames.endOutput()) ? Effect.void : Effect.fail(new HolderDisconnected({ message: "not connected" }))
      ),
      exit: Deferred.await(exit),
      done: Effect.sync(() => {
        if (send(Frames.done())) socket.end()
      }),
      detach: Effect.sync(() => {
        if (send(Frames.detach())) socket.end()
      }),
      gone: Deferred.await(gone),
      listening: Deferred.await(listening),
      sharedRing: ringFd !== undefined
    } satisfies HolderConnection
  })

const signalNames = new Map<number, NodeJS.Signals>(
  Object.entries(constants.signals).map(([name, number]) => [number, name as NodeJS.Signals])
)
const signalName = (signal: number): NodeJS.Signals => signalNames.get(signal) ?? (`SIG${signal}` as NodeJS.Signals)
const errnoNames = new Map<number, string>(Object.entries(constants.errno).map(([name, number]) => [number, name]))
const errnoName = (errno: number): string => errnoNames.get(errno) ?? `E${errno}`
