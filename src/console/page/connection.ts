/**
 * The page's connections that hold a session (its own, or one it attached):
 * opening one (creating or resuming the session), routing its processes'
 * events to the terminals showing them, and acknowledging their output.
 */
import { fromBase64, RpcConnection, RpcError } from "./rpc.js"
import type { ProcessNotification, TerminalView } from "./terminal.js"
import type { InitializeResult } from "./types.js"

const ACK_EVERY_BYTES = 64 * 1024
/** The error code of a session another connection holds (the reference's): a reloaded page's last connection may not be closed yet. */
const SESSION_HELD = -32010

/**
 * A connection holding a session: the page's own, or one it attached. It
 * routes its processes' events to the terminal showing them and
 * acknowledges output once shown (or at once when no terminal shows it).
 */
export class SessionConnection {
  readonly views = new Map<string, TerminalView>()
  private unacknowledged = 0
  private ackTimer: number | undefined
  onClose: () => void = () => {}

  private constructor(readonly rpc: RpcConnection, readonly sessionId: string, readonly server: InitializeResult["serverInfo"]) {
    rpc.onNotification = (method, params) => this.event(method, params)
    rpc.onClose = () => this.onClose()
  }

  /** Opens `/console/ws` and creates a session, or takes over `resume` (waiting a moment while its last connection lets go). */
  static async open(options: { readonly resume?: string | undefined; readonly detachTtlMs?: number }): Promise<SessionConnection> {
    for (let attempt = 0;; attempt++) {
      const rpc = await RpcConnection.open()
      try {
        const result = await rpc.request<InitializeResult>("initialize", {
          clientName: "web-console",
          ...(options.resume === undefined ? {} : { resumeSessionId: options.resume }),
          ...(options.detachTtlMs === undefined ? {} : { detachTtlMs: options.detachTtlMs })
        })
        rpc.notify("initialized")
        return new SessionConnection(rpc, result.sessionId, result.serverInfo)
      } catch (error) {
        rpc.close()
        // A reloaded page's last connection may not be closed on the server yet.
        if (error instanceof RpcError && error.code === SESSION_HELD && attempt < 40) {
          await new Promise((resolve) => setTimeout(resolve, 250))
          continue
        }
        throw error
      }
    }
  }

  request<A>(method: string, params: Record<string, unknown> = {}): Promise<A> {
    return this.rpc.request<A>(method, params)
  }

  close(): void {
    this.rpc.onClose = () => {}
    this.rpc.close()
  }

  private event(method: string, params: Record<string, unknown>): void {
    if (method !== "process/output" && method !== "process/exited" && method !== "process/closed") return
    const processId = String(params.processId)
    const seq = Number(params.seq)
    const event: ProcessNotification = method === "process/output"
      ? { method, seq, bytes: fromBase64(String(params.chunk)) }
      : method === "process/exited"
      ? { method, seq, exitCode: Number(params.exitCode), signal: (params.signal as string | null) ?? null }
      : { method, seq }
    const view = this.views.get(processId)
    if (view !== undefined) view.notify(event)
    else if (event.method === "process/output") this.acknowledge(event.bytes.byteLength)
  }

  /** Output shown (or not shown by any terminal): the server may send that much more. */
  acknowledge(bytes: number): void {
    this.unacknowledged += bytes
    if (this.unacknowledged >= ACK_EVERY_BYTES) return this.flushAcks()
    this.ackTimer ??= window.setTimeout(() => this.flushAcks(), 20)
  }

  private flushAcks(): void {
    if (this.ackTimer !== undefined) window.clearTimeout(this.ackTimer)
    this.ackTimer = undefined
    if (this.unacknowledged > 0) this.rpc.notify("console/ack", { bytes: this.unacknowledged })
    this.unacknowledged = 0
  }
}
