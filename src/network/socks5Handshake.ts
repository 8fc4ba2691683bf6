/**
 * A SOCKS5 connection's handshake, up to its request: the greeting, the
 * process's credential (RFC 1929) and the request, bounded in bytes and
 * time, and the way every connection ends with a last answer. Apart from
 * Socks5Proxy.ts because it is the one place a client's first bytes are read,
 * before anything is decided.
 */
import type { Duplex } from "node:stream"
import type { Context } from "./Socks5Proxy.js"
import {
  AUTHENTICATED,
  AUTHENTICATION_VERSION,
  NO_ACCEPTABLE_METHOD,
  NO_AUTHENTICATION,
  NOT_AUTHENTICATED,
  parseAuthentication,
  parseGreeting,
  parseRequest,
  type Target,
  USERNAME_PASSWORD,
  VERSION
} from "./socks5Messages.js"

/**
 * Answers with a last message and ends the connection; what the client
 * still sends is read and dropped (closing on unread bytes would reset it,
 * and could lose the reply), for at most the handshake's time.
 */
export const endWith = (context: Context, socket: Duplex, bytes: Buffer) => {
  socket.end(bytes)
  socket.resume()
  const timer = setTimeout(() => socket.destroy(), context.limits.handshakeTimeoutMs)
  socket.once("close", () => clearTimeout(timer))
}

/**
 * Reads the greeting (answered at once), the credential when the proxy has
 * one (RFC 1929; a client that offers no username/password, or the wrong
 * one, is answered as the RFC says and closed, nothing decided), and the
 * request, which must all arrive within the handshake's time; each is a few
 * hundred bytes at most, and a parse wants more only below that, so no more
 * is ever held. Anything after the request (a client that did not wait for
 * the reply) is passed on as `head`; the socket is paused from then on.
 */
export const readHandshake = (
  context: Context,
  socket: Duplex,
  onRequest: (request: Target & { readonly command: number }, head: Buffer) => void
) => {
  let held: Buffer = Buffer.alloc(0)
  const credential = context.options.credential
  let stage: "greeting" | "authentication" | "request" = "greeting"
  const timer = setTimeout(() => socket.destroy(), context.limits.handshakeTimeoutMs)
  // A client that ends before its request is complete will send none.
  const ended = () => socket.destroy()
  const stop = () => {
    clearTimeout(timer)
    socket.off("data", onData)
    socket.off("end", ended)
    socket.pause()
  }
  const onData = (chunk: Buffer) => {
    held = held.length === 0 ? chunk : Buffer.concat([held, chunk])
    if (stage === "greeting") {
      const greeting = parseGreeting(held)
      if (greeting._tag === "More") return
      if (greeting._tag === "Bad") return socket.destroy()
      const method = credential === undefined ? NO_AUTHENTICATION : USERNAME_PASSWORD
      if (!greeting.value.includes(method)) {
        stop()
        return endWith(context, socket, Buffer.from([VERSION, NO_ACCEPTABLE_METHOD]))
      }
      socket.write(Buffer.from([VERSION, method]))
      stage = credential === undefined ? "request" : "authentication"
      held = held.subarray(greeting.length)
    }
    if (stage === "authentication") {
      const authentication = parseAuthentication(held)
      if (authentication._tag === "More") return
      if (authentication._tag === "Bad") return socket.destroy()
      if (credential?.accepts(authentication.value.username, authentication.value.password) !== true) {
        stop()
        return endWith(context, socket, Buffer.from([AUTHENTICATION_VERSION, NOT_AUTHENTICATED]))
      }
      socket.write(Buffer.from([AUTHENTICATION_VERSION, AUTHENTICATED]))
      stage = "request"
      held = held.subarray(authentication.length)
    }
    const request = parseRequest(held)
    if (request._tag === "More") return
    if (request._tag === "Bad") return socket.destroy()
    stop()
    onRequest(request.value, held.subarray(request.length))
  }
  socket.on("data", onData)
  socket.once("end", ended)
  socket.once("close", () => clearTimeout(timer))
}
