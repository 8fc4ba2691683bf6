/**
 * The page's JSON-RPC client over a browser WebSocket: requests with their
 * promises, and notifications to one listener. The wire is the server's
 * (docs/PROTOCOL.md); the page is one more client of it.
 */

/**
 * The browser session's key (the half a cookie is useless without, see the
 * server's ConsoleAuth): kept in this origin's storage, which no page of
 * another port or host can read; shared by the console's tabs.
 */
const SESSION_KEY_STORAGE = "exec-server-console-key"
/** The names the server gives them (WebConsole.ts). */
const KEY_HEADER = "x-exec-server-console-key"
const CONSOLE_PROTOCOL = "exec-server-console"
const KEY_PROTOCOL_PREFIX = "exec-server-console-key."

export const sessionKey = {
  get: (): string => localStorage.getItem(SESSION_KEY_STORAGE) ?? "",
  set: (key: string): void => localStorage.setItem(SESSION_KEY_STORAGE, key),
  clear: (): void => localStorage.removeItem(SESSION_KEY_STORAGE)
}

/** A request to the console's HTTP side, with the session's key. */
export const consoleFetch = (path: string, init: RequestInit = {}): Promise<Response> =>
  fetch(path, { ...init, credentials: "same-origin", headers: { [KEY_HEADER]: sessionKey.get() } })

/** A JSON-RPC error the server answered with. */
export class RpcError extends Error {
  constructor(readonly code: number, message: string) {
    super(message)
  }
}

/** What a closed connection tells its pending requests. */
export class ConnectionClosed extends Error {}

type Pending = { readonly resolve: (value: unknown) => void; readonly reject: (error: Error) => void }

/** One connection to `/console/ws`. */
export class RpcConnection {
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private closedWith: Error | undefined
  /** Called with every notification the server sends. */
  onNotification: (method: string, params: Record<string, unknown>) => void = () => {}
  /** Called once when the connection ends, whoever ended it. */
  onClose: () => void = () => {}

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener("message", (event) => this.receive(String(event.data)))
    socket.addEventListener("close", () => {
      this.closedWith ??= new ConnectionClosed("the connection to the server closed")
      for (const { reject } of this.pending.values()) reject(this.closedWith)
      this.pending.clear()
      this.onClose()
    })
  }

  /** Opens the console's WebSocket on this page's server. */
  static open(): Promise<RpcConnection> {
    const url = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/console/ws`
    return new Promise((resolve, reject) => {
      // The key rides as a second offered subprotocol (a browser's WebSocket takes no headers); the server selects the first.
      const socket = new WebSocket(url, [CONSOLE_PROTOCOL, `${KEY_PROTOCOL_PREFIX}${sessionKey.get()}`])
      const failed = () => reject(new ConnectionClosed("cannot reach the server's console"))
      socket.addEventListener("error", failed, { once: true })
      socket.addEventListener("open", () => {
        socket.removeEventListener("error", failed)
        resolve(new RpcConnection(socket))
      }, { once: true })
    })
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN
  }

  request<A>(method: string, params: Record<string, unknown> = {}): Promise<A> {
    if (this.closedWith !== undefined || !this.open) return Promise.reject(this.closedWith ?? new ConnectionClosed("not connected"))
    const id = this.nextId++
    return new Promise<A>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
      this.socket.send(JSON.stringify({ id, method, params }))
    })
  }

  notify(method: string, params: Record<string, unknown> = {}): void {
    if (this.open) this.socket.send(JSON.stringify({ method, params }))
  }

  close(): void {
    this.socket.close(1000)
  }

  private receive(text: string): void {
    const message = JSON.parse(text) as {
      id?: number
      method?: string
      params?: Record<string, unknown>
      result?: unknown
      error?: { code: number; message: string }
    }
    if (message.method !== undefined) return this.onNotification(message.method, message.params ?? {})
    if (message.id === undefined) return
    const waiting = this.pending.get(message.id)
    if (waiting === undefined) return
    this.pending.delete(message.id)
    if (message.error !== undefined) waiting.reject(new RpcError(message.error.code, message.error.message))
    else waiting.resolve(message.result)
  }
}

/** Bytes of a base64 chunk (the wire's encoding of output). */
export const fromBase64 = (text: string): Uint8Array => {
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/** Base64 of a string's UTF-8 (what a keystroke is written as). */
export const toBase64 = (text: string): string => {
  const bytes = new TextEncoder().encode(text)
  let binary = ""
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary)
}
