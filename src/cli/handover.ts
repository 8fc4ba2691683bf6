/**
 * A server with `--keep-processes` replaced by a new one (an upgrade): on
 * SIGUSR2 the server freezes its sessions (their processes paused, none
 * ended: they are the next server's); a NATS executor withdraws from its
 * environment (no more opens answered, its registry entry deleted, its
 * streams reset); it starts the binary again with an IPC channel and sends
 * it the WebSocket listener's socket, if it has one, then stops accepting
 * (attempts wait in the socket's backlog) and closes its connections with
 * 1012 ("service restart"). The new server adopts the kept processes,
 * accepts on the socket it was given (and claims the environment), and says
 * it serves; the old one exits. Clients reconnect and resume there.
 */
import { spawn } from "node:child_process"
import type * as Net from "node:net"
import * as Effect from "effect/Effect"
import type { ListenerHandover } from "../listeners/webSocketOptions.js"
import { SessionStore } from "../server/SessionStore.js"
import { announce } from "./runningServers.js"

/** In the replacing server's environment: it gets its listening socket over its IPC channel. */
const HANDOVER_VARIABLE = "EXEC_SERVER_HANDOVER"
/** Set by the launcher (`exec-server`): how to start the binary again. */
const LAUNCHER_VARIABLE = "EXEC_SERVER_LAUNCHER"
const LISTENING_MESSAGE = "exec-server/listening"
const SERVING_MESSAGE = "exec-server/serving"
/** How long a replacing server waits for its socket. */
const RECEIVE_TIMEOUT_MS = 30_000

/**
 * How this binary is started again: its launcher, else this Node with its
 * flags and script, or its startup snapshot (whose `--` ends Node's flags).
 * On every path argv is node, main.js, then the server's flags.
 */
const startedAgain = (launcher: string | undefined): ReadonlyArray<string> =>
  launcher !== undefined && launcher !== ""
    ? [launcher, ...process.argv.slice(2)]
    : process.execArgv.includes("--snapshot-blob")
    ? [process.execPath, ...process.execArgv, "--", ...process.argv.slice(2)]
    : [process.execPath, ...process.execArgv, ...process.argv.slice(1)]

/** Read once at start and kept from the processes' environment. */
let launcher: string | undefined

/** The server's start: what the environment says of a handover (and nothing of it for the server's children). */
export const takeHandoverEnvironment = (): boolean => {
  launcher = process.env[LAUNCHER_VARIABLE]
  delete process.env[LAUNCHER_VARIABLE]
  const replacing = process.env[HANDOVER_VARIABLE] === "1"
  delete process.env[HANDOVER_VARIABLE]
  return replacing && typeof process.send === "function"
}

/**
 * A replacing server's listening socket, from the server it replaces (none
 * for an executor without a WebSocket listener), once that one has let go
 * of what is the new server's; fails after a while without it.
 */
export const receiveListening: Effect.Effect<Net.Server | undefined, Error> = Effect.callback<Net.Server | undefined, Error>((resume) => {
  const onMessage = (message: unknown, handle: unknown) => {
    if (typeof message !== "object" || message === null || (message as { type?: unknown }).type !== LISTENING_MESSAGE) return
    cleanup()
    resume(Effect.succeed(handle === undefined ? undefined : holdingConnections(handle as Net.Server)))
  }
  const timer = setTimeout(() => {
    cleanup()
    resume(Effect.fail(new Error("no listening socket came from the server this one replaces")))
  }, RECEIVE_TIMEOUT_MS)
  const cleanup = () => {
    clearTimeout(timer)
    process.off("message", onMessage)
  }
  process.on("message", onMessage)
  return Effect.sync(cleanup)
})

/**
 * Node's IPC hands a listening socket over as a server that accepts at once:
 * the connections it accepts before the listener takes them (the adoption
 * comes first) are held, and given to the listener's own `connection`
 * handler once it has one.
 */
const holdingConnections = (server: Net.Server): Net.Server => {
  const held: Array<Net.Socket> = []
  // Not read meanwhile: what arrives waits in the socket until the handler reads it.
  const hold = (socket: Net.Socket) => void held.push(socket)
  server.on("connection", hold)
  const onNewListener = (event: string | symbol) => {
    if (event !== "connection") return
    server.off("newListener", onNewListener)
    server.off("connection", hold)
    // After the listener's handler is added (newListener comes before).
    setImmediate(() => {
      for (const socket of held.splice(0)) server.emit("connection", socket)
    })
  }
  server.on("newListener", onNewListener)
  return server
}

