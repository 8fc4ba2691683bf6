/**
 * A client's side of one connection as the tests drive it, whatever carries
 * it: JSON messages one per line, requests matched to responses by id,
 * process notifications collected per process. StdioServer.ts carries it
 * over a built server's stdio, InProcessServer.ts to a server in this
 * process.
 */

import type { ParamsOf } from "../../src/testing/TestConnection.js"
import { WAIT_MS } from "./waiting.js"

// Messages here are JSON from the wire, untyped on purpose: this is a black-box
// client, and each test states what it expects of them.

export interface WireResponse {
  readonly id: unknown
  readonly result?: any
  readonly error?: { readonly code: number; readonly message: string; readonly data?: any }
}

export interface WireNotification {
  readonly method: string
  readonly params: {
    readonly processId: string
    readonly seq: number
    readonly stream?: string
    readonly chunk?: string
    readonly exitCode?: number
    readonly signal?: string | null
  }
}

/** The messages of one connection, and what a test waits for among them. */
export abstract class WireClient {
  /** Every parsed message, in arrival order. */
  readonly messages: Array<any> = []
  readonly notifications: Array<WireNotification> = []
  private nextId = 1
  /** What `receivedText` has of a line whose newline is still to come. */
  private partialLine = ""
  private readonly waiters: Array<{ readonly test: (message: any) => boolean; readonly resolve: (message: any) => void }> = []

  /** Writes a raw line. */
  abstract sendLine(line: string): void

  /** What the server has logged so far, for the messages of a timeout. */
  abstract get stderr(): string

  /** Takes one message the server wrote (its text, without the newline). */
  protected received(line: string): void {
    const message = JSON.parse(line)
    this.messages.push(message)
    if (!Array.isArray(message) && typeof message.method === "string") this.notifications.push(message)
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i]!
      if (waiter.test(message)) {
        this.waiters.splice(i, 1)
        waiter.resolve(message)
      }
    }
  }

  /** Takes text as the server wrote it (any chunk of its output): each line it completes goes to `received`. */
  protected receivedText(text: string): void {
    this.partialLine += text
    let newline: number
    while ((newline = this.partialLine.indexOf("\n")) !== -1) {
      const line = this.partialLine.slice(0, newline)
      this.partialLine = this.partialLine.slice(newline + 1)
      this.received(line)
    }
  }

  send(message: unknown): void {
    this.sendLine(JSON.stringify(message))
  }

  /** The first message (already received or still to come) that passes `test`. */
  waitFor<T = any>(test: (message: any) => boolean, timeoutMs = WAIT_MS): Promise<T> {
    const found = this.messages.find(test)
    if (found !== undefined) return Promise.resolve(found)
    return this.nextMessage(test, timeoutMs)
  }

  /** The next message still to come that passes `test`. */
  nextMessage<T = any>(test: (message: any) => boolean, timeoutMs = WAIT_MS): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for a message; stderr: ${this.stderr}`)),
        timeoutMs
      )
      this.waiters.push({
        test,
        resolve: (message) => {
          clearTimeout(timer)
          resolve(message)
        }
      })
    })
  }

  /** Params typed by the method's payload schema (wire form); `requestUnchecked` sends any. The answer is waited for `timeoutMs`. */
  request<M extends string>(method: M, params?: ParamsOf<M>, timeoutMs?: number): Promise<WireResponse> {
    return this.requestUnchecked(method, params, timeoutMs)
  }

  requestUnchecked(method: string, params?: unknown, timeoutMs?: number): Promise<WireResponse> {
    const id = this.nextId++
    this.send(params === undefined ? { id, method } : { id, method, params })
    return this.waitFor((message) => !Array.isArray(message) && message.id === id && message.method === undefined, timeoutMs)
  }

  async handshake(): Promise<WireResponse> {
    const response = await this.request("initialize", { clientName: "integration-test" })
    this.send({ method: "initialized", params: {} })
    return response
  }

  /** Waits for `process/closed` of a process. */
  closed(processId: string, timeoutMs?: number): Promise<WireNotification> {
    return this.waitFor((m) => m.method === "process/closed" && m.params.processId === processId, timeoutMs)
  }

  /** The notifications of one process, in arrival order. */
  eventsOf(processId: string): Array<WireNotification> {
    return this.notifications.filter((n) => n.params.processId === processId)
  }

  /** The concatenated output bytes of one process. */
  outputOf(processId: string, stream?: string): Buffer {
    return Buffer.concat(
      this.eventsOf(processId)
        .filter((n) => n.method === "process/output" && (stream === undefined || n.params.stream === stream))
        .map((n) => Buffer.from(n.params.chunk!, "base64"))
    )
  }

  /** Waits until the output of a process contains `text`. */
  async outputContains(processId: string, text: string, timeoutMs = WAIT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!this.outputOf(processId).toString().includes(text)) {
      const remaining = deadline - Date.now()
      if (remaining <= 0) throw new Error(`output of ${processId} never contained ${JSON.stringify(text)}: ${JSON.stringify(this.outputOf(processId).toString())}`)
      await this.nextMessage(
        (m) => m.params?.processId === processId,
        remaining
      ).catch(() => undefined)
    }
  }
}

/** Parameters of a pipe process. */
export const pipeProcess = (processId: string, argv: ReadonlyArray<string>, extra: Record<string, unknown> = {}) => ({
  processId,
  argv,
  cwd: "/tmp",
  env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
  tty: false,
  ...extra
})

/** Parameters of a PTY process. */
export const ptyProcess = (processId: string, argv: ReadonlyArray<string>, extra: Record<string, unknown> = {}) =>
  pipeProcess(processId, argv, { tty: true, ...extra })
