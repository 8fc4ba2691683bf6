/**
 * Who may connect over WebSocket, and the limits that keep one client from
 * knocking the server over, on servers in process (the refusals of bad
 * flags at start, exit code 2, and the command-line client's token file:
 * securityProcess.test.ts). Counters are read as what a test added: a
 * server in process counts into the test process's metrics, which every
 * server of the file shares.
 */
import { Effect, Layer } from "effect"
import { createHash, createHmac, randomBytes } from "node:crypto"
import { readFileSync, writeFileSync } from "node:fs"
import * as Net from "node:net"
import * as Path from "node:path"
import { WebSocket } from "ws"
import { describe, expect, it } from "vitest"
import * as ExecServerClient from "../../src/client/ExecServerClient.js"
import * as PromiseClient from "../../src/client/PromiseClient.js"
import { useInProcessWebSocketServers } from "../support/InProcessServer.js"
import { eventually } from "../support/waiting.js"
import { httpRequest, RawWebSocketClient, upgradeStatus } from "../support/WebSocketClient.js"
import { pipeProcess } from "../support/WireClient.js"
import { AUDIENCE, bearer, claims, ISSUER, jwt, now, SECRET, TOKEN, useAuthFiles } from "../support/wsAuth.js"

const { dir, tokenFile, secretFile, jwtFlags: JWT_FLAGS } = useAuthFiles()

const start = useInProcessWebSocketServers()

/** The status of a plain HTTP GET (over a connection of its own), with the given headers; `host` replaces the URL's. */
const httpStatus = async (url: string, path: string, headers: Record<string, string> = {}): Promise<number> =>
  (await httpRequest(url, path, { headers })).status

/** The port of a server's URL. */
const portOf = (url: string): number => Number(/:(\d+)$/.exec(url)![1])

/** The value of a Prometheus sample (name and labels as they start the line). */
const sample = (text: string, prefix: string): number | undefined => {
  const line = text.split("\n").find((entry) => entry.startsWith(prefix))
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1))
}

/** Upgrades refused with `status` so far, by the server at `url`'s /metrics (0 before the first). */
const refusedUpgrades = async (url: string, status: number, headers: Record<string, string> = {}): Promise<number> => {
  // On a connection of its own: a kept-alive one may meet the listener's keep-alive close.
  const scrape = await httpRequest(url, "/metrics", { headers })
  expect(scrape.status).toBe(200)
  return sample(scrape.body, `exec_server_connections_refused_total{status="${status}"`) ?? 0
}

