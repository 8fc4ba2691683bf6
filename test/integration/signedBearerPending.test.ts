/**
 * The WebSocket listener while a signed bearer token is being checked (jose
 * verifies asynchronously): the connection keeps its place against
 * `maxConnections`, and one that closes meanwhile gives its place back.
 * The listener runs in this process, with jose's `jwtVerify` held until
 * the test lets each call go on (the real verification then runs), so that
 * the moments in between are certain rather than raced.
 */
import * as Effect from "effect/Effect"
import * as Jose from "jose"
import { describe, expect, it, vi } from "vitest"
import { WebSocket } from "ws"
import * as Sandbox from "../../src/sandbox/Sandbox.js"
import * as ServerConfig from "../../src/server/ServerConfig.js"
import * as WebSocketTransport from "../../src/listeners/WebSocketTransport.js"

const gate = vi.hoisted(() => ({
  hold: false,
  /** Held calls, in arrival order: each runs the real verification when released. */
  held: [] as Array<() => Promise<unknown>>,
  waiters: [] as Array<() => void>
}))

vi.mock("jose", async (importOriginal) => {
  const actual = await importOriginal<typeof import("jose")>()
  const verify = actual.jwtVerify as (...args: Array<unknown>) => Promise<unknown>
  return {
    ...actual,
    jwtVerify: (...args: Array<unknown>) => {
      if (!gate.hold) return verify(...args)
      return new Promise((resolve, reject) => {
        gate.held.push(() => verify(...args).then(resolve, reject))
        for (const wake of gate.waiters.splice(0)) wake()
      })
    }
  }
})

/** Resolves once `count` calls are held. */
const heldCalls = (count: number): Promise<void> =>
  new Promise((resolve) => {
    const check = () => (gate.held.length >= count ? resolve() : gate.waiters.push(check))
    check()
  })

/** Lets the `index`th held call go on, and waits until the listener has acted on its outcome. */
const release = async (index: number): Promise<void> => {
  await gate.held[index]!().catch(() => undefined)
  await new Promise((resolve) => setImmediate(resolve))
}

const SECRET = "a secret shared with the token issuer, 0123456789abcdef"

/** An upgrade that is not waited for: its status (101 when the WebSocket opens, "closed" when the socket closes unanswered). */
const upgrade = (url: string, token: string) => {
  const socket = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } })
  const status = new Promise<number | "closed">((resolve) => {
    socket.once("open", () => resolve(101))
    socket.once("unexpected-response", (_request, response) => {
      resolve(response.statusCode ?? 0)
      socket.terminate()
    })
    socket.on("error", () => resolve("closed"))
  })
  return { socket, status }
}

/** Runs `body` against a listener made with `options`, closed after it. */
const withListener = (
  options: Omit<WebSocketTransport.WebSocketListenOptions, "host" | "port">,
  body: (url: string, token: string) => Promise<void>
): Promise<void> => {
  gate.hold = false
  gate.held = []
  return Effect.runPromise(
    Effect.gen(function*() {
      const { url } = yield* WebSocketTransport.make({ host: "127.0.0.1", port: 0, ...options })
      const token = yield* Effect.promise(() =>
        new Jose.SignJWT({ exp: Math.floor(Date.now() / 1000) + 300 }).setProtectedHeader({ alg: "HS256" })
          .sign(new TextEncoder().encode(SECRET))
      )
      yield* Effect.promise(() => body(url, token))
    }).pipe(Effect.scoped, Effect.provide(ServerConfig.layer()), Effect.provide(Sandbox.layerUnavailable))
  ).finally(() => {
    gate.hold = false
    gate.held = []
  })
}

const signedBearer = { secret: new TextEncoder().encode(SECRET) }

describe("WebSocket listener while a signed bearer token is checked", () => {
  it("holds no place among maxConnections while its check runs: admitted if one is free when the check is done, else 503", () =>
    withListener({ signedBearer, maxConnections: 2, maxConnectionsPerClient: 2 }, async (url, token) => {
      gate.hold = true
      const pending = upgrade(url, token)
      await heldCalls(1)
      const admitted = upgrade(url, token)
      await heldCalls(2)
      await release(1)
      expect(await admitted.status).toBe(101)
      // One open, one still being checked: a third gets the last place.
      const third = upgrade(url, token)
      await heldCalls(3)
      await release(2)
      expect(await third.status).toBe(101)
      await release(0)
      expect(await pending.status).toBe(503)
      for (const { socket } of [admitted, third]) socket.terminate()
    }))

  it("gives the place back when the connection closes during the check (here: its upgrade timeout)", () =>
    withListener({ signedBearer, maxConnections: 1, maxConnectionsPerClient: 1, upgradeTimeoutMs: 300 }, async (url, token) => {
      gate.hold = true
      const closed = upgrade(url, token)
      await heldCalls(1)
      expect(await closed.status).toBe("closed")
      // The check ends after the socket has gone: nothing is admitted, nothing kept.
      await release(0)
      gate.hold = false
      const next = upgrade(url, token)
      expect(await next.status).toBe(101)
      next.socket.terminate()
    }))

  it("refuses a token whose check fails with 401 once it is done", () =>
    withListener({ signedBearer }, async (url) => {
      gate.hold = true
      const forged = upgrade(url, "e30.e30.AAAA")
      await heldCalls(1)
      await release(0)
      expect(await forged.status).toBe(401)
    }))
})
