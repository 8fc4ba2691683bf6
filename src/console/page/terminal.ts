/**
 * A process in an xterm.js terminal: its retained output replayed at the
 * sizes it was written at (with a banner where the server no longer holds
 * some), then live. Two ways to follow it:
 * - `own`: a process of a session this page's connection holds (its New
 *   shell, or an attached detached session): output arrives as
 *   `process/output` notifications and is acknowledged (`console/ack`) once
 *   xterm has drawn it, so a terminal that cannot keep up pauses the process
 *   instead of queueing in the browser; keystrokes go to the process (those
 *   typed while the connection is down once it is back) and the PTY takes
 *   the terminal's size.
 * - `watch`: any session's process, read-only: `console/read` long-polls
 *   of the retained output, one after the other as xterm draws them, so a
 *   slow watcher never slows the process; one that falls behind what is
 *   retained skips ahead with a banner.
 * Nothing is written twice: every chunk has a seq, and only seqs after the
 * last one shown are written.
 */
import { FitAddon } from "@xterm/addon-fit"
import { Unicode11Addon } from "@xterm/addon-unicode11"
import { Terminal } from "@xterm/xterm"
import { literalText } from "./dom.js"
import { ConnectionClosed, fromBase64, type RpcConnection, toBase64 } from "./rpc.js"
import type { ReadResult } from "./types.js"

/** Which process, and how the page follows it. */
export interface TerminalSource {
  readonly mode: "own" | "watch"
  readonly connection: RpcConnection
  readonly sessionId: string
  readonly processId: string
  readonly tty: boolean
}

/** One output event of an own process, as its notification carries it. */
export type ProcessNotification =
  | { readonly method: "process/output"; readonly seq: number; readonly bytes: Uint8Array }
  | { readonly method: "process/exited"; readonly seq: number; readonly exitCode: number; readonly signal: string | null }
  | { readonly method: "process/closed"; readonly seq: number }

const READ_BYTES = 256 * 1024
/** Keystrokes (UTF-16 units) held for a connection that is down. */
const MAX_UNANSWERED_INPUT = 64 * 1024

/** Keystrokes sent or to be sent, until the server answers them. */
interface PendingInput {
  readonly writeId: string
  readonly chunk: string
  readonly length: number
}
const WATCH_WAIT_MS = 10_000
const DIM = "\x1b[2m"
const BOLD = "\x1b[1m"
const RESET = "\x1b[0m"

/** How a process ended, in words. */
export const endingOf = (exitCode: number | null, signal: string | null): string =>
  signal !== null ? `killed by ${signal}` : `exited with code ${exitCode}`

/** A terminal following one process in `container`. */
export class TerminalView {
  readonly term: Terminal
  private readonly fit = new FitAddon()
  /** The last seq written to the terminal. */
  lastSeq = 0
  private exit: { exitCode: number | null; signal: string | null } | undefined
  private ended = false
  private disposed = false
  /** Own processes: events that came while the retained output was replayed. */
  private backlog: Array<ProcessNotification> | undefined = []
  private resizeObserver: ResizeObserver | undefined
  /**
   * Own processes while the page is hidden: a browser throttles a hidden
   * tab's timers, so xterm would draw (and the page acknowledge) slowly
   * and the process would block on its output. Hidden, output is
   * acknowledged unshown; visible again, the terminal catches up from the
   * retained output (a banner if the server no longer holds all of it).
   */
  private hidden = false
  private readonly visibilityChanged = () => {
    if (this.source.mode !== "own" || this.ended || this.disposed) return
    if (document.hidden) {
      this.hidden = true
    } else if (this.hidden) {
      this.hidden = false
      void this.resume(this.source.connection)
    }
  }
  /** Told how the process ended (status line). */
  onEnded: (text: string) => void = () => {}
  /** Told of an acknowledgement due (own processes). */
  onShown: (bytes: number) => void = () => {}

  private source: TerminalSource

  constructor(private readonly container: HTMLElement, source: TerminalSource) {
    this.source = source
    const watching = source.mode === "watch"
    this.term = new Terminal({
      scrollback: 10_000,
      // Pipe output has bare newlines; a PTY translates them itself.
      convertEol: !source.tty,
      disableStdin: watching,
      cursorBlink: source.mode === "own",
      // Watching, nothing is typed: no cursor to say otherwise. None while the terminal is not focused; focused
      // (clicked to select text), a transparent bar, which xterm paints in the background's colour and which
      // keeps the colours of the cell it is on. (ESC[?25l would not last: the process's output may show it again.)
      // `#rrggbbaa`: xterm reads it itself; a colour name it parses with a canvas, else falls back to white.
      cursorInactiveStyle: watching ? "none" : "outline",
      cursorStyle: watching ? "bar" : "block",
      cursorWidth: 1,
      ...(watching ? { theme: { cursor: "#00000000" } } : {}),
      allowProposedApi: true,
      fontFamily: "ui-monospace, 'DejaVu Sans Mono', monospace",
      fontSize: 14
    })
    document.addEventListener("visibilitychange", this.visibilityChanged)
    this.term.loadAddon(this.fit)
    this.term.loadAddon(new Unicode11Addon())
    this.term.unicode.activeVersion = "11"
    this.term.open(container)
    this.boundCounts()
    this.holdAnswersWhileReplaying()
    if (source.mode === "own") this.term.onData((data) => this.type(data))
  }

