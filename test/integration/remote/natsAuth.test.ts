/**
 * Who may run commands on a remote executor, on a real nats-server with two
 * accounts: the executor's bearer token (a capability token or a signed JWT)
 * checked in each stream's open frame; accounts that see nothing of each
 * other; and per-user subject permissions within one account (the sets
 * docs/OPERATIONS.md gives, "Tenants").
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { createHash } from "node:crypto"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { connect, type NatsConnection } from "@nats-io/transport-node"
import { Context, Effect, Layer, Logger, Result } from "effect"
import * as Jose from "jose"
import * as ExecServerClient from "../../../src/client/ExecServerClient.js"
import * as Transport from "../../../src/jsonrpc/Transport.js"
import * as Frames from "../../../src/remote/frames.js"
import * as NatsConnector from "../../../src/remote/NatsConnector.js"
import * as NatsLink from "../../../src/remote/NatsLink.js"
import type { NatsAuth } from "../../../src/remote/natsOptions.js"
import * as NatsServerTransport from "../../../src/remote/NatsServerTransport.js"
import * as Registry from "../../../src/remote/Registry.js"
import * as ExecServer from "../../../src/server/ExecServer.js"
import * as ServerConfig from "../../../src/server/ServerConfig.js"
import { type NatsCluster, pollUntil, startNatsCluster } from "../../support/natsCluster.js"

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" }
const BUCKET = "exec_server_environments"

/**
 * The permissions of an executor of environment `id`: its end of the
 * subjects, answering opens, and its own registry key (the bucket's info,
 * creating it if missing, reading and writing its key). Found by watching
 * which subjects registering, heartbeating, claiming a held id and leaving
 * publish; docs/OPERATIONS.md gives the same set.
 */
const executorPermissions = (id: string) => `{
    publish: { allow: [
      "exec.${id}.*.to-client",
      "$JS.API.INFO", "$JS.API.STREAM.INFO.KV_${BUCKET}", "$JS.API.STREAM.CREATE.KV_${BUCKET}",
      "$JS.API.DIRECT.GET.KV_${BUCKET}.$KV.${BUCKET}.${id}", "$KV.${BUCKET}.${id}"
    ] }
    subscribe: { allow: ["exec.${id}.open", "exec.${id}.*.to-executor", "_INBOX.>"] }
    allow_responses: true
  }`

/** The permissions of a client of environment `id`: open it, its end of streams, replies; and reading the registry. */
const clientPermissions = (id: string) => `{
    publish: { allow: [
      "exec.${id}.open", "exec.${id}.*.to-executor",
      "$JS.API.INFO", "$JS.API.STREAM.INFO.KV_${BUCKET}", "$JS.API.CONSUMER.CREATE.KV_${BUCKET}.>",
      "$JS.API.CONSUMER.INFO.KV_${BUCKET}.>", "$JS.API.DIRECT.GET.KV_${BUCKET}.>"
    ] }
    subscribe: { allow: ["exec.${id}.*.to-client", "_INBOX.>"] }
  }`

const PASSWORD = "pw-for-tests"
const ACCOUNTS = `
accounts {
  A: {
    jetstream: enabled
    users: [
      { user: a-admin, password: ${PASSWORD} }
      { user: exec-env1, password: ${PASSWORD}, permissions: ${executorPermissions("env1")} }
      { user: exec-env2, password: ${PASSWORD}, permissions: ${executorPermissions("env2")} }
      { user: t1, password: ${PASSWORD}, permissions: ${clientPermissions("env1")} }
    ]
  }
  B: {
    jetstream: enabled
    users: [{ user: b-user, password: ${PASSWORD} }]
  }
}
`

let cluster: NatsCluster
let dir: string
let passwordFile: string
const secret = "a shared secret of at least 32 bytes, for HS256"

