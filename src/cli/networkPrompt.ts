/**
 * `exec`'s side of the managed network proxy: the `networkProxy` its flags
 * ask for, the person at the terminal asked about a host no rule decides,
 * each decision said on stderr with `--verbose`, and without it each host
 * refused, once.
 *
 * The question is answered on the client's terminal, and the answer never
 * reaches the process's stdin. While the client forwards its terminal to
 * the process (attach.ts reads stdin as long as the process runs), a
 * second reader of the same terminal (`/dev/tty`) would race with it for
 * every key; so the forwarding hands the keys of an open question to the
 * asker instead (`TerminalInput.take`), and only once the local input has
 * ended is `/dev/tty` read directly.
 */
import * as Effect from "effect/Effect"
import * as Semaphore from "effect/Semaphore"
import * as Fs from "node:fs"
import * as Tty from "node:tty"
import type { NetworkProxyLaunch, PolicyDecision, PolicyDecisionNotification, PolicyRequestParams } from "../protocol/networkSchema.js"
import { managedNetwork, type PolicyDecider } from "../client/network.js"

/** How long a question waits for its answer; the server waits 5 s more, then denies. */
export const ASK_TIMEOUT_MS = 60_000

/** What `exec`'s network flags say. */
export interface NetworkFlags {
  readonly allowDomains: ReadonlyArray<string>
  readonly denyDomains: ReadonlyArray<string>
  readonly mode: "limited" | "full" | undefined
  /** `--ask-domains`: asked of the client even where nobody can answer (then denied). */
  readonly askDomains: boolean
  /** `--no-ask-domains`: never asked; the server denies unlisted hosts itself. */
  readonly noAskDomains: boolean
}

/** Whether a person can be asked here: stdin and stderr are both terminals. */
export const canPrompt = (): boolean => process.stdin.isTTY === true && process.stderr.isTTY === true

/** Whether the flags turn the managed proxy on. */
export const networkOn = (flags: NetworkFlags): boolean =>
  flags.allowDomains.length > 0 || flags.denyDomains.length > 0 || flags.mode !== undefined || flags.askDomains

/**
 * Whether unlisted hosts are asked of this client: by default when a
 * person can answer and the client stays to answer (not `--detach`).
 */
export const asksClient = (flags: NetworkFlags, detach: boolean): boolean =>
  !detach && !flags.noAskDomains && (flags.askDomains || canPrompt())

/** The start's `networkProxy`. */
export const networkProxyOf = (flags: NetworkFlags, asked: boolean): NetworkProxyLaunch =>
  managedNetwork({
    allow: flags.allowDomains,
    deny: flags.denyDomains,
    mode: flags.mode ?? "full",
    ...(asked ? { policyDecisionTimeoutMs: ASK_TIMEOUT_MS } : {})
  })

/** Whether the terminal is raw (a TTY process is attached): lines then need their `\r`. */
const rawTerminal = (): boolean => process.stdin.isTTY === true && process.stdin.isRaw

/** Writes a line on stderr, starting on a line of its own when the terminal is raw. */
const sayLine = (line: string) => process.stderr.write(rawTerminal() ? `\r\n${line}\r\n` : `${line}\n`)

/** A decision note as one line. */
export const describeDecision = (note: PolicyDecisionNotification): string =>
  `exec-server: network ${note.decision} ${note.protocol} ${note.host}:${note.port}` +
  `${note.method === undefined ? "" : ` ${note.method}`} (${note.source}: ${note.reason})`

/** Says a decision on stderr (`--verbose`). */
export const sayDecision = (note: PolicyDecisionNotification): void => {
  sayLine(describeDecision(note))
}

/** A host and port as a person writes them: an IPv6 address in brackets. */
const hostPort = (host: string, port: number): string => `${host.includes(":") ? `[${host}]` : host}:${port}`

/** A note's reason in words: `not_allowed` is `not allowed`; a reason of this client's without its `exec-server: `. */
const reasonWords = (reason: string): string => reason.replace(/^exec-server: /, "").replaceAll("_", " ")

/**
 * The teller of refusals without `--verbose`: the first one of each host
 * and port is said on stderr (`exec-server: denied example.com:443 (not
 * allowed)`), since a program often reports no more than a 403. Not those
 * the person answered at this terminal (`askedHere`): the question showed
 * them already.
 */
export const denialTeller = (askedHere: boolean): (note: PolicyDecisionNotification) => void => {
  const told = new Set<string>()
  return (note) => {
    if (note.decision === "allow" || (askedHere && note.source === "decider")) return
    const where = hostPort(note.host, note.port)
    if (told.has(where)) return
    told.add(where)
    sayLine(`exec-server: denied ${where} (${reasonWords(note.reason)})`)
  }
}

/** What attach.ts does with the local input while a question is open. */
export interface TerminalInput {
  /** A chunk of local input: the part an open question takes is removed; the rest goes to the process. */
  readonly take: (chunk: Buffer) => Buffer
  /** The local input ended: questions read `/dev/tty` from now on. */
  readonly ended: () => void
}