  /**
   * A count xterm loops over (CSI 2147483647 S scrolls one line at a time)
   * would hold the page's only thread for minutes: a count beyond the
   * screen, which changes nothing a program can want (for REP, beyond a
   * line), is ignored.
   */
  private boundCounts(): void {
    const beyond = (limit: () => number) => (params: Array<number | Array<number>>): boolean =>
      typeof params[0] === "number" && params[0] > limit()
    // Insert and delete lines, scroll up and down.
    for (const final of ["L", "M", "S", "T"]) this.term.parser.registerCsiHandler({ final }, beyond(() => this.term.rows))
    // Tab forward and back, repeat the preceding character (REP).
    for (const final of ["I", "Z", "b"]) this.term.parser.registerCsiHandler({ final }, beyond(() => this.term.cols))
  }

  /** While the retained output is replayed: its queries are not answered (see `replay`). */
  private replaying = false

  /**
   * Queries xterm answers as if typed (device attributes and status, modes,
   * settings, colours): while retained output is replayed they go
   * unanswered, since the program that asked is long past them and the
   * answer would reach whatever reads the terminal now (a shell's prompt)
   * as typed input. Live, they are answered, as any terminal does.
   */
  private holdAnswersWhileReplaying(): void {
    const parser = this.term.parser
    const held = () => this.replaying
    for (const id of [{ final: "c" }, { prefix: ">", final: "c" }, { final: "n" }, { prefix: "?", final: "n" }, { intermediates: "$", final: "p" }, { prefix: "?", intermediates: "$", final: "p" }]) {
      parser.registerCsiHandler(id, held)
    }
    parser.registerDcsHandler({ intermediates: "$", final: "q" }, held)
    // OSC 4, 10, 11, 12 set colours, or ask them with `?`.
    for (const ident of [4, 10, 11, 12]) parser.registerOscHandler(ident, (data) => this.replaying && data.includes("?"))
  }

  /**
   * Keystrokes not answered yet, in order. Each has a writeId, which the
   * server remembers per process: typed while the connection is down, or
   * lost with it, they are sent again over the next one and applied once.
   */
  private readonly unanswered: Array<PendingInput> = []
  private unansweredBytes = 0
  private writeCount = 0
  // Not crypto.randomUUID: a page over plain http from a name other than localhost is not a secure context.
  private readonly writePrefix = Array.from(crypto.getRandomValues(new Uint8Array(12)), (byte) => byte.toString(16).padStart(2, "0")).join("")

  private type(data: string): void {
    if (this.ended) return
    // A connection down for long: what is typed beyond this is refused (a bell), not queued without end.
    if (this.unansweredBytes + data.length > MAX_UNANSWERED_INPUT) return void this.term.write("\x07")
    const input = { writeId: `${this.writePrefix}-${++this.writeCount}`, chunk: toBase64(data), length: data.length }
    this.unanswered.push(input)
    this.unansweredBytes += input.length
    this.send(input)
  }

  private send(input: PendingInput): void {
    const answered = () => {
      const index = this.unanswered.indexOf(input)
      if (index === -1) return
      this.unanswered.splice(index, 1)
      this.unansweredBytes -= input.length
    }
    const { chunk, writeId } = input
    this.source.connection.request("process/write", { processId: this.source.processId, chunk, writeId })
      .then(answered, (error) => {
        // Kept for the next connection; any answer from the server (even a refusal) ends it.
        if (!(error instanceof ConnectionClosed)) answered()
      })
  }

  /** Replays the retained output, then follows the process until it closes or the view is disposed. */
  async start(): Promise<void> {
    if (this.source.mode === "watch" && !this.source.tty) this.fitToContainer()
    await this.follow()
  }

  /**
   * Goes on over a new connection after the last one dropped: from the last
   * seq shown, keeping what the terminal shows (a gap banner if the server
   * no longer holds all that came meanwhile).
   */
  async resume(connection: RpcConnection): Promise<void> {
    this.source = { ...this.source, connection }
    if (this.ended || this.disposed) return
    for (const input of this.unanswered) this.send(input)
    this.backlog = []
    await this.follow()
  }

  private async follow(): Promise<void> {
    await this.replay()
    if (this.disposed) return
    if (this.source.mode === "watch") return this.watch()
    // Live from here: what came meanwhile first, in order.
    const backlog = this.backlog ?? []
    this.backlog = undefined
    for (const event of backlog) await this.apply(event)
    if (this.source.tty && !this.ended) {
      this.fitToContainer()
      if (this.resizeObserver === undefined) this.followContainer()
      else this.resizeProcess()
    } else if (!this.source.tty) {
      this.fitToContainer()
    }
  }

  /** An event of this process from the page's connection (own processes). */
  notify(event: ProcessNotification): void {
    if (this.backlog !== undefined) this.backlog.push(event)
    else void this.apply(event)
  }