beforeAll(async () => {
  cluster = await startNatsCluster(1, { config: ACCOUNTS })
  dir = mkdtempSync(Path.join(tmpdir(), "nats-auth-"))
  passwordFile = Path.join(dir, "password")
  writeFileSync(passwordFile, PASSWORD)
})
afterAll(async () => {
  await cluster?.stop()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

const as = (user: string): NatsAuth => ({ _tag: "UserPassword", user, passwordFile })

/** An executor in this process for as long as the scope lives; its log lines (logfmt) go to `logs`. */
const executor = (
  environmentId: string,
  user: string,
  options: Partial<NatsServerTransport.NatsServerOptions> = {},
  logs: Array<string> = []
) =>
  Effect.gen(function*() {
    const services = yield* Layer.build(ExecServer.layerNodeServices.pipe(Layer.provideMerge(ServerConfig.layer())))
    const transport = yield* NatsServerTransport.make({ servers: cluster.urls, environmentId, auth: as(user), ...options })
    yield* ExecServer.run.pipe(Effect.provideService(Transport.ServerTransport, transport), Effect.provide(services), Effect.forkScoped)
    return transport
  }).pipe(Effect.provide(Logger.layer([Logger.map(Logger.formatLogFmt, (line) => void logs.push(line))])))

const client = (options: Omit<NatsConnector.NatsConnectorOptions, "servers">) =>
  Layer.build(
    Layer.effect(
      ExecServerClient.ExecServerClient,
      ExecServerClient.make(NatsConnector.make({ servers: cluster.urls, ...options }), { reconnect: false })
    )
  ).pipe(Effect.map(Context.get(ExecServerClient.ExecServerClient)))

/** Runs `touch marker` through a client; the marker says whether anything ran. */
const touch = (c: ExecServerClient.ExecServerClient["Service"], marker: string) =>
  Effect.map(c.exec(["touch", marker], { env, cwd: "/tmp" }), (result) => result.exitCode)

const jwt = (exp: number) =>
  new Jose.SignJWT({ sub: "agent", exp }).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(new TextEncoder().encode(secret))

const now = () => Math.floor(Date.now() / 1000)

describe("an executor with a bearer token", () => {
  it.live("capability token: the right one runs a command; a wrong or missing one is refused with the reason, runs nothing, and is logged without the token", () =>
    Effect.gen(function*() {
      const token = "capability-token-for-cap1"
      const logs: Array<string> = []
      yield* executor("cap1", "a-admin", { tokenSha256: createHash("sha256").update(token).digest() }, logs)
      const user = as("a-admin")

      const ok = yield* client({ environmentId: "cap1", auth: user, token })
      const allowed = Path.join(dir, "cap1-allowed")
      expect(yield* touch(ok, allowed)).toBe(0)
      expect(existsSync(allowed)).toBe(true)

      const wrong = yield* client({ environmentId: "cap1", auth: user, token: "not-the-token" }).pipe(Effect.flip)
      expect(wrong._tag).toBe("ExecServer/CredentialsRefused")
      expect(wrong.message).toContain("refused the stream: unauthorized: no or wrong bearer token")
      expect(wrong.message).not.toContain("\n")
      const missing = yield* client({ environmentId: "cap1", auth: user }).pipe(Effect.flip)
      expect(missing._tag).toBe("ExecServer/CredentialsRefused")
      expect(missing.message).toContain("no or wrong bearer token")

      // From a token file, read at connect (as for a WebSocket).
      const tokenFile = Path.join(dir, "cap1-token")
      writeFileSync(tokenFile, `${token}\n`)
      const fromFile = yield* client({ environmentId: "cap1", auth: user, tokenFile })
      expect((yield* fromFile.exec(["echo", "from file"], { env, cwd: "/tmp" })).exitCode).toBe(0)

      const refusals = logs.filter((line) => line.includes("remote stream refused"))
      expect(refusals).toHaveLength(2)
      expect(refusals.every((line) => line.includes("no or wrong bearer token"))).toBe(true)
      expect(logs.some((line) => line.includes("not-the-token") || line.includes(token))).toBe(false)
    }).pipe(Effect.scoped))

  it.live("a refused stream runs nothing: a wrong token's command never starts", () =>
    Effect.gen(function*() {
      yield* executor("cap2", "a-admin", { tokenSha256: createHash("sha256").update("right").digest() })
      const marker = Path.join(dir, "cap2-refused")
      const failure = yield* client({ environmentId: "cap2", auth: as("a-admin"), token: "wrong" }).pipe(
        Effect.flatMap((c) => touch(c, marker)),
        Effect.flip
      )
      expect(failure._tag).toBe("ExecServer/CredentialsRefused")
      expect(existsSync(marker)).toBe(false)
    }).pipe(Effect.scoped))

  it.live("signed token: a valid JWT runs a command, an expired one is refused as such", () =>
    Effect.gen(function*() {
      yield* executor("jwt1", "a-admin", { signedBearer: { secret: new TextEncoder().encode(secret) } })
      const user = as("a-admin")
      const valid = yield* Effect.promise(() => jwt(now() + 300))
      const c = yield* client({ environmentId: "jwt1", auth: user, token: valid })
      const result = yield* c.exec(["echo", "signed"], { env, cwd: "/tmp" })
      expect(Buffer.from(result.stdout).toString()).toBe("signed\n")

      // Beyond the default 30 s of clock skew.
      const expired = yield* Effect.promise(() => jwt(now() - 120))
      const marker = Path.join(dir, "jwt1-expired")
      const failure = yield* client({ environmentId: "jwt1", auth: user, token: expired }).pipe(
        Effect.flatMap((refused) => touch(refused, marker)),
        Effect.flip
      )
      expect(failure._tag).toBe("ExecServer/CredentialsRefused")
      expect(failure.message).toContain("unauthorized: expired bearer token")
      expect(existsSync(marker)).toBe(false)
      const missing = yield* client({ environmentId: "jwt1", auth: user }).pipe(Effect.flip)
      expect(missing.message).toContain("unauthorized: no bearer token")
    }).pipe(Effect.scoped))

  it.live("an executor without a token ignores the one a client sends, and any open payload; one with a token refuses a payload it cannot read", () =>
    Effect.gen(function*() {
      yield* executor("open1", "a-admin")
      const c = yield* client({ environmentId: "open1", auth: as("a-admin"), token: "unasked" })
      expect((yield* c.exec(["true"], { env, cwd: "/tmp" })).exitCode).toBe(0)

      yield* executor("cap3", "a-admin", { tokenSha256: createHash("sha256").update("t").digest() })
      const raw = yield* natsAs("a-admin")
      /** The executor's answer to an open frame carrying `payload` as its credential. */
      const answer = (environmentId: string, streamId: string, payload: string) =>
        Effect.promise(() => raw.request(NatsLink.openSubject(environmentId), NatsLink.controlFrame("open", streamId, payload), { timeout: 5000 }))
          .pipe(Effect.map((reply) => {
            const frame = Result.getOrThrow(Frames.decode(reply.data))
            return { kind: frame.kind, reason: new TextDecoder().decode(frame.payload) }
          }))
      expect(yield* answer("open1", "raw-1", "not json")).toEqual({ kind: "open", reason: "" })
      expect(yield* answer("cap3", "raw-2", "not json")).toEqual({ kind: "reset", reason: "unauthorized: a malformed open payload" })
    }).pipe(Effect.scoped))
})

/** A raw NATS connection as `user`, closed with the scope. */
const natsAs = (user: string) =>
  Effect.acquireRelease(
    Effect.promise(() => connect({ servers: [...cluster.urls], user, pass: PASSWORD })),
    (nc) => Effect.promise(() => nc.close())
  )

/** The errors the connection reports asynchronously (permissions violations), as they come. */
const asyncErrors = (nc: NatsConnection): Array<string> => {
  const errors: Array<string> = []
  void (async () => {
    for await (const status of nc.status()) if (status.type === "error") errors.push(String(status.error))
  })()
  return errors
}

describe("tenants", () => {
  it.live("accounts: a client of another account finds no environment, and sees nothing of its subjects", () =>
    Effect.gen(function*() {
      yield* executor("tenant-a", "a-admin")
      const failure = yield* client({ environmentId: "tenant-a", auth: as("b-user") }).pipe(Effect.flip)
      expect(failure._tag).toBe("ExecServer/EnvironmentNotFound")

      // Listening on everything (and so answering nothing: its own opens would find it).
      const other = yield* natsAs("b-user")
      let seen = 0
      other.subscribe("exec.>", { callback: () => void seen++ })
      other.subscribe("$KV.>", { callback: () => void seen++ })
      yield* Effect.promise(() => other.flush())

      // The same id from its own account runs, and B hears none of it.
      const c = yield* client({ environmentId: "tenant-a", auth: as("a-admin") })
      expect((yield* c.exec(["echo", "in A"], { env, cwd: "/tmp" })).exitCode).toBe(0)
      yield* Effect.promise(() => other.flush())
      expect(seen).toBe(0)
      // B's registry is its own bucket: A's executor is not listed there.
      const listed = yield* Registry.list(other)
      expect(listed.map((entry) => entry.record.id)).not.toContain("tenant-a")
    }).pipe(Effect.scoped))

  it.live("subject permissions: executors and a client restricted to their environment register, serve and run; the client cannot reach env2", () =>
    Effect.gen(function*() {
      const logs1: Array<string> = []
      yield* executor("env1", "exec-env1", {}, logs1)
      yield* executor("env2", "exec-env2")
      // Registered with the restricted users' permissions (no "not registered" warning).
      expect(logs1.filter((line) => line.includes("not registered"))).toEqual([])
      const t1 = yield* natsAs("t1")
      const ids = (yield* Registry.list(t1)).map((entry) => entry.record.id)
      expect(ids).toEqual(expect.arrayContaining(["env1", "env2"]))
      // A second executor of env1 reads the live claim and is refused for it, not for a permission.
      const second = yield* executor("env1", "exec-env1").pipe(Effect.scoped, Effect.flip)
      expect(second.message).toContain("environment env1 is served by a live executor")

      const c = yield* client({ environmentId: "env1", auth: as("t1") })
      expect(Buffer.from((yield* c.exec(["echo", "t1 on env1"], { env, cwd: "/tmp" })).stdout).toString()).toBe("t1 on env1\n")

      const refused = yield* client({ environmentId: "env2", auth: as("t1"), openTimeoutMs: 2000 }).pipe(Effect.flip)
      expect(refused._tag).toBe("ExecServer/TransportClosed")
      expect(refused.message).toMatch(/Permissions Violation/)

      const errors = asyncErrors(t1)
      const subscribeError = yield* Effect.callback<unknown>((resume) => {
        t1.subscribe("exec.env2.>", { callback: (error) => resume(Effect.succeed(error)) })
      })
      expect(String(subscribeError)).toMatch(/Permissions Violation for Subscription to "exec.env2.>"/)
      t1.publish("exec.env2.some-stream.to-executor", "x")
      yield* Effect.promise(() => pollUntil("the publish violation", async () => errors.some((e) => e.includes("Publish")), 5000))
      expect(errors.find((e) => e.includes("Publish"))).toMatch(/Permissions Violation for Publish to "exec.env2.some-stream.to-executor"/)
    }).pipe(Effect.scoped))
})
