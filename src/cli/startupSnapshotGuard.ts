/**
 * Imported first by each startup snapshot's entry (the server's and the
 * client's), before any other module is evaluated, to find what a snapshot
 * would not carry over: every draw of
 * secure randomness made while the modules load, and every listener they
 * add to `process`. What is drawn then is saved in the snapshot and would
 * be the same in every server started from it (`randomUUID`'s cached pool,
 * a library's random prefix for its ids), and listeners are dropped, so the
 * snapshot's build fails on either. `Math.random` is left alone: V8 reseeds
 * it when a snapshot starts, and what Effect draws from it while loading
 * (its default `Random`'s seed, hash codes of objects) is replaced at start
 * or harmless. The rehearsal (`startupSnapshotRehearsal.ts`) runs after the
 * modules load, with stand-ins for these draws (`whileRehearsing`).
 */
// The module object itself: a namespace import would be a frozen copy.
import crypto from "node:crypto"

/** A draw made while the snapshot's modules loaded: which function, and the stack that called it. */
export interface Draw {
  readonly source: string
  readonly stack: string
}

const draws: Array<Draw> = []
const listenersBefore = new Map(process.eventNames().map((event) => [event, process.listenerCount(event)]))
let recording = true
/** While the rehearsal runs: what stands in for each draw, counted so that stand-in ids differ. */
let rehearsing = false
let standIns = 0

type Fn = (...args: Array<never>) => unknown

/** Zeros in place of random bytes, in whatever view was given to fill. */
const zeroed = <V>(view: V): V => {
  if (ArrayBuffer.isView(view)) new Uint8Array(view.buffer, view.byteOffset, view.byteLength).fill(0)
  return view
}

/** A version 4 UUID that is obviously no draw, numbered. */
const standInUuid = (): string => `00000000-0000-4000-8000-${(++standIns).toString(16).padStart(12, "0")}`

/**
 * What a draw gives while the rehearsal runs, without reaching the source
 * (whose pool would be saved with the snapshot). The rehearsal's sessions
 * and files are its own and gone before the snapshot is taken.
 */
const standIn = (source: string, args: ReadonlyArray<unknown>): unknown => {
  switch (source) {
    case "crypto.randomUUID":
      return standInUuid()
    case "crypto.randomBytes": {
      const bytes = Buffer.alloc(Number(args[0]))
      const callback = args[1]
      if (typeof callback !== "function") return bytes
      process.nextTick(() => (callback as (error: null, bytes: Buffer) => void)(null, bytes))
      return undefined
    }
    case "crypto.randomFillSync":
    case "crypto.getRandomValues":
      return zeroed(args[0])
    default:
      // randomFill and randomInt: nothing the rehearsal runs draws them.
      throw new Error(`${source} was drawn while the startup snapshot's rehearsal ran: give it a stand-in in startupSnapshotGuard.ts`)
  }
}

// Wrapped in place rather than swapped back later: a module may have kept a
// reference to the wrapper, which must then draw as the original does.
const watch = <O extends object>(owner: O, key: keyof O & string, source: string): void => {
  const original = owner[key] as unknown as Fn
  if (typeof original !== "function") return
  const wrapper = function(this: unknown, ...args: Array<never>): unknown {
    if (rehearsing) return standIn(source, args)
    if (recording) {
      // Libraries lower the limit around their own throws; a draw may happen under one.
      const limit = Error.stackTraceLimit
      Error.stackTraceLimit = 12
      draws.push({ source, stack: new Error().stack ?? "" })
      Error.stackTraceLimit = limit
    }
    return original.apply(this, args)
  }
  Object.defineProperty(owner, key, { value: wrapper, writable: true, configurable: true })
}

for (const key of ["randomUUID", "randomBytes", "randomFillSync", "randomFill", "randomInt"] as const) {
  watch(crypto, key, `crypto.${key}`)
}
// Web Crypto's, which `crypto.getRandomValues` also reaches.
const webCrypto = Object.getPrototypeOf(crypto.webcrypto) as typeof crypto.webcrypto
watch(webCrypto, "getRandomValues", "crypto.getRandomValues")
watch(webCrypto, "randomUUID", "crypto.randomUUID")

/**
 * The events of `process` that gained listeners since the modules began to
 * load (while they loaded, or in the rehearsal). A snapshot keeps none of
 * them (an "exit" listener would even run at the end of the build), so each
 * would be missing in every server.
 */
export const processListenersAdded = (): ReadonlyArray<string | symbol> =>
  process.eventNames().filter((event) => process.listenerCount(event) > (listenersBefore.get(event) ?? 0))

/** Stops recording and hands over what was drawn while the modules loaded. */
export const drawsWhileLoading = (): ReadonlyArray<Draw> => {
  recording = false
  return draws
}

/** Fails the snapshot's build when randomness was drawn while its modules loaded (and stops recording). */
export const refuseDrawsWhileLoading = (): void => {
  const drawn = drawsWhileLoading()
  if (drawn.length > 0) {
    throw new Error(
      `randomness drawn while the snapshot's modules loaded would be the same in every process started from it:\n${
        drawn.map((draw) => `${draw.source}\n${draw.stack}`).join("\n")
      }`
    )
  }
}

/** Fails the snapshot's build when listeners were added to `process` (`when`: while its modules loaded, or by its rehearsal). */
export const refuseProcessListeners = (when: string): void => {
  const listened = processListenersAdded()
  if (listened.length > 0) {
    throw new Error(`listeners added to process ${when} would be missing in every process started from it: ${listened.map(String).join(", ")}`)
  }
}

/**
 * Runs the snapshot's rehearsal with stand-ins for secure randomness: what
 * it draws is neither recorded nor drawn from the sources.
 */
export const whileRehearsing = async <A>(rehearse: () => Promise<A>): Promise<A> => {
  rehearsing = true
  try {
    return await rehearse()
  } finally {
    rehearsing = false
  }
}