  dispose(): void {
    this.disposed = true
    document.removeEventListener("visibilitychange", this.visibilityChanged)
    this.resizeObserver?.disconnect()
    this.term.dispose()
  }

  /** Focus goes to the terminal (keystrokes). */
  focus(): void {
    this.term.focus()
  }

  private async apply(event: ProcessNotification): Promise<void> {
    if (event.seq <= this.lastSeq) return
    // Hidden: acknowledged, not drawn; the catch-up reads it back from the server.
    if (this.hidden) {
      if (event.method === "process/output") this.onShown(event.bytes.byteLength)
      return
    }
    if (event.method === "process/output") {
      await this.write(event.bytes)
      this.lastSeq = event.seq
      this.onShown(event.bytes.byteLength)
    } else if (event.method === "process/exited") {
      this.lastSeq = event.seq
      this.exit = { exitCode: event.exitCode, signal: event.signal }
    } else {
      this.lastSeq = event.seq
      await this.end()
    }
  }

  /** The retained output from the start (or from the last seq shown), at the sizes it was written at. */
  private async replay(): Promise<void> {
    this.replaying = true
    try {
      await this.replayChunks()
    } finally {
      this.replaying = false
    }
  }

  private async replayChunks(): Promise<void> {
    let first = true
    while (!this.disposed) {
      const result = await this.read(0)
      if (result === undefined) return
      if (first && result.truncated) {
        await this.write(new TextEncoder().encode(this.lastSeq === 0
          ? `${DIM}[earlier output is no longer retained by the server]${RESET}\r\n`
          : `\r\n${DIM}[output skipped: the server no longer retains all that came meanwhile]${RESET}\r\n`))
      }
      first = false
      const more = await this.show(result)
      if (!more) return
    }
  }

  /** Read-only: long-polls until the process closes. */
  private async watch(): Promise<void> {
    while (!this.disposed && !this.ended) {
      const result = await this.read(WATCH_WAIT_MS)
      if (result === undefined) return
      if (result.truncated) {
        await this.write(new TextEncoder().encode(`\r\n${DIM}[output skipped: this view fell behind what the server retains]${RESET}\r\n`))
      }
      await this.show(result)
    }
  }

  private async read(waitMs: number): Promise<ReadResult | undefined> {
    try {
      return await this.source.connection.request<ReadResult>("console/read", {
        sessionId: this.source.sessionId,
        processId: this.source.processId,
        afterSeq: this.lastSeq,
        maxBytes: READ_BYTES,
        waitMs
      })
    } catch (error) {
      if (!(error instanceof ConnectionClosed) && !this.disposed) {
        // The message may carry a client's ids: their escapes are not the terminal's to run.
        await this.write(new TextEncoder().encode(`\r\n${DIM}[${literalText((error as Error).message)}]${RESET}\r\n`))
      }
      return undefined
    }
  }

  /** Writes a read's chunks; whether there may be more to read at once. */
  private async show(result: ReadResult): Promise<boolean> {
    let sizeIndex = 0
    for (const chunk of result.chunks) {
      // The size the process's terminal had when it wrote this chunk.
      while (sizeIndex < result.sizes.length && result.sizes[sizeIndex]!.fromSeq <= chunk.seq) {
        const size = result.sizes[sizeIndex++]!
        if (size.cols !== this.term.cols || size.rows !== this.term.rows) this.term.resize(size.cols, size.rows)
      }
      if (chunk.seq <= this.lastSeq) continue
      await this.write(fromBase64(chunk.chunk))
      this.lastSeq = chunk.seq
    }
    if (result.exited) this.exit = { exitCode: result.exitCode, signal: result.signal }
    if (result.closed && result.chunks.length === 0) {
      this.lastSeq = Math.max(this.lastSeq, result.nextSeq - 1)
      await this.end()
      return false
    }
    return result.chunks.length > 0
  }

  private write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve) => this.term.write(bytes, resolve))
  }

  private async end(): Promise<void> {
    if (this.ended) return
    this.ended = true
    const text = this.exit === undefined ? "closed" : endingOf(this.exit.exitCode, this.exit.signal)
    await this.write(new TextEncoder().encode(`\r\n${BOLD}[process ${text}]${RESET}\r\n`))
    this.resizeObserver?.disconnect()
    this.onEnded(text)
  }

  private fitToContainer(): void {
    const before = { cols: this.term.cols, rows: this.term.rows }
    this.fit.fit()
    if (this.source.mode === "own" && this.source.tty && !this.ended &&
      (before.cols !== this.term.cols || before.rows !== this.term.rows || this.lastSeq === 0)) {
      this.resizeProcess()
    }
  }

  private resizeProcess(): void {
    void this.source.connection.request("process/resize", {
      processId: this.source.processId,
      rows: this.term.rows,
      cols: this.term.cols
    }).catch(() => {})
  }

  /** The PTY follows the page: its size changes with the container's (and the terminal's). */
  private followContainer(): void {
    this.resizeProcess()
    this.resizeObserver = new ResizeObserver(() => {
      if (!this.disposed && !this.ended) this.fitToContainer()
    })
    this.resizeObserver.observe(this.container)
  }
}