describe("Host header (DNS rebinding)", () => {
  it("answers 421 to a Host it is not known by, on every endpoint and the upgrade, before the token; logs and counts it", async () => {
    const server = await start(["--ws-token-file", tokenFile, "--log-format", "json"])
    const refusedBefore = await refusedUpgrades(server.url, 421, { authorization: `Bearer ${TOKEN}` })
    const evil = { host: `evil.example:${portOf(server.url)}` }
    for (const path of ["/healthz", "/readyz", "/metrics", "/nope"]) {
      expect(await httpStatus(server.url, path, evil), path).toBe(421)
      expect(await httpStatus(server.url, path, { ...evil, authorization: `Bearer ${TOKEN}` }), path).toBe(421)
    }
    // Before the token is looked at: 421, not 401, with or without one.
    expect(await upgradeStatus(server.url, evil)).toBe(421)
    expect(await upgradeStatus(server.url, { ...evil, authorization: `Bearer ${TOKEN}` })).toBe(421)
    // Without any Host (HTTP/1.0) too.
    const noHost = await new Promise<string>((resolve) => {
      const socket = Net.connect(portOf(server.url), "127.0.0.1", () => socket.write("GET /healthz HTTP/1.0\r\n\r\n"))
      let answer = ""
      socket.on("data", (data) => answer += data)
      socket.on("close", () => resolve(answer))
    })
    expect(noHost).toMatch(/^HTTP\/1\.1 421 /)

    expect(await httpStatus(server.url, "/healthz")).toBe(200)
    // Upgrades are counted; plain requests only logged.
    expect(await refusedUpgrades(server.url, 421, { authorization: `Bearer ${TOKEN}` }) - refusedBefore).toBe(2)
    const refusals = () => server.stderr().split("\n").filter((line) => line.includes("connection refused")).map((line) => JSON.parse(line))
    // The log lines may reach us after the answers.
    expect(await eventually(() => refusals().length >= 11, 10_000), server.stderr()).toBe(true)
    const refused = refusals()
    expect(refused[0].annotations).toMatchObject({ status: 421, why: `host "evil.example:${portOf(server.url)}" not allowed` })
    expect(refused.some((line) => line.annotations.why === "no Host header")).toBe(true)
    expect(server.stderr()).not.toContain(TOKEN)
  })

  it("answers to its listen address and localhost (any port, or none), and to --allow-host names", async () => {
    const server = await start(["--allow-host", "Exec.Example", "--allow-host", "pinned.example:8080"])
    const port = portOf(server.url)
    for (const host of [`127.0.0.1:${port}`, "127.0.0.1", "127.0.0.1:1", `localhost:${port}`, "LOCALHOST", "exec.example", `EXEC.example:${port}`, "pinned.example:8080"]) {
      expect(await httpStatus(server.url, "/healthz", { host }), host).toBe(200)
    }
    for (const host of ["pinned.example", "pinned.example:8081", `127.0.0.2:${port}`, `[::1]:${port}`, "evil.example", "exec.example.evil.example", "exec.example:x", "a@exec.example"]) {
      expect(await httpStatus(server.url, "/healthz", { host }), host).toBe(421)
    }
    expect(await upgradeStatus(server.url, { host: `exec.example:${port}` })).toBe(101)
    expect(await upgradeStatus(server.url, { host: `localhost:${port}` })).toBe(101)
    expect(await upgradeStatus(server.url, { host: `127.0.0.2:${port}` })).toBe(421)
  })

  it("answers to its IPv6 address in brackets, in any of its spellings", async () => {
    const server = await start(["--listen", "ws://[::1]:0"])
    const port = portOf(server.url)
    expect(await httpStatus(server.url, "/healthz", { host: `[::1]:${port}` })).toBe(200)
    expect(await httpStatus(server.url, "/healthz", { host: "[0:0:0:0:0:0:0:1]" })).toBe(200)
    expect(await httpStatus(server.url, "/healthz", { host: `127.0.0.1:${port}` })).toBe(421)
    expect(await upgradeStatus(server.url)).toBe(101)
  })

  it("takes any IP address as Host on a wildcard listener (an IP literal cannot be rebound), but no other name", async () => {
    const server = await start(["--listen", "ws://0.0.0.0:0", "--insecure-no-auth"])
    const url = `ws://127.0.0.1:${portOf(server.url)}`
    for (const host of ["10.1.2.3:8765", "192.168.0.7", "[fe80::1]:80", "127.0.0.1", "localhost"]) {
      expect(await httpStatus(url, "/healthz", { host }), host).toBe(200)
    }
    expect(await httpStatus(url, "/healthz", { host: "evil.example" })).toBe(421)
    expect(await upgradeStatus(url, { host: "192.168.0.7:8765" })).toBe(101)
    expect(await upgradeStatus(url, { host: "evil.example" })).toBe(421)
  })

})