/** A replacing server accepts on its socket: the one it replaces may exit. */
export const announceServing = (): void => {
  process.send?.({ type: SERVING_MESSAGE }, undefined, {}, () => process.disconnect?.())
}

/** What a server hands over: its WebSocket listener's socket, its NATS environment. */
export interface HandedOver {
  readonly socket?: ListenerHandover | undefined
  /** The executor's withdrawal from its environment, before the new server claims it. */
  readonly withdraw?: Effect.Effect<void> | undefined
}

/** A SIGUSR2 that came before the server could hand over (it still had to listen). */
let signalledEarly = false
const markEarly = () => {
  signalledEarly = true
}

/**
 * From the server's start, a SIGUSR2 is held rather than ending the process
 * (its default): the handover starts as soon as the server can make it.
 */
export const holdSignalUntilReady = (): void => {
  process.on("SIGUSR2", markEarly)
}

/**
 * Replaces this server on SIGUSR2, for as long as the scope lives; says so
 * in the state directory (`exec-server restart` finds it there).
 */
export const handOverOnSignal = (handed: HandedOver, announced: { readonly stateDir: string; readonly url: string; readonly version: string }) =>
  Effect.gen(function*() {
    yield* announce(announced.stateDir, announced.url, announced.version)
    const store = yield* SessionStore
    const context = yield* Effect.context<never>()
    const { withdraw } = handed
    yield* onSignal({
      // Its sessions are the next server's from now: nothing more is read of their processes, and none is ended.
      freeze: store.freeze,
      socket: handed.socket,
      withdraw: withdraw === undefined ? () => Promise.resolve() : () => Effect.runPromiseWith(context)(withdraw),
      log: (level, message) => Effect.runForkWith(context)(Effect.logWithLevel(level)(message))
    })
  })

interface HandoverTarget {
  readonly freeze: () => void
  readonly socket: ListenerHandover | undefined
  readonly withdraw: () => Promise<void>
  readonly log: (level: "Info" | "Error", message: string) => void
}

const onSignal = (target: HandoverTarget) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      let started = false
      const onSignal = () => {
        if (started) return
        started = true
        target.freeze()
        const [file, ...args] = startedAgain(launcher)
        target.log("Info", "handing over to a new server")
        const next = spawn(file!, args, {
          stdio: ["ignore", "inherit", "inherit", "ipc"],
          env: { ...process.env, [HANDOVER_VARIABLE]: "1", ...(launcher === undefined ? {} : { [LAUNCHER_VARIABLE]: launcher }) },
          // Its own session: it outlives this one, whatever signals this one's group.
          detached: true
        })
        next.once("error", (error) => {
          target.log("Error", `the new server did not start: ${error.message}`)
          process.exit(1)
        })
        next.once("exit", (code, signal) => {
          target.log("Error", `the new server ended before it served (${signal ?? `exit ${code}`}); kept processes wait for the next one`)
          process.exit(1)
        })
        next.on("message", (message: unknown) => {
          if (typeof message !== "object" || message === null || (message as { type?: unknown }).type !== SERVING_MESSAGE) return
          target.log("Info", "the new server serves: exiting")
          // Not through the server's finalizers: they would end the sessions that are the new server's now.
          process.exit(0)
        })
        const send = (listening: Net.Server | undefined) =>
          new Promise<void>((resolve, reject) =>
            next.send({ type: LISTENING_MESSAGE }, listening, {}, (error) => error === null ? resolve() : reject(error))
          )
        void target.withdraw()
          .then(() => target.socket === undefined ? send(undefined) : target.socket(send))
          .catch((error: Error) => {
            target.log("Error", `the listening socket could not be handed over: ${error.message}`)
            next.kill("SIGKILL")
          })
      }
      process.on("SIGUSR2", onSignal)
      process.off("SIGUSR2", markEarly)
      if (signalledEarly) setImmediate(onSignal)
      return onSignal
    }),
    (onSignal) => Effect.sync(() => void process.off("SIGUSR2", onSignal))
  )