/** What the person said. */
export type Answer = "yes" | "no" | "none"

interface OpenQuestion {
  readonly bytes: Array<number>
  /** The line, or undefined for no answer (Ctrl-C, Ctrl-D, the input gone). */
  readonly answer: (line: string | undefined) => void
}

/** Asks the person at the terminal, one question at a time. */
export class TerminalAsker implements TerminalInput {
  private open: OpenQuestion | undefined
  private inputEnded = false

  readonly take = (chunk: Buffer): Buffer => {
    const question = this.open
    if (question === undefined) return chunk
    const echo = rawTerminal()
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!
      if (byte === 0x0d || byte === 0x0a) {
        if (echo) process.stderr.write("\r\n")
        // A CR LF pair is one end of line.
        const rest = byte === 0x0d && chunk[i + 1] === 0x0a ? i + 2 : i + 1
        this.close(Buffer.from(question.bytes).toString("utf8"))
        return chunk.subarray(rest)
      }
      if (byte === 0x03 || byte === 0x04) {
        if (echo) process.stderr.write("\r\n")
        this.close(undefined)
        return chunk.subarray(i + 1)
      }
      if (byte === 0x7f || byte === 0x08) {
        if (question.bytes.length > 0) {
          question.bytes.pop()
          if (echo) process.stderr.write("\b \b")
        }
        continue
      }
      // The terminal echoes what it was given in cooked mode; in raw mode, the asker does.
      if (byte >= 0x20) {
        question.bytes.push(byte)
        if (echo) process.stderr.write(Buffer.from([byte]))
      }
    }
    return Buffer.alloc(0)
  }

  readonly ended = (): void => {
    this.inputEnded = true
    this.readDevTty()
  }

  private close(line: string | undefined) {
    const question = this.open
    this.open = undefined
    question?.answer(line)
  }

  /** Reads an open question's answer from `/dev/tty`, once nobody else reads the terminal. */
  private readDevTty() {
    if (this.open === undefined || !this.inputEnded) return
    let stream: Tty.ReadStream
    try {
      stream = new Tty.ReadStream(Fs.openSync("/dev/tty", "r"))
    } catch {
      return this.close(undefined)
    }
    const question = this.open
    const done = () => stream.destroy()
    this.open = {
      bytes: question.bytes,
      answer: (line) => {
        done()
        question.answer(line)
      }
    }
    stream.on("data", (chunk: Buffer) => void this.take(chunk))
    stream.on("end", () => this.close(undefined))
    stream.on("error", () => this.close(undefined))
  }

  /**
   * Asks `question` (on stderr) and reads a line: `yes` for `y` or `yes`,
   * `no` for any other line, `none` for Ctrl-C, Ctrl-D, the input gone, or
   * no line within `timeoutMs`.
   */
  ask(question: string, timeoutMs: number): Effect.Effect<Answer> {
    return Effect.callback<string | undefined>((resume) => {
      if (rawTerminal()) process.stderr.write("\r\n")
      process.stderr.write(question)
      this.open = { bytes: [], answer: (line) => resume(Effect.succeed(line)) }
      this.readDevTty()
      return Effect.sync(() => this.close(undefined))
    }).pipe(
      Effect.map((line): Answer => line === undefined ? "none" : /^\s*y(es)?\s*$/i.test(line) ? "yes" : "no"),
      Effect.timeoutOrElse({
        duration: timeoutMs,
        orElse: () =>
          Effect.sync((): Answer => {
            sayLine(`exec-server: no answer within ${Math.round(timeoutMs / 1000)} s: denied`)
            return "none"
          })
      })
    )
  }
}

/** Why a host was denied without a person to ask. */
const NO_TERMINAL = "exec-server: no terminal to ask on"

/**
 * The decider of `exec`: the person at the terminal, one question at a
 * time; a typed answer holds for the host and port for the rest of the
 * command (a program that connects again is not asked again), no answer
 * denies this once. Without a terminal every host is denied.
 */
export const terminalDecider = (asker: TerminalAsker | undefined, timeoutMs = ASK_TIMEOUT_MS): PolicyDecider => {
  if (asker === undefined) return () => Effect.succeed<PolicyDecision>({ type: "deny", reason: NO_TERMINAL })
  const answered = new Map<string, PolicyDecision>()
  const lock = Semaphore.makeUnsafe(1)
  return ({ request }: PolicyRequestParams) => {
    const key = `${request.host}:${request.port}`
    return lock.withPermits(1)(Effect.suspend(() => {
      const known = answered.get(key)
      if (known !== undefined) return Effect.succeed(known)
      return Effect.map(
        asker.ask(`exec: allow network access to ${key} (${request.protocol})? [y/N] `, timeoutMs),
        (answer): PolicyDecision => {
          if (answer === "none") return { type: "deny", reason: "exec-server: no answer at the terminal" }
          const decision: PolicyDecision = answer === "yes"
            ? { type: "allow" }
            : { type: "deny", reason: "exec-server: denied at the terminal" }
          answered.set(key, decision)
          return decision
        }
      )
    }))
  }
}
