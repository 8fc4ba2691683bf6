/**
 * The nats-server configuration docs/OPERATIONS.md gives for two tenants
 * ("Who may run commands"), taken from the document as it is: `nats-server
 * -t` accepts it, and a server run with it (its certificate made here, its
 * ports and paths moved to free ones) lets an executor and a client of
 * acme-build work over TLS under their permissions, and keeps the other
 * environment and the other account out of reach.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { Context, Effect, Layer, References } from "effect"
import * as ExecServerClient from "../../../src/client/ExecServerClient.js"
import * as Transport from "../../../src/jsonrpc/Transport.js"
import * as NatsConnector from "../../../src/remote/NatsConnector.js"
import type { NatsTls } from "../../../src/remote/natsOptions.js"
import * as NatsConnect from "../../../src/remote/natsConnect.js"
import * as NatsServerTransport from "../../../src/remote/NatsServerTransport.js"
import * as Registry from "../../../src/remote/Registry.js"
import * as ExecServer from "../../../src/server/ExecServer.js"
import * as ServerConfig from "../../../src/server/ServerConfig.js"
import { freePort, pollUntil } from "../../support/natsCluster.js"

const OPERATIONS = Path.resolve(import.meta.dirname, "../../../docs/OPERATIONS.md")

/** The fenced block of OPERATIONS.md that is the configuration. */
const documentedConfig = (): string => {
  const blocks = [...readFileSync(OPERATIONS, "utf8").matchAll(/```conf\n([\s\S]*?)```/g)].map((match) => match[1]!)
  const config = blocks.find((block) => block.startsWith("# nats-server.conf"))
  if (config === undefined) throw new Error("docs/OPERATIONS.md has no ```conf block starting with # nats-server.conf")
  return config
}

/** Replaces `from` by `to`, failing when the document no longer has `from` (the test would check something else). */
const replaced = (text: string, from: string, to: string): string => {
  if (!text.includes(from)) throw new Error(`the documented configuration no longer holds ${JSON.stringify(from)}`)
  return text.split(from).join(to)
}

let dir: string
let configFile: string
let url: string
let server: ChildProcess | undefined
const passwords: Record<string, string> = {}
let tls: NatsTls

