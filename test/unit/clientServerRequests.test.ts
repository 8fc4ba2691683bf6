/**
 * The client's peer serving the server's requests (`network/policyRequest`)
 * against a scripted server in memory: answers by id, the JSON-RPC errors
 * of a missing handler, a bad payload and a failed handler, concurrent
 * handlers, notifications decoded, and no answer on a new link to a
 * question of the old one. Then the client's API on it: the decider
 * option, a start's `networkProxy`, and a process's decision notes.
 */
import { describe, expect, it } from "@effect/vitest"
import type * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import { TransportClosed } from "../../src/client/ClientError.js"
import type { ClientTransport } from "../../src/client/ClientTransport.js"
import * as ExecServerClient from "../../src/client/ExecServerClient.js"
import * as JsonRpcPeer from "../../src/client/JsonRpcPeer.js"
import * as PromiseClient from "../../src/client/PromiseClient.js"
import type { PolicyDecisionNotification, PolicyRequestParams } from "../../src/protocol/schema.js"
import { type Frame, messageText } from "../../src/wire/JsonRpc.js"

/** A message as the scripted server reads it. */
type Message = {
  readonly id?: unknown
  readonly method?: string
  readonly params?: Record<string, unknown>
  readonly result?: unknown
  readonly error?: { readonly code: number; readonly message: string }
}

/** One connection of the client, as the scripted server holds it. */
interface FakeLink {
  readonly number: number
  /** What the client sent but the handshake (answered by the link itself). */
  readonly received: Queue.Queue<Message>
  readonly send: (message: unknown) => void
  /** Drops the connection, as a network would. */
  readonly drop: Effect.Effect<void>
}

/** A connector whose every connection is a `FakeLink`, handed to the test through `links`. */
const fakeServer = Effect.gen(function*() {
  const links = yield* Queue.unbounded<FakeLink>()
  let made = 0
  const connector: JsonRpcPeer.Connector = Effect.gen(function*() {
    const number = ++made
    const toClient = yield* Queue.make<Frame, TransportClosed | Cause.Done>()
    const received = yield* Queue.unbounded<Message>()
    const send = (message: unknown) => void Queue.offerUnsafe(toClient, { _tag: "Text", text: JSON.stringify(message) })
    const transport: ClientTransport = {
      frames: toClient,
      write: (messages, done) => {
        for (const text of messages) {
          const message = JSON.parse(messageText(text)) as Message
          if (message.method === "initialize") {
            send({
              id: message.id,
              result: { protocolVersion: "exec-server.v0", sessionId: "s1", serverInfo: { name: "fake", version: "0" } }
            })
          } else if (message.method !== "initialized") {
            Queue.offerUnsafe(received, message)
          }
        }
        done()
      },
      close: Effect.asVoid(Queue.end(toClient))
    }
    yield* Queue.offer(links, {
      number,
      received,
      send,
      drop: Effect.asVoid(Queue.fail(toClient, new TransportClosed({ message: "dropped by the test" })))
    })
    return transport
  })
  return { connector, links }
})

const ask = (id: unknown, host: string, port = 80, processId = "p1") => ({
  id,
  method: "network/policyRequest",
  params: { processId, request: { protocol: "http", host, port } }
})

/** The next message the client sent, within a second. */
const next = (link: FakeLink) =>
  Queue.take(link.received).pipe(
    Effect.timeoutOrElse({ duration: "1 second", orElse: () => Effect.fail(new Error(`link ${link.number}: nothing from the client`)) })
  )

/** A peer on a fresh scripted server, connected. */
const connectedPeer = (options: JsonRpcPeer.PeerOptions = {}) =>
  Effect.gen(function*() {
    const server = yield* fakeServer
    const peer = yield* JsonRpcPeer.make(server.connector, options)
    yield* peer.open
    const link = yield* Queue.take(server.links)
    return { peer, link, server }
  })