describe("WebSocket authentication", () => {
  it("refuses upgrades without the bearer token from --ws-token-file with 401, before any JSON-RPC", async () => {
    const server = await start(["--ws-token-file", tokenFile])
    expect(await upgradeStatus(server.url)).toBe(401)
    expect(await upgradeStatus(server.url, { authorization: "Bearer wrong" })).toBe(401)
    expect(await upgradeStatus(server.url, { authorization: `Basic ${TOKEN}` })).toBe(401)
    expect(await upgradeStatus(server.url, { authorization: `Bearer ${TOKEN}` })).toBe(101)
    const client = await RawWebSocketClient.connect(server.url, { authorization: `Bearer ${TOKEN}` })
    expect((await client.handshake()).result.protocolVersion).toBe("exec-server.v0")
  })

  it("logs at most 20 refusals of one peer per 10 s however many it sends (the rest counted, and said with the next line logged); the metric counts all", async () => {
    const server = await start(["--ws-token-file", tokenFile, "--log-format", "json"])
    const refusedBefore = await refusedUpgrades(server.url, 401, { authorization: `Bearer ${TOKEN}` })
    // 300 unauthenticated upgrades as fast as they are answered: 300 lines of about 200 bytes before, a flood at scale.
    for (let batch = 0; batch < 10; batch++) {
      const statuses = await Promise.all(Array.from({ length: 30 }, () => upgradeStatus(server.url, { authorization: "Bearer wrong" })))
      expect(statuses.every((status) => status === 401)).toBe(true)
    }
    expect(await refusedUpgrades(server.url, 401, { authorization: `Bearer ${TOKEN}` }) - refusedBefore).toBe(300)
    const refused = () => server.stderr().split("\n").filter((line) => line.includes("connection refused"))
    expect(await eventually(() => refused().length === 20)).toBe(true)
    // A client with the token is served meanwhile, and is not logged as refused.
    expect(await upgradeStatus(server.url, { authorization: `Bearer ${TOKEN}` })).toBe(101)
    expect(refused().length).toBe(20)
  })

  it("accepts --ws-token-sha256, and the client library sends its token", async () => {
    const digest = createHash("sha256").update(TOKEN).digest("hex")
    const server = await start(["--ws-token-sha256", digest])
    expect(await upgradeStatus(server.url)).toBe(401)
    const result = await Effect.runPromise(
      Effect.gen(function*() {
        const client = yield* ExecServerClient.ExecServerClient
        return yield* client.exec(["echo", "authenticated"], { env: { PATH: "/usr/bin:/bin" }, cwd: "/tmp" })
      }).pipe(Effect.provide(ExecServerClient.layerWebSocket({ url: server.url, token: TOKEN })))
    )
    expect(Buffer.from(result.stdout).toString()).toBe("authenticated\n")
    const refused = await Effect.runPromise(
      Layer.build(ExecServerClient.layerWebSocket({ url: server.url, token: "nope" })).pipe(Effect.flip, Effect.scoped)
    )
    expect(refused._tag).toBe("ExecServer/CredentialsRefused")
    expect(refused.message).toContain("401")
  })

  it("listens on a non-loopback address with --insecure-no-auth or with a token", async () => {
    const insecure = await start(["--listen", "ws://0.0.0.0:0", "--insecure-no-auth"])
    expect(await upgradeStatus(`ws://127.0.0.1:${portOf(insecure.url)}`)).toBe(101)
    const withToken = await start(["--listen", "ws://0.0.0.0:0", "--ws-token-file", tokenFile])
    expect(withToken.url).toMatch(/^ws:\/\/0\.0\.0\.0:\d+$/)
    expect(await upgradeStatus(`ws://127.0.0.1:${portOf(withToken.url)}`)).toBe(401)
  })

  it("refuses upgrades carrying an Origin unless it is allowed (cross-site WebSocket hijacking)", async () => {
    const server = await start(["--allow-origin", "https://ide.example"])
    expect(await upgradeStatus(server.url, { origin: "https://evil.example" })).toBe(403)
    expect(await upgradeStatus(server.url, { origin: "https://ide.example" })).toBe(101)
    expect(await upgradeStatus(server.url)).toBe(101)
  })
})

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
/** An HS256 token of exactly this payload text (no library would write a repeated claim). */
const signedRaw = async (payloadText: string): Promise<string> => {
  const signingInput = `${base64url({ alg: "HS256", typ: "JWT" })}.${Buffer.from(payloadText).toString("base64url")}`
  const signature = createHmac("sha256", SECRET).update(signingInput).digest("base64url")
  return `${signingInput}.${signature}`
}

