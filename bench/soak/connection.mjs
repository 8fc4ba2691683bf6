/**
 * One WebSocket connection of the soak, driven as a client drives it:
 * JSON-RPC requests matched to their answers by id, notifications handed to
 * the owner as they come, and what a client can do to its own connection:
 * cut it (the socket destroyed, no close frame), stop reading it and read
 * on. Nothing is kept once handed over: a soak moves gigabytes through it.
 */
import { WebSocket } from "ws"

/** A request whose connection closed, or was cut, before its answer came. */
export class ConnectionLost extends Error {
  constructor(method) {
    super(`the connection closed before ${method} was answered`)
    this.name = "ConnectionLost"
  }
}

/** A JSON-RPC connection over one WebSocket. */
export class SoakConnection {
  #socket
  #pending = new Map()
  #nextId = 1

  constructor(socket, onNotification) {
    this.#socket = socket
    /** Resolves once the socket is closed, whoever closed it. */
    this.closed = new Promise((resolve) => socket.once("close", resolve))
    socket.on("message", (data) => {
      const message = JSON.parse(String(data))
      if (message.method !== undefined) {
        onNotification(message)
        return
      }
      const pending = this.#pending.get(message.id)
      if (pending === undefined) return
      this.#pending.delete(message.id)
      pending.resolve(message)
    })
    socket.on("close", () => {
      for (const pending of this.#pending.values()) pending.reject(new ConnectionLost(pending.method))
      this.#pending.clear()
    })
    // A cut or a refused connection reports an error before its close; the close is what counts.
    socket.on("error", () => {})
  }

  /** Connects to `url`; notifications go to `onNotification`. Rejects when the connection fails or `timeoutMs` passes. */
  static open(url, onNotification, timeoutMs = 30_000) {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { handshakeTimeout: timeoutMs })
      // Ending a socket that never opened reports an error of its own.
      socket.on("error", () => {})
      const fail = (error) => {
        socket.terminate()
        reject(error)
      }
      socket.once("open", () => {
        socket.off("error", fail)
        resolve(new SoakConnection(socket, onNotification))
      })
      socket.once("error", fail)
    })
  }

  /** Sends a request; resolves with its answer (`{result}` or `{error}`), rejects with ConnectionLost. */
  request(method, params) {
    if (this.#socket.readyState !== WebSocket.OPEN) return Promise.reject(new ConnectionLost(method))
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { method, resolve, reject })
      this.#socket.send(JSON.stringify({ id, method, params }))
    })
  }

  /** `initialize` with `params`, then `initialized`: the answer to initialize (a refusal is returned, not thrown). */
  async handshake(params) {
    const answer = await this.request("initialize", params)
    if (answer.result !== undefined) this.#socket.send(JSON.stringify({ method: "initialized", params: {} }))
    return answer
  }

  /** Destroys the socket at once, mid-stream: what was on its way is lost to this end. */
  cut() {
    this.#socket.terminate()
  }

  /** Stops reading the socket: what the server sends waits in its buffers and the kernel's. */
  pause() {
    this.#socket.pause()
  }

  /** Reads the socket again. */
  resume() {
    this.#socket.resume()
  }

  /** A clean close (a close frame); resolves once closed, or cuts after `timeoutMs`. */
  async close(timeoutMs = 5_000) {
    this.#socket.close()
    const timer = setTimeout(() => this.#socket.terminate(), timeoutMs)
    await this.closed
    clearTimeout(timer)
  }
}