/** A `network/policyDecision` as a server sends it. */
const DECISION_NOTE = {
  processId: "p1",
  timestamp: "2025-01-01T00:00:00.000Z",
  scope: "domain",
  decision: "deny",
  source: "decider",
  reason: "not_allowed",
  protocol: "http",
  host: "example.org",
  port: 80,
  method: "GET",
  client: "127.0.0.1:40000",
  policyOverride: false
} as const

describe("the peer serves the server's requests", () => {
  it.live("answers with the handler's result, under the server's id as it was", () =>
    Effect.gen(function*() {
      const { peer, link } = yield* connectedPeer()
      const seen: Array<PolicyRequestParams> = []
      peer.serve("network/policyRequest", (params) =>
        Effect.sync(() => {
          seen.push(params)
          return { decision: params.request.host === "ok.test" ? { type: "allow" } : { type: "deny", reason: "not on my list" } }
        }))
      link.send(ask(1, "ok.test"))
      expect(yield* next(link)).toEqual({ id: 1, result: { decision: { type: "allow" } } })
      link.send(ask("srv-7", "other.test", 443))
      expect(yield* next(link)).toEqual({ id: "srv-7", result: { decision: { type: "deny", reason: "not on my list" } } })
      expect(seen).toEqual([
        { processId: "p1", request: { protocol: "http", host: "ok.test", port: 80 } },
        { processId: "p1", request: { protocol: "http", host: "other.test", port: 443 } }
      ])
    }).pipe(Effect.scoped))

  it.live("answers -32601 when it has no handler for the method", () =>
    Effect.gen(function*() {
      const { link } = yield* connectedPeer()
      link.send(ask(1, "example.org"))
      const answer = yield* next(link)
      expect(answer.id).toBe(1)
      expect(answer.error?.code).toBe(-32601)
      link.send({ id: 2, method: "network/somethingElse", params: {} })
      expect((yield* next(link)).error?.code).toBe(-32601)
    }).pipe(Effect.scoped))

  it.live("answers -32602 to params that do not decode, without calling the handler", () =>
    Effect.gen(function*() {
      const { peer, link } = yield* connectedPeer()
      let calls = 0
      peer.serve("network/policyRequest", () =>
        Effect.sync(() => {
          calls++
          return { decision: { type: "allow" } as const }
        }))
      link.send({ id: 3, method: "network/policyRequest", params: { processId: "p1", request: { protocol: "gopher", host: "h", port: 70 } } })
      const bad = yield* next(link)
      expect(bad.id).toBe(3)
      expect(bad.error?.code).toBe(-32602)
      link.send({ id: 4, method: "network/policyRequest", params: { processId: "p1", request: { protocol: "http", host: "h", port: 0 } } })
      expect((yield* next(link)).error?.code).toBe(-32602)
      link.send({ id: 5, method: "network/policyRequest" })
      expect((yield* next(link)).error?.code).toBe(-32602)
      expect(calls).toBe(0)
    }).pipe(Effect.scoped))

  it.live("answers -32603 when the handler fails, dies, throws or answers what does not fit; and goes on", () =>
    Effect.gen(function*() {
      const { peer, link } = yield* connectedPeer()
      peer.serve("network/policyRequest", (params) => {
        switch (params.request.host) {
          case "fails.test":
            return Effect.fail(new Error("no policy for it"))
          case "dies.test":
            return Effect.die(new Error("boom"))
          case "throws.test":
            throw new Error("thrown before any effect")
          case "interrupts.test":
            return Effect.interrupt
          case "misfit.test":
            return Effect.succeed({ decision: { type: "deny", reason: "x".repeat(2000) } })
          default:
            return Effect.succeed({ decision: { type: "allow" } })
        }
      })
      for (const [id, host] of [[10, "fails.test"], [11, "dies.test"], [12, "throws.test"], [13, "interrupts.test"], [14, "misfit.test"]] as const) {
        link.send(ask(id, host))
        const answer = yield* next(link)
        expect(answer.id).toBe(id)
        expect(answer.error?.code).toBe(-32603)
      }
      // The peer still works: a question and a call of its own.
      link.send(ask(15, "fine.test"))
      expect(yield* next(link)).toEqual({ id: 15, result: { decision: { type: "allow" } } })
      const listed = yield* Effect.forkChild(peer.call("process/list", {}))
      const call = yield* next(link)
      expect(call.method).toBe("process/list")
      link.send({ id: call.id, result: { processes: [] } })
      expect(yield* Fiber.join(listed)).toEqual({ processes: [] })
    }).pipe(Effect.scoped))

  it.live("runs the handlers concurrently: 50 questions are all asked at once, and each answered when it is decided", () =>
    Effect.gen(function*() {
      const { peer, link } = yield* connectedPeer()
      const gate = yield* Deferred.make<void>()
      let started = 0
      let finished = 0
      peer.serve("network/policyRequest", (params) =>
        Effect.gen(function*() {
          started++
          // All but the last wait for the gate.
          if (params.request.host !== "h50.test") yield* Deferred.await(gate)
          finished++
          return { decision: { type: "allow" } as const }
        }))
      for (let i = 1; i <= 50; i++) link.send(ask(i, `h${i}.test`))
      const first = yield* next(link)
      // The 50th is answered while the 49 before it still wait: none of them blocked it.
      expect(first.id).toBe(50)
      expect(started).toBe(50)
      expect(finished).toBe(1)
      yield* Deferred.succeed(gate, undefined)
      const rest = new Set<unknown>()
      for (let i = 1; i < 50; i++) rest.add((yield* next(link)).id)
      expect(rest).toEqual(new Set(Array.from({ length: 49 }, (_, i) => i + 1)))
    }).pipe(Effect.scoped))

  it.live("hands notifications decoded to their subscriber, and drops those that do not fit", () =>
    Effect.gen(function*() {
      const { peer, link } = yield* connectedPeer()
      const notes: Array<PolicyDecisionNotification> = []
      peer.subscribe("network/policyDecision", (note) => notes.push(note))
      const note = DECISION_NOTE
      link.send({ method: "network/policyDecision", params: note })
      link.send({ method: "network/policyDecision", params: { ...note, decision: "maybe" } })
      link.send({ method: "network/policyDecision", params: { ...note, host: "second.test" } })
      // A round trip after them: they were read by then.
      link.send(ask(1, "x.test"))
      yield* next(link)
      expect(notes).toEqual([note, { ...note, host: "second.test" }])
    }).pipe(Effect.scoped))

  it.live("does not answer on a new link a question asked on the old one, which is interrupted", () =>
    Effect.gen(function*() {
      const { peer, link, server } = yield* connectedPeer({
        detachTtlMs: 60_000,
        reconnect: { initialDelayMs: 1, maxDelayMs: 1, maxAttempts: 5 }
      })
      const gate = yield* Deferred.make<void>()
      const interrupted = yield* Deferred.make<void>()
      peer.serve("network/policyRequest", (params) =>
        params.request.host === "slow.test"
          ? Effect.as(Deferred.await(gate), { decision: { type: "allow" } as const }).pipe(
            Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined))
          )
          : Effect.succeed({ decision: { type: "deny", reason: "second link" } as const }))
      link.send(ask(1, "slow.test"))
      // Its handler is running when the link drops.
      yield* Effect.sleep("20 millis")
      yield* link.drop
      const second = yield* Queue.take(server.links)
      yield* Deferred.await(interrupted).pipe(Effect.timeout("1 second"))
      yield* Deferred.succeed(gate, undefined)
      // The server's ids start again on the new link: id 1 there is another question.
      second.send(ask(1, "fast.test"))
      expect(yield* next(second)).toEqual({ id: 1, result: { decision: { type: "deny", reason: "second link" } } })
      yield* Effect.sleep("50 millis")
      expect(yield* Queue.size(second.received)).toBe(0)
      expect(yield* Queue.size(link.received)).toBe(0)
    }).pipe(Effect.scoped))
})