describe("signed bearer tokens (--ws-auth signed-bearer-token)", () => {
  it("refuses with 401, before any JSON-RPC: no token, alg none, other algorithms, a wrong key, expired, not yet valid, wrong iss or aud, no exp, tampering, exp 1e300, padding, a repeated claim", async () => {
    const server = await start([...JWT_FLAGS, "--log-format", "json"])
    const valid = await jwt(claims())
    const [header, payload, signature] = valid.split(".") as [string, string, string]
    // The signature with one of its characters changed (not the last: its low bits are padding).
    const otherSignature = signature.slice(0, 10) + (signature[10] === "A" ? "B" : "A") + signature.slice(11)
    const refused: Record<string, [Record<string, string>, string]> = {
      "no token": [{}, "no bearer token"],
      "another scheme": [{ authorization: `Basic ${valid}` }, "no bearer token"],
      "not a JWT": [bearer(TOKEN), "malformed bearer token"],
      "alg none": [bearer(`${base64url({ alg: "none", typ: "JWT" })}.${base64url(claims())}.`), "bearer token not signed with HS256"],
      "alg none, the valid signature kept": [bearer(`${base64url({ alg: "none", typ: "JWT" })}.${payload}.${signature}`), "bearer token not signed with HS256"],
      "HS512 with the secret": [bearer(await jwt(claims(), { alg: "HS512" })), "bearer token not signed with HS256"],
      "HS384 with the secret": [bearer(await jwt(claims(), { alg: "HS384" })), "bearer token not signed with HS256"],
      "a wrong key": [bearer(await jwt(claims(), { key: "another secret of more than thirty-two bytes, 0123" })), "bearer token with a wrong signature"],
      "expired": [bearer(await jwt(claims({ exp: now() - 120 }))), "expired bearer token"],
      "not yet valid": [bearer(await jwt(claims({ nbf: now() + 120 }))), "bearer token not valid yet"],
      "another issuer": [bearer(await jwt(claims({ iss: "https://evil.example" }))), "bearer token of another issuer"],
      "no issuer": [bearer(await jwt(claims({ iss: undefined }))), "bearer token of another issuer"],
      "another audience": [bearer(await jwt(claims({ aud: "someone-else" }))), "bearer token for another audience"],
      "no exp": [bearer(await jwt(claims({ exp: undefined }))), "bearer token without exp"],
      "a tampered payload": [bearer(`${header}.${base64url(claims({ sub: "root" }))}.${signature}`), "bearer token with a wrong signature"],
      "a tampered signature": [bearer(`${header}.${payload}.${otherSignature}`), "bearer token with a wrong signature"],
      // Signed with the right key, but read leniently they could mean something else.
      "exp 1e300 (never expiring)": [bearer(await jwt(claims({ exp: 1e300 }))), "bearer token whose exp is not a time"],
      "a signature with = appended": [bearer(`${valid}=`), "malformed bearer token"],
      "a claim given twice": [bearer(await signedRaw(`{"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"agent","exp":${now() + 300},"sub":"root"}`)), "bearer token with a claim given twice"],
      "a claim given twice, once escaped": [bearer(await signedRaw(`{"iss":"${ISSUER}","aud":"${AUDIENCE}","exp":${now() + 300},"\\u0065xp"  :  ${now() + 900}}`)), "bearer token with a claim given twice"]
    }
    for (const [name, [headers]] of Object.entries(refused)) {
      expect(await upgradeStatus(server.url, headers), name).toBe(401)
    }
    expect(await upgradeStatus(server.url, bearer(valid))).toBe(101)
    expect(await upgradeStatus(server.url, { authorization: `bearer ${valid}` })).toBe(101)
    // Any aud of a list will do.
    expect(await upgradeStatus(server.url, bearer(await jwt(claims({ aud: ["other", AUDIENCE] }))))).toBe(101)
    const stderr = server.stderr
    const whys = () =>
      stderr().split("\n").filter((line) => line.includes("connection refused")).map((line) => JSON.parse(line).annotations)
    const count = Object.keys(refused).length
    expect(await eventually(() => whys().length >= count)).toBe(true)
    expect(whys().map((line) => line.why)).toEqual(Object.values(refused).map(([, why]) => why))
    expect(whys().every((line) => line.status === 401)).toBe(true)
    expect(stderr()).not.toContain(signature)
  })

  it("takes a flag's value that is also a command's name as the value (--ws-audience exec, --ws-issuer gateway)", async () => {
    const server = await start(["--ws-auth", "signed-bearer-token", "--ws-shared-secret-file", secretFile, "--ws-issuer", "gateway", "--ws-audience", "exec"])
    expect(await upgradeStatus(server.url, bearer(await jwt(claims({ iss: "gateway", aud: "exec" }))))).toBe(101)
    expect(await upgradeStatus(server.url, bearer(await jwt(claims({ iss: "gateway", aud: AUDIENCE }))))).toBe(401)
  })

  it("lets a valid token in: the client library reads it from a token file; /metrics takes it", async () => {
    const server = await start(JWT_FLAGS)
    const file = Path.join(dir, "jwt")
    writeFileSync(file, `\n  ${await jwt(claims())} \n\n`)
    const refusedBefore = await refusedUpgrades(server.url, 401, bearer(readFileSync(file, "utf8").trim()))
    const result = await Effect.runPromise(
      Effect.gen(function*() {
        const client = yield* ExecServerClient.ExecServerClient
        return yield* client.exec(["echo", "signed"], { env: { PATH: "/usr/bin:/bin" }, cwd: "/tmp" })
      }).pipe(Effect.provide(ExecServerClient.layerWebSocket({ url: server.url, tokenFile: file })))
    )
    expect(Buffer.from(result.stdout).toString()).toBe("signed\n")
    const client = await PromiseClient.connect(server.url, { tokenFile: file })
    try {
      expect(Buffer.from((await client.exec(["echo", "promised"], { cwd: "/tmp" })).stdout).toString()).toBe("promised\n")
    } finally {
      await client.close()
    }

    const expired = Path.join(dir, "expired")
    writeFileSync(expired, await jwt(claims({ exp: now() - 120 })))
    const refused = await Effect.runPromise(
      Layer.build(ExecServerClient.layerWebSocket({ url: server.url, tokenFile: expired })).pipe(Effect.flip, Effect.scoped)
    )
    expect(refused._tag).toBe("ExecServer/CredentialsRefused")
    const missing = await Effect.runPromise(
      Layer.build(ExecServerClient.layerWebSocket({ url: server.url, tokenFile: Path.join(dir, "nothing-here") })).pipe(Effect.flip, Effect.scoped)
    )
    expect(missing.message).toContain("nothing-here")

    const metrics = (headers: Record<string, string> = {}) => httpRequest(server.url, "/metrics", { headers })
    expect((await metrics()).status).toBe(401)
    expect((await metrics(bearer(readFileSync(expired, "utf8")))).status).toBe(401)
    expect((await metrics(bearer(await jwt(claims(), { alg: "HS512" })))).status).toBe(401)
    // The expired token's upgrade; a file that cannot be read sends none, and /metrics' refusals are not upgrades.
    expect(await refusedUpgrades(server.url, 401, bearer(readFileSync(file, "utf8").trim())) - refusedBefore).toBe(1)
  })

  it("allows 30 s of clock skew unless told otherwise", async () => {
    const lenient = await start(JWT_FLAGS)
    expect(await upgradeStatus(lenient.url, bearer(await jwt(claims({ exp: now() - 10 }))))).toBe(101)
    expect(await upgradeStatus(lenient.url, bearer(await jwt(claims({ nbf: now() + 10 }))))).toBe(101)
    expect(await upgradeStatus(lenient.url, bearer(await jwt(claims({ exp: now() - 45 }))))).toBe(401)
    const strict = await start([...JWT_FLAGS, "--ws-max-clock-skew-seconds", "0"])
    expect(await upgradeStatus(strict.url, bearer(await jwt(claims({ exp: now() - 5 }))))).toBe(401)
    expect(await upgradeStatus(strict.url, bearer(await jwt(claims({ nbf: now() + 5 }))))).toBe(401)
    expect(await upgradeStatus(strict.url, bearer(await jwt(claims({ nbf: now() - 1 }))))).toBe(101)
  })

  it("counts as authentication for a non-loopback address; issuer and audience are optional", async () => {
    const server = await start(["--listen", "ws://0.0.0.0:0", "--ws-auth", "signed-bearer-token", "--ws-shared-secret-file", secretFile])
    const url = `ws://127.0.0.1:${portOf(server.url)}`
    expect(await upgradeStatus(url)).toBe(401)
    expect(await upgradeStatus(url, bearer(await jwt({ exp: now() + 60 })))).toBe(101)
    expect(await upgradeStatus(url, bearer(await jwt({ exp: now() + 60, iss: "anyone", aud: "anything" })))).toBe(101)
  })

  // The moment between the start and the end of a check is taken apart in signedBearerPending.test.ts;
  // here real clients that go at once, most often after the check.
  it("gives back the places of clients that send a valid upgrade and go at once", async () => {
    const server = await start([...JWT_FLAGS, "--max-connections", "2", "--max-connections-per-client", "2"])
    const port = portOf(server.url)
    const token = await jwt(claims())
    const upgradeRequest = () =>
      `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nAuthorization: Bearer ${token}\r\n\r\n`
    // Each sends a valid upgrade and goes at once (half of them with a reset).
    await Promise.all(Array.from({ length: 40 }, (_, i) =>
      new Promise((resolve) => {
        const socket = Net.connect(port, "127.0.0.1", () => {
          socket.write(upgradeRequest())
          if (i % 2 === 0) socket.resetAndDestroy()
          else socket.destroy()
        })
        socket.on("error", () => {})
        socket.on("close", resolve)
      })))
    // Both places come back (the server sees the closes a moment later): two clients get in, a third does not.
    const clients: Array<RawWebSocketClient> = []
    for (let attempt = 0; attempt < 100 && clients.length < 2; attempt++) {
      try {
        clients.push(await RawWebSocketClient.connect(server.url, bearer(token)))
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    }
    expect(clients).toHaveLength(2)
    expect(await upgradeStatus(server.url, bearer(token))).toBe(503)
    for (const client of clients) expect((await client.handshake()).result.protocolVersion).toBe("exec-server.v0")
  })

})

describe("limits", () => {
  it("refuses connections beyond --max-connections with 503 and accepts again when one closes", async () => {
    const server = await start(["--max-connections", "2", "--max-connections-per-client", "2"])
    const a = await RawWebSocketClient.connectReady(server.url)
    await RawWebSocketClient.connectReady(server.url) // the second of the two allowed
    expect(await upgradeStatus(server.url)).toBe(503)
    const closed = new Promise((resolve) => a.socket.once("close", resolve))
    a.socket.close()
    await closed
    let status = 0
    for (let attempt = 0; attempt < 50 && status !== 101; attempt++) {
      status = await upgradeStatus(server.url)
      if (status !== 101) await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(status).toBe(101)
  })

  /** An upgrade refused: its status and the one-line reason of its body. */
  const refusedUpgrade = (url: string, headers: Record<string, string>, localAddress?: string) =>
    new Promise<{ readonly status: number; readonly body: string }>((resolve, reject) => {
      const socket = new WebSocket(url, { headers, ...(localAddress === undefined ? {} : { localAddress }) })
      socket.once("open", () => reject(new Error("the upgrade was accepted")))
      socket.once("unexpected-response", (_request, response) => {
        let body = ""
        response.on("data", (chunk) => body += chunk)
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: body.trim() }))
      })
      socket.on("error", () => {})
    })

  it("gives each client a share of --max-connections: one client with the token opens 64 initialized connections, another still connects and is answered; the first's extra gets 503 with the reason", async () => {
    const server = await start(["--ws-token-file", tokenFile])
    const withToken = { authorization: `Bearer ${TOKEN}` }
    // One client (peer 127.0.0.1), 64 initialized connections asked for, one after another.
    const held: Array<RawWebSocketClient> = []
    const refused: Array<unknown> = []
    for (let i = 0; i < 64; i++) {
      try {
        held.push(await RawWebSocketClient.connectReady(server.url, withToken))
      } catch (error) {
        refused.push(error)
      }
    }
    // Another client with the same token, from another peer (127.0.0.2): let in and answered.
    const other = await RawWebSocketClient.connectReady(server.url, withToken, { localAddress: "127.0.0.2" })
    expect((await other.request("process/list", {})).result).toEqual({ processes: [] })
    // The first holds three quarters of the places (the default share), the rest of its attempts refused.
    expect(held).toHaveLength(48)
    expect(refused).toHaveLength(16)
    expect(await refusedUpgrade(server.url, withToken)).toEqual({
      status: 503,
      body: "peer 127.0.0.1 already holds 48 connections, the most one client may (--max-connections-per-client 48)"
    })
    for (const client of held) expect((await client.request("process/list", {})).result).toEqual({ processes: [] })
  })

  it("counts a signed token's subject as the client, whatever its peer: another subject still connects", async () => {
    const server = await start([...JWT_FLAGS, "--max-connections", "3"])
    const agent = bearer(await jwt(claims({ sub: "agent" })))
    for (const localAddress of ["127.0.0.1", "127.0.0.2"]) await RawWebSocketClient.connectReady(server.url, agent, { localAddress })
    expect(await refusedUpgrade(server.url, agent, "127.0.0.3")).toEqual({
      status: 503,
      body: 'token subject "agent" already holds 2 connections, the most one client may (--max-connections-per-client 2)'
    })
    const other = await RawWebSocketClient.connectReady(server.url, bearer(await jwt(claims({ sub: "another" }))))
    expect((await other.request("process/list", {})).result).toEqual({ processes: [] })
  })

  it("refuses processes beyond --max-processes per session with -32600; other sessions are not counted", async () => {
    const server = await start(["--max-processes", "2"])
    const a = await RawWebSocketClient.connectReady(server.url)
    const b = await RawWebSocketClient.connectReady(server.url)
    for (const id of ["one", "two"]) {
      expect((await a.request("process/start", pipeProcess(id, ["sleep", "30"]))).result).toEqual({ processId: id, sandboxType: "none" })
    }
    const third = await a.request("process/start", pipeProcess("three", ["sleep", "30"]))
    expect(third.error.code).toBe(-32600)
    expect(third.error.message).toContain("--max-processes")
    expect((await b.request("process/start", pipeProcess("one", ["sleep", "30"]))).result).toEqual({ processId: "one", sandboxType: "none" })
    // A finished process frees its place.
    await a.request("process/terminate", { processId: "one", mode: "force" })
    await a.waitFor((m) => m.method === "process/closed" && m.params.processId === "one")
    expect((await a.request("process/start", pipeProcess("three", ["true"]))).result).toEqual({ processId: "three", sandboxType: "none" })
  })

  it("refuses file handles beyond --max-file-handles per session with -32600, and a closed one frees its place", async () => {
    const server = await start(["--max-file-handles", "2"])
    const client = await RawWebSocketClient.connectReady(server.url)
    const open = (handleId: string) => client.request("fs/open", { handleId, path: "/etc/hostname" })
    expect((await open("a")).result).toEqual({ handleId: "a" })
    expect((await open("b")).result).toEqual({ handleId: "b" })
    const third = await open("c")
    expect(third.error.code).toBe(-32600)
    expect(third.error.message).toContain("close one first")
    expect((await client.request("fs/close", { handleId: "a" })).result).toEqual({})
    expect((await open("c")).result).toEqual({ handleId: "c" })
  })

  it("answers cheap requests while a long-poll is pending on the same connection", async () => {
    const server = await start([])
    const client = await RawWebSocketClient.connectReady(server.url)
    await client.request("process/start", pipeProcess("quiet", ["sleep", "30"]))
    const pending = client.request("process/read", { processId: "quiet", waitMs: 20_000 })
    const startedAt = Date.now()
    for (let i = 0; i < 50; i++) expect((await client.request("process/list", {})).result.processes).toHaveLength(1)
    expect(Date.now() - startedAt).toBeLessThan(10_000)
    await client.request("process/terminate", { processId: "quiet", mode: "force" })
    expect((await pending).result.exited).toBe(true)
  })

  it("closes a connection that trickles its upgrade request past --upgrade-timeout-ms", async () => {
    const server = await start(["--upgrade-timeout-ms", "1000"])
    const socket = halfOpen(server.url)
    const started = Date.now()
    // A header every 200 ms: the request would never end.
    const trickle = setInterval(() => socket.write(`X-Trickle-${Date.now()}: 1\r\n`), 200)
    await new Promise((resolve) => socket.once("close", resolve))
    clearInterval(trickle)
    expect(Date.now() - started).toBeGreaterThanOrEqual(900)
    expect(Date.now() - started).toBeLessThan(3000)
  })

  it("holds no place among --max-connections for connections still upgrading; beyond --max-pending-upgrades the oldest is closed", async () => {
    const server = await start(["--max-connections", "2", "--max-connections-per-client", "2", "--max-pending-upgrades", "2", "--upgrade-timeout-ms", "30000"])
    const stalled = [halfOpen(server.url), halfOpen(server.url)]
    await Promise.all(stalled.map((socket) => new Promise((resolve) => socket.once("connect", resolve))))
    const closed = stalled.map((socket) => new Promise((resolve) => socket.once("close", resolve)))
    // Each client's connection is one more upgrading: the oldest stalled one makes room.
    const first = await RawWebSocketClient.connectReady(server.url)
    await closed[0]
    stalled.push(halfOpen(server.url))
    await new Promise((resolve) => stalled[2]!.once("connect", resolve))
    const second = await RawWebSocketClient.connectReady(server.url)
    await closed[1]
    // The two places are the upgraded connections' now.
    expect(await upgradeStatus(server.url)).toBe(503)
    for (const client of [first, second]) expect((await client.request("process/list", {})).result).toEqual({ processes: [] })
  })

  it("leaves a completed upgrade alone past the upgrade timeout", async () => {
    const server = await start(["--upgrade-timeout-ms", "300"])
    const client = await RawWebSocketClient.connectReady(server.url)
    await new Promise((resolve) => setTimeout(resolve, 800))
    expect(client.socket.readyState).toBe(WebSocket.OPEN)
    expect((await client.request("process/list", {})).result).toEqual({ processes: [] })
  })

})

/** A TCP connection that sends the start of an upgrade request and no more. */
const halfOpen = (url: string): Net.Socket => {
  const { hostname, port } = new URL(url)
  const socket = Net.connect(Number(port), hostname, () => {
    socket.write(`GET / HTTP/1.1\r\nHost: ${hostname}\r\nUpgrade: websocket\r\n`)
  })
  socket.on("error", () => {})
  return socket
}
