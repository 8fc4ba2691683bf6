/**
 * The client's side of the managed network proxy (issue 46): a start's
 * `networkProxy` in the short form, the client's decider answering
 * `network/policyRequest`, and a process's decision notes; with the Effect
 * client and the Promise one, over a WebSocket to a server in the test's
 * process. The child sends curl through the proxy it was given to a
 * loopback HTTP server in a child of the test's (the proxies never connect
 * to a listener of the server's own process). No DNS: the names that must
 * not resolve end in `.test`.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import * as Readline from "node:readline"
import { afterAll, beforeAll } from "vitest"
import * as ExecServerClient from "../../src/client/ExecServerClient.js"
import * as PromiseClient from "../../src/client/PromiseClient.js"
import type { PolicyDecisionNotification, PolicyRequestParams } from "../../src/protocol/schema.js"
import { useInProcessWebSocketServers } from "../support/InProcessServer.js"

const startServer = useInProcessWebSocketServers()

/** An HTTP server on 127.0.0.1 answering `hello <method> <url>`, printing its port. */
const TARGET = "const s = require('node:http').createServer((q, r) => r.end(`hello ${q.method} ${q.url}`)); s.listen(0, '127.0.0.1', () => console.log(s.address().port))"

let target: ChildProcessWithoutNullStreams
let port = 0
beforeAll(async () => {
  target = spawn(process.execPath, ["-e", TARGET])
  const lines = Readline.createInterface({ input: target.stdout })
  port = Number(await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve)
    target.once("exit", (code) => reject(new Error(`the target ended (${code}) before listening`)))
  }))
})
afterAll(() => {
  if (target.exitCode === null) target.kill()
})

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" }

/** curl through the child's HTTP proxy: the status line, headers and body. */
const curl = (host: string) => ["sh", "-c", `curl -sS -i --max-time 25 -x "$HTTP_PROXY" http://${host}:${port}/`]

/** What the proxy answered: the status, its `x-proxy-error`, and the body. */
const answerOf = (output: string) => {
  const [head = "", body = ""] = output.split(/\r\n\r\n/, 2)
  const status = Number(/^HTTP\/\S+ (\d+)/.exec(head)?.[1] ?? 0)
  const proxyError = /^x-proxy-error: *(.*?)\r?$/mi.exec(head)?.[1]
  return { status, proxyError, body }
}

/** Runs `argv` under `networkProxy` and collects its output and its decision notes. */
const runBehindProxy = (argv: ReadonlyArray<string>, networkProxy: ExecServerClient.NetworkProxyInput) =>
  Effect.scoped(Effect.gen(function*() {
    const client = yield* ExecServerClient.ExecServerClient
    const handle = yield* client.start({ argv, env, cwd: "/tmp", networkProxy })
    const notes = yield* Effect.forkChild(Stream.runCollect(handle.networkDecisions))
    const output = yield* handle.events.pipe(
      Stream.runFold(() => "", (text, event) => event._tag === "Output" ? text + Buffer.from(event.bytes).toString() : text)
    )
    return { ...answerOf(output), output, notes: [...(yield* Fiber.join(notes))] }
  }))