/** A CA, and a server certificate it signs for 127.0.0.1. */
const makeCertificates = (into: string) => {
  const at = (name: string) => Path.join(into, name)
  const openssl = (...args: ReadonlyArray<string>) => execFileSync("openssl", args, { stdio: "ignore" })
  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test CA", "-keyout", at("ca-key.pem"), "-out", at("ca.pem"))
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", at("server-key.pem"), "-out", at("server.csr"))
  writeFileSync(at("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n")
  openssl(
    "x509", "-req", "-in", at("server.csr"), "-CA", at("ca.pem"), "-CAkey", at("ca-key.pem"), "-CAcreateserial",
    "-days", "1", "-extfile", at("san.ext"), "-out", at("server-cert.pem")
  )
}

beforeAll(async () => {
  dir = mkdtempSync(Path.join(tmpdir(), "nats-docs-"))
  makeCertificates(dir)
  tls = { caFile: Path.join(dir, "ca.pem") }
  const port = await freePort()
  const httpPort = await freePort()
  let config = documentedConfig()
  config = replaced(config, "/etc/nats/tls/", `${dir}/`)
  config = replaced(config, "/var/lib/nats/jetstream", Path.join(dir, "jetstream"))
  config = replaced(config, "listen: 0.0.0.0:4222", `listen: 127.0.0.1:${port}`)
  config = replaced(config, "http: 127.0.0.1:8222", `http: 127.0.0.1:${httpPort}`)
  for (const [, name] of config.matchAll(/\$([A-Z_]+_PASSWORD)\b/g)) passwords[name!] = `pw-${name!.toLowerCase()}`
  configFile = Path.join(dir, "nats-server.conf")
  writeFileSync(configFile, config)
  url = `nats://127.0.0.1:${port}`
  for (const [name, password] of Object.entries(passwords)) writeFileSync(Path.join(dir, name), password)
})
afterAll(async () => {
  if (server?.exitCode === null) {
    server.kill("SIGKILL")
    await new Promise((resolve) => server!.once("exit", resolve))
  }
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

const serverEnv = () => ({ PATH: process.env.PATH ?? "/usr/bin:/bin", ...passwords })

const auth = (user: string, passwordVariable: string) =>
  ({ _tag: "UserPassword", user, passwordFile: Path.join(dir, passwordVariable) }) as const

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" }

/** An in-process executor of acme-build as its documented user, for as long as the scope lives. */
const executor = (environmentId: string, user: string, passwordVariable: string) =>
  Effect.gen(function*() {
    const services = yield* Layer.build(ExecServer.layerNodeServices.pipe(Layer.provideMerge(ServerConfig.layer())))
    const transport = yield* NatsServerTransport.make({ servers: [url], environmentId, auth: auth(user, passwordVariable), tls })
    yield* ExecServer.run.pipe(Effect.provideService(Transport.ServerTransport, transport), Effect.provide(services), Effect.forkScoped)
  }).pipe(Effect.provideService(References.MinimumLogLevel, "None"))

const client = (environmentId: string, user: string, passwordVariable: string) =>
  Layer.build(Layer.effect(
    ExecServerClient.ExecServerClient,
    ExecServerClient.make(NatsConnector.make({ servers: [url], environmentId, auth: auth(user, passwordVariable), tls }), { reconnect: false })
  )).pipe(Effect.map(Context.get(ExecServerClient.ExecServerClient)))

describe("the nats-server configuration of docs/OPERATIONS.md", () => {
  it("is valid for nats-server -t", async () => {
    const { code, output } = await new Promise<{ code: number; output: string }>((resolve) =>
      execFile("nats-server", ["-t", "-c", configFile], { env: serverEnv() }, (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : Number(error.code), output: stdout + stderr })))
    expect(output).toContain("is valid")
    expect(code).toBe(0)
  })

  it.live("serves over TLS: acme-build's executor and client work under their permissions; acme-deploy and the other account are out of reach", () =>
    Effect.gen(function*() {
      server = spawn("nats-server", ["-c", configFile, "-l", Path.join(dir, "nats.log")], { env: serverEnv(), stdio: "ignore" })
      const monitor = /http: 127\.0\.0\.1:(\d+)/.exec(readFileSync(configFile, "utf8"))![1]
      yield* Effect.promise(() =>
        pollUntil("the server to be healthy", async () => (await fetch(`http://127.0.0.1:${monitor}/healthz`)).ok, 15_000)
      )
      yield* executor("acme-build", "acme-build-exec", "ACME_BUILD_EXEC_PASSWORD")
      yield* executor("acme-deploy", "acme-deploy-exec", "ACME_DEPLOY_EXEC_PASSWORD")

      const alice = yield* client("acme-build", "alice", "ALICE_PASSWORD")
      const result = yield* alice.exec(["echo", "over TLS"], { env, cwd: "/tmp" })
      expect(Buffer.from(result.stdout).toString()).toBe("over TLS\n")

      // Both executors registered under their permissions, and alice may read the registry.
      const aliceNats = yield* NatsConnect.connectScoped({ servers: [url], auth: auth("alice", "ALICE_PASSWORD"), tls })
      const listed = (yield* Registry.list(aliceNats)).map((entry) => entry.record.id)
      expect(listed).toEqual(["acme-build", "acme-deploy"])

      const deploy = yield* client("acme-deploy", "alice", "ALICE_PASSWORD").pipe(Effect.flip)
      expect(deploy.message).toMatch(/Permissions Violation/)
      const bob = yield* client("acme-build", "bob", "BOB_PASSWORD").pipe(Effect.flip)
      expect(bob._tag).toBe("ExecServer/EnvironmentNotFound")
      // Without the CA the server's certificate is not trusted, and the client does not connect.
      const untrusted = yield* Layer.build(Layer.effect(
        ExecServerClient.ExecServerClient,
        ExecServerClient.make(
          NatsConnector.make({ servers: [url], environmentId: "acme-build", auth: auth("alice", "ALICE_PASSWORD") }),
          { reconnect: false }
        )
      )).pipe(Effect.flip)
      expect(untrusted._tag).toBe("ExecServer/TransportClosed")
      expect(untrusted.message).toMatch(/certificate/i)
    }).pipe(Effect.scoped))
})
