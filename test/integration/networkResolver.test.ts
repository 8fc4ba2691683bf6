/**
 * The address check with names that resolve (issue 46), no DNS needed: an
 * application gives the server its own resolver (`HostResolver`), here one
 * that says every `*.example` name is 127.0.0.1, and a real child's curl
 * goes through its proxy. A name allowed by a wildcard, exactly, or by the
 * client's answer must not reach a local address; with local binding
 * allowed it does, to the address the resolver gave.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as Http from "node:http"
import type * as Net from "node:net"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as ExecServerClient from "../../src/client/ExecServerClient.js"
import { HostResolver } from "../../src/network/ManagedProxy.js"
import * as ExecServer from "../../src/server/ExecServer.js"
import * as ServerConfig from "../../src/server/ServerConfig.js"
import * as InProcessClient from "../../src/testing/InProcessClient.js"

// The target runs in a process of its own: the server here is embedded in this one, and its proxies never
// connect to a listener of their own process (the last case).
let target: ChildProcess
let port = 0
let ownListener: Http.Server
let ownPort = 0
beforeAll(async () => {
  target = spawn(process.execPath, [
    "-e",
    `const s = require("node:http").createServer((q, r) => r.end("hello " + q.headers.host)); s.listen(0, "127.0.0.1", () => console.log(s.address().port))`
  ], { stdio: ["ignore", "pipe", "inherit"] })
  port = await new Promise<number>((resolve) => target.stdout!.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim()))))
  ownListener = Http.createServer((request, response) => response.end(`own ${request.headers.host}`))
  await new Promise<void>((resolve) => ownListener.listen(0, "127.0.0.1", resolve))
  ownPort = (ownListener.address() as Net.AddressInfo).port
})
afterAll(async () => {
  target.kill()
  await new Promise<void>((resolve) => ownListener.close(() => resolve()))
})

const resolved: Array<string> = []
const resolver = Layer.succeed(HostResolver, {
  resolve: (host: string) =>
    Effect.sync(() => {
      resolved.push(host)
      return host.endsWith(".example") ? ["127.0.0.1"] : []
    })
})

/** curl's status code and body through the process's HTTP proxy, under these rules. */
const fetchThrough = (url: string, networkProxy: ExecServerClient.NetworkProxyInput) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const context = yield* Layer.buildWithScope(
      InProcessClient.layer({ networkPolicyDecider: () => Effect.succeed({ type: "allow" as const }) }).pipe(
        Layer.provide(Layer.mergeAll(ExecServer.layerNodeServices, resolver)),
        Layer.provide(ServerConfig.layerDefaults)
      ),
      scope
    )
    const client = Context.get(context, ExecServerClient.ExecServerClient)
    const result = yield* client.exec(["sh", "-c", `curl -s -w ' %{http_code}' --max-time 10 -x "$HTTP_PROXY" ${url}`], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      cwd: "/tmp",
      networkProxy,
      encoding: "utf8"
    })
    yield* Scope.close(scope, Exit.void)
    return result.stdout
  }).pipe(Effect.runPromise)

const bodyOf = (output: string) => JSON.parse(output.slice(0, output.lastIndexOf(" "))) as Record<string, unknown>

describe("the proxy's address check, with an application's resolver", () => {
  it("refuses a name that resolves to 127.0.0.1 when a wildcard, the exact name or the client allowed it", async () => {
    const wildcard = await fetchThrough(`http://wild.example:${port}/`, { allow: ["*.example"], enableSocks5: false })
    expect(wildcard.endsWith(" 403")).toBe(true)
    expect(bodyOf(wildcard)).toMatchObject({ reason: "not_allowed_local", host: "wild.example" })
    const exact = await fetchThrough(`http://exact.example:${port}/`, { allow: ["exact.example"], enableSocks5: false })
    expect(bodyOf(exact)).toMatchObject({ reason: "not_allowed_local" })
    // The client allows what no rule decides; the address check still applies.
    const asked = await fetchThrough(`http://asked.example:${port}/`, { allow: [], enableSocks5: false })
    expect(bodyOf(asked)).toMatchObject({ reason: "not_allowed_local" })
    expect(resolved).toEqual(expect.arrayContaining(["wild.example", "exact.example", "asked.example"]))
  })

  it("reaches the address the resolver gave when local binding is allowed", async () => {
    const output = await fetchThrough(`http://wild.example:${port}/`, { allow: ["*.example"], allowLocalBinding: true, enableSocks5: false })
    expect(output).toBe(`hello wild.example:${port} 200`)
  })

  it("never reaches a listener of the process the server is embedded in, whatever allowed it", async () => {
    const output = await fetchThrough(`http://wild.example:${ownPort}/`, { allow: ["*.example"], allowLocalBinding: true, enableSocks5: false })
    expect(output.endsWith(" 403")).toBe(true)
    expect(bodyOf(output)).toMatchObject({ reason: "server_listener", host: "wild.example", port: ownPort })
  })
})