describe("the client's managed network API", () => {
  it.live("answers with its networkPolicyDecider, completes a short networkProxy, and hands a process its decision notes", () =>
    Effect.gen(function*() {
      const server = yield* fakeServer
      const heard: Array<PolicyDecisionNotification> = []
      const client = yield* ExecServerClient.make(server.connector, {
        networkPolicyDecider: ({ request }) =>
          Effect.succeed(request.host === "registry.npmjs.org" ? ExecServerClient.PolicyDecisions.allow : ExecServerClient.PolicyDecisions.deny("no"))
        ,
        onNetworkPolicyDecision: (note) => heard.push(note)
      })
      const link = yield* Queue.take(server.links)
      const starting = yield* Effect.forkChild(client.start({
        argv: ["curl", "http://example.org/"],
        processId: "p1",
        networkProxy: { allow: ["registry.npmjs.org", "*.npmjs.org"], deny: ["evil.test"], mode: "limited" }
      }))
      const start = yield* next(link)
      expect(start.method).toBe("process/start")
      expect(start.params?.["networkProxy"]).toEqual({
        proxy: {
          enabled: true,
          enableSocks5: true,
          enableSocks5Udp: false,
          allowUpstreamProxy: false,
          dangerouslyAllowAllUnixSockets: false,
          mode: "limited",
          allowLocalBinding: false,
          domains: { "registry.npmjs.org": "allow", "*.npmjs.org": "allow", "evil.test": "deny" }
        },
        // The client has a decider: unlisted hosts are asked of it.
        policyDecisionTimeoutMs: ExecServerClient.DEFAULT_POLICY_DECISION_TIMEOUT_MS
      })
      link.send({ id: start.id, result: { processId: "p1", sandboxType: "none" } })
      const handle = yield* Fiber.join(starting)
      const decisions = yield* Effect.forkChild(Stream.runCollect(handle.networkDecisions))

      link.send(ask(1, "example.org"))
      expect(yield* next(link)).toEqual({ id: 1, result: { decision: { type: "deny", reason: "no" } } })
      const note = { ...DECISION_NOTE, reason: "no" } as const
      link.send({ method: "network/policyDecision", params: note })
      link.send({ method: "network/policyDecision", params: { ...note, processId: "other" } })
      link.send({ method: "process/closed", params: { processId: "p1", seq: 1 } })
      expect([...(yield* Fiber.join(decisions))]).toEqual([note])
      expect(heard).toEqual([note, { ...note, processId: "other" }])
    }).pipe(Effect.scoped))

  it.live("an onNetworkPolicyDecision that throws stops nothing: notifications(method) beside it hears every note", () =>
    Effect.gen(function*() {
      const server = yield* fakeServer
      let calls = 0
      const client = yield* ExecServerClient.make(server.connector, {
        onNetworkPolicyDecision: () => {
          calls++
          throw new Error("the application's callback failed")
        }
      })
      const link = yield* Queue.take(server.links)
      // A pull listens from the moment it is made.
      const notes = yield* Stream.toPull(client.notifications("network/policyDecision"))
      const first = { ...DECISION_NOTE, reason: "first" } as const
      const second = { ...DECISION_NOTE, reason: "second" } as const
      link.send({ method: "network/policyDecision", params: first })
      link.send({ method: "network/policyDecision", params: second })
      const heard: Array<PolicyDecisionNotification> = []
      while (heard.length < 2) heard.push(...(yield* notes))
      expect(heard).toEqual([first, second])
      expect(calls).toBe(2)
    }).pipe(Effect.scoped))

  it.live("a notifications(method) consumer that falls behind its buffer loses none: the client waits to read on", () =>
    Effect.gen(function*() {
      const server = yield* fakeServer
      // Told of each note just before the stream (it subscribed first): once the one past the stream's
      // buffer has gone through every listener (the rest of that message's dispatch, hence setImmediate).
      const bufferFull = Deferred.makeUnsafe<void>()
      let told = 0
      const client = yield* ExecServerClient.make(server.connector, {
        onNetworkPolicyDecision: () => {
          if (++told === ExecServerClient.NOTIFICATION_BUFFER + 1) setImmediate(() => Deferred.doneUnsafe(bufferFull, Exit.void))
        }
      })
      const link = yield* Queue.take(server.links)
      const notes = yield* Stream.toPull(client.notifications("network/policyDecision"))
      const count = ExecServerClient.NOTIFICATION_BUFFER + 100
      for (let i = 0; i < count; i++) link.send({ method: "network/policyDecision", params: { ...DECISION_NOTE, port: i } })
      yield* Deferred.await(bufferFull)
      // The reader waits for room: it has taken none of the rest.
      expect(told).toBe(ExecServerClient.NOTIFICATION_BUFFER + 1)
      const ports: Array<number> = []
      while (ports.length < count) ports.push(...(yield* notes).map((note) => note.port))
      expect(ports).toEqual(Array.from({ length: count }, (_, i) => i))
    }).pipe(Effect.scoped))

  it.live("keeps the raw networkProxy as it is, and asks nobody without a decider (-32601)", () =>
    Effect.gen(function*() {
      const server = yield* fakeServer
      const client = yield* ExecServerClient.make(server.connector, {})
      const link = yield* Queue.take(server.links)
      const raw = {
        proxy: {
          enabled: true,
          enableSocks5: false,
          enableSocks5Udp: false,
          allowUpstreamProxy: false,
          dangerouslyAllowAllUnixSockets: false,
          mode: "full",
          allowLocalBinding: true,
          domains: { localhost: "allow" }
        },
        policyDecisionTimeoutMs: 2000
      } as const
      const starting = yield* Effect.forkChild(client.start({ argv: ["true"], processId: "p2", networkProxy: raw, detached: true }))
      const start = yield* next(link)
      expect(start.params?.["networkProxy"]).toEqual(raw)
      link.send({ id: start.id, result: { processId: "p2", sandboxType: "none" } })
      yield* Fiber.join(starting)
      // A short form without a decider: the server decides unlisted hosts itself.
      const short = yield* Effect.forkChild(client.start({ argv: ["true"], processId: "p3", networkProxy: { allow: ["a.test"] }, detached: true }))
      const shortStart = yield* next(link)
      expect(shortStart.params?.["networkProxy"]).not.toHaveProperty("policyDecisionTimeoutMs")
      link.send({ id: shortStart.id, result: { processId: "p3", sandboxType: "none" } })
      yield* Fiber.join(short)
      link.send(ask(9, "example.org"))
      expect((yield* next(link)).error?.code).toBe(-32601)
    }).pipe(Effect.scoped))

  it.live("takes a decider from the context (layerNetworkPolicyDecider) when the option is not given", () =>
    Effect.gen(function*() {
      const server = yield* fakeServer
      yield* ExecServerClient.make(server.connector, {}).pipe(
        Effect.provide(ExecServerClient.layerNetworkPolicyDecider(() => Effect.succeed(ExecServerClient.PolicyDecisions.ask("a person decides"))))
      )
      const link = yield* Queue.take(server.links)
      link.send(ask(1, "example.org"))
      expect(yield* next(link)).toEqual({ id: 1, result: { decision: { type: "ask", reason: "a person decides" } } })
    }).pipe(Effect.scoped))

  it.live("the Promise client's decider may answer with a Promise; a rejection is -32603", () =>
    Effect.gen(function*() {
      const server = yield* fakeServer
      const client = yield* Effect.promise(() =>
        PromiseClient.connectWith(server.connector, {
          networkPolicyDecider: async ({ request }) => {
            if (request.host === "reject.test") throw new Error("cannot decide")
            return { type: "allow" }
          }
        })
      )
      yield* Effect.addFinalizer(() => Effect.promise(() => client.close()))
      const link = yield* Queue.take(server.links)
      link.send(ask(1, "example.org"))
      expect(yield* next(link)).toEqual({ id: 1, result: { decision: { type: "allow" } } })
      link.send(ask(2, "reject.test"))
      const rejected = yield* next(link)
      expect(rejected.error?.code).toBe(-32603)
      expect(rejected.error?.message).toContain("cannot decide")
    }).pipe(Effect.scoped))
})