describe("the client's managed network proxy", () => {
  const asked: Array<PolicyRequestParams> = []
  const heard: Array<PolicyDecisionNotification> = []
  const options: ExecServerClient.ClientOptions = {
    networkPolicyDecider: (request) =>
      Effect.sync(() => {
        asked.push(request)
        return request.request.host === "asked-allow.test"
          ? ExecServerClient.PolicyDecisions.allow
          : ExecServerClient.PolicyDecisions.deny("the test says no")
      }),
    onNetworkPolicyDecision: (note) => heard.push(note)
  }
  /** A client of a new server of the test's. */
  const withClient = <A, E>(effect: Effect.Effect<A, E, ExecServerClient.ExecServerClient>) =>
    Effect.flatMap(
      Effect.promise(() => startServer()),
      (server) => Effect.provide(effect, ExecServerClient.layerWebSocket({ url: server.url, ...options }))
    )

  it.live("an allowed localhost is forwarded (200), with an allow note", () =>
    Effect.gen(function*() {
      const run = yield* runBehindProxy(curl("localhost"), { allow: ["localhost"] })
      expect(run.status, run.output).toBe(200)
      expect(run.body).toBe("hello GET /")
      expect(run.notes).toMatchObject([{ decision: "allow", host: "localhost", port, protocol: "http", method: "GET" }])
    }).pipe(withClient))

  it.live("an unlisted host is asked of the decider, whose deny is a 403 blocked-by-policy", () =>
    Effect.gen(function*() {
      asked.length = 0
      heard.length = 0
      const run = yield* runBehindProxy(curl("unlisted.test"), { allow: ["localhost"] })
      expect(run.status, run.output).toBe(403)
      expect(run.proxyError).toBe("blocked-by-policy")
      expect(JSON.parse(run.body)).toMatchObject({ status: "blocked", host: "unlisted.test", reason: "the test says no" })
      expect(asked).toEqual([{ processId: expect.any(String), request: { protocol: "http", host: "unlisted.test", port } }])
      expect(run.notes).toMatchObject([{ decision: "deny", source: "decider", host: "unlisted.test", reason: "the test says no" }])
      // The client-wide callback heard it too.
      expect(heard).toMatchObject([{ decision: "deny", host: "unlisted.test" }])
    }).pipe(withClient))

  it.live("an allowed name that does not resolve is refused not_allowed_local, allowed by a pattern or by the decider", () =>
    Effect.gen(function*() {
      const listed = yield* runBehindProxy(curl("nowhere.test"), { allow: ["nowhere.test"] })
      expect(listed.status, listed.output).toBe(403)
      expect(listed.proxyError).toBe("blocked-by-allowlist")
      expect(JSON.parse(listed.body)).toMatchObject({ reason: "not_allowed_local" })
      asked.length = 0
      const decided = yield* runBehindProxy(curl("asked-allow.test"), { allow: ["localhost"] })
      expect(decided.status, decided.output).toBe(403)
      expect(JSON.parse(decided.body)).toMatchObject({ reason: "not_allowed_local" })
      expect(asked.map((request) => request.request.host)).toEqual(["asked-allow.test"])
    }).pipe(withClient))

  it.live("a denied pattern is refused without asking (blocked-by-denylist)", () =>
    Effect.gen(function*() {
      asked.length = 0
      const run = yield* runBehindProxy(curl("localhost"), { allow: ["**.test"], deny: ["localhost"] })
      expect(run.status, run.output).toBe(403)
      expect(run.proxyError).toBe("blocked-by-denylist")
      expect(asked).toEqual([])
    }).pipe(withClient))
})

describe("the Promise client's managed network proxy", () => {
  it("a Promise decider answers, and the process's notes are an async iterable", async () => {
    const asked: Array<string> = []
    const server = await startServer()
    await using client = await PromiseClient.connect(server.url, {
      networkPolicyDecider: async ({ request }) => {
        asked.push(request.host)
        return { type: "deny", reason: "promised no" }
      }
    })
    await using proc = await client.start({ argv: curl("unlisted.test"), env, cwd: "/tmp", networkProxy: { allow: ["localhost"] } })
    const notes: Array<PolicyDecisionNotification> = []
    const collected = (async () => {
      for await (const note of proc.networkDecisions()) notes.push(note)
    })()
    let output = ""
    for await (const event of proc.events()) if (event._tag === "Output") output += Buffer.from(event.bytes).toString()
    await collected
    expect(answerOf(output)).toMatchObject({ status: 403, proxyError: "blocked-by-policy" })
    expect(asked).toEqual(["unlisted.test"])
    expect(notes).toMatchObject([{ decision: "deny", source: "decider", reason: "promised no" }])
  })
})
