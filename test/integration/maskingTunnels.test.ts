/**
 * Credential masking attacked through what the first reviews left alone
 * (issue 67, "not yet attacked"): HTTP/2 and ALPN offered to the proxies and
 * to a looked-into tunnel, a tunnel's SNI and `Host` pointed away from its
 * CONNECT target, redirects from a bound destination, and limited mode. The
 * server in process (on src/) over stdio, a child with a masked custom
 * credential bound to the test's loopback HTTPS server's `/v1` and its
 * plain HTTP server's `/v1`, curl and a hostile Node client of the child's
 * own. The servers (in a child process of the test's: the server's proxies
 * refuse its own process's listeners) record what they receive; every case
 * asserts where the real value went (only ever to its bound destination)
 * and where each request went (only ever to the target that was decided).
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Readline from "node:readline"
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest"
import { type InProcessServer, useInProcessServers } from "../support/InProcessServer.js"
import { launchOf, type NetworkProxyLaunchWire } from "../support/networkProxy.js"
import { makeTestCertificates } from "../support/testCertificates.js"

const startServers = useInProcessServers()

const MINE = "mytok_abcdefghijklmnopqrstuvwxyz012345"
const GITHUB = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"

/** What one of the test's servers received. */
interface Received {
  readonly server: string
  readonly path: string
  readonly host: string | undefined
  readonly authorization: string | undefined
  readonly httpVersion: string
  /** The SNI the request's TLS connection named (false: none; undefined: not TLS). */
  readonly servername: string | false | null | undefined
  readonly upgrade: string | undefined
}

let scratch = ""
let caFile = ""
let tunnelClient = ""
let greeterClient = ""
const received: Array<Received> = []
let bound = 0
let unbound = 0
let plain = 0
let h2only = 0
let greeter = 0

/**
 * The test's destinations run in a child process of their own: the server
 * runs in this one, and its proxies refuse its own process's listeners
 * (`server_listener`). The child says its ports, then each request it
 * received as a JSON line, in order, and answers each command the test
 * writes on its stdin once done: when the answer is read, so is every
 * request recorded before it.
 */
let destinations: ChildProcess.ChildProcessWithoutNullStreams | undefined
const answers = new Map<number, () => void>()
let commands = 0
const command = (fields: Record<string, unknown>): Promise<void> =>
  new Promise((resolve) => {
    const id = ++commands
    answers.set(id, resolve)
    destinations!.stdin.write(`${JSON.stringify({ id, ...fields })}\n`)
  })

/** Every request the destinations received so far has been recorded here. */
const settled = () => command({})

/** A request whose last path segment is `key` is sent on to `location` (302); anything else is answered 200. */
const redirect = (key: string, location: string) => command({ redirect: [key, location] })

const DESTINATIONS = [
  "const fs = require('node:fs'), http = require('node:http'), http2 = require('node:http2'), net = require('node:net'), readline = require('node:readline')",
  "const [keyFile, certFile] = process.argv.slice(2)",
  "const tls = { key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) }",
  "const redirects = new Map()",
  "const say = (message) => process.stdout.write(JSON.stringify(message) + '\\n')",
  // Records a request; one `redirects` names answers 302 there, anything else 200.
  "const recording = (name) => (request, response) => {",
  "  request.resume()",
  "  request.on('end', () => {",
  "    const socket = request.socket",
  "    say({ received: { server: name, path: request.url ?? '', host: request.headers.host, authorization: request.headers.authorization,",
  "      httpVersion: request.httpVersion, servername: 'encrypted' in socket ? socket.servername : undefined, upgrade: request.headers.upgrade } })",
  // A destination that reflects the request (as httpbin's /headers does): its Authorization in a header, a redirect and the body.
  "    if ((request.url ?? '').endsWith('reflect')) {",
  "      const auth = request.headers.authorization ?? ''",
  "      return void response.writeHead(302, { 'x-echo': auth, location: 'https://elsewhere.test/cb?token=' + auth.split(' ').at(-1) }).end(JSON.stringify({ headers: request.headers }) + '\\n')",
  "    }",
  "    const redirect = redirects.get((request.url ?? '').split('/').at(-1) ?? '')",
  "    if (redirect !== undefined) return void response.writeHead(302, { location: redirect }).end()",
  "    response.end(name + ' ok\\n')",
  "  })",
  "}",
  "const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)))",
  // Both speak HTTP/1.1 and h2 to a client that offers it: what the proxy's side chose is seen in `httpVersion`.
  "const h2only = http2.createSecureServer({ ...tls, allowHTTP1: false }, recording('h2only'))",
  // A destination that speaks h2 only: the looked-into tunnel's upstream (HTTP/1.1 only) cannot reach it.
  "h2only.on('unknownProtocol', (socket) => socket.destroy())",
  // A destination that speaks first (as SSH and SMTP do), then echoes each line.
  "const greeting = net.createServer((socket) => { socket.write('220 greeter ready\\r\\n'); socket.pipe(socket) })",
  "Promise.all([",
  "  listen(http2.createSecureServer({ ...tls, allowHTTP1: true }, recording('bound'))),",
  "  listen(http2.createSecureServer({ ...tls, allowHTTP1: true }, recording('unbound'))),",
  "  listen(http.createServer(recording('plain'))),",
  "  listen(h2only),",
  "  listen(greeting)",
  "]).then(([bound, unbound, plain, h2only, greeter]) => say({ ports: { bound, unbound, plain, h2only, greeter } }))",
  "readline.createInterface({ input: process.stdin }).on('line', (line) => {",
  "  const { id, redirect } = JSON.parse(line)",
  "  if (redirect !== undefined) redirects.set(redirect[0], redirect[1])",
  "  say({ done: id })",
  "})"
].join("\n")

beforeAll(async () => {
  scratch = Fs.mkdtempSync(Path.join(Os.tmpdir(), "masking-tunnels-"))
  const file = (name: string) => Path.join(scratch, name)
  const certificates = makeTestCertificates(scratch, { caName: "tunnels test CA", commonName: "localhost", subjectAltName: "IP:127.0.0.1,DNS:localhost" })
  caFile = certificates.caFile
  Fs.writeFileSync(file("destinations.cjs"), DESTINATIONS)
  const child = ChildProcess.spawn(process.execPath, [file("destinations.cjs"), certificates.keyFile, certificates.certFile])
  destinations = child
  child.stderr.setEncoding("utf8")
  child.stderr.on("data", (text: string) => process.stderr.write(text))
  const listening = new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the destinations ended (${code}) before listening`)))
    Readline.createInterface({ input: child.stdout }).on("line", (line) => {
      const message = JSON.parse(line) as { readonly ports?: Record<"bound" | "unbound" | "plain" | "h2only" | "greeter", number>; readonly received?: Partial<Received>; readonly done?: number }
      if (message.ports !== undefined) {
        ;({ bound, unbound, plain, h2only, greeter } = message.ports)
        resolve()
      }
      if (message.received !== undefined) {
        const entry = message.received
        // JSON leaves out what was undefined: each field as the request had it.
        received.push({
          server: entry.server!,
          path: entry.path!,
          host: entry.host,
          authorization: entry.authorization,
          httpVersion: entry.httpVersion!,
          servername: entry.servername,
          upgrade: entry.upgrade
        })
      }
      if (message.done !== undefined) {
        answers.get(message.done)?.()
        answers.delete(message.done)
      }
    })
  })
  await listening
  // The hostile client: CONNECT to one target, TLS naming another (or none), a `Host` of its choosing, the dummy as bearer.
  tunnelClient = file("tunnel.cjs")
  Fs.writeFileSync(tunnelClient, [
    "const net = require('node:net'), tls = require('node:tls'), fs = require('node:fs')",
    "const [label, target, sni, host, path, variable] = process.argv.slice(2)",
    "const proxy = new URL(process.env.HTTPS_PROXY)",
    // The process's proxy credential, which its proxy URL carries (curl sends it from there).
    "const credential = proxy.username === '' ? '' : 'Proxy-Authorization: Basic ' + Buffer.from(decodeURIComponent(proxy.username) + ':' + decodeURIComponent(proxy.password)).toString('base64') + '\\r\\n'",
    "const raw = net.connect(Number(proxy.port), proxy.hostname, () => raw.write('CONNECT ' + target + ' HTTP/1.1\\r\\nHost: ' + target + '\\r\\n' + credential + '\\r\\n'))",
    // HELLO_AFTER_MS: how long the client waits, once the tunnel is open, before its TLS hello.
    "const opened = (answer) => {",
    "  if (!String(answer).startsWith('HTTP/1.1 200')) return console.log(label, 'refused', String(answer).split('\\r\\n')[0])",
    "  const alpn = process.env.ALPN === undefined ? {} : { ALPNProtocols: process.env.ALPN.split(',') }",
    "  const options = { ...alpn, socket: raw, ca: fs.readFileSync(process.env.SSL_CERT_FILE), checkServerIdentity: () => undefined }",
    "  const secure = tls.connect(sni === '-' ? options : { ...options, servername: sni }, () => {",
    "    const head = ['GET ' + path + ' HTTP/' + (process.env.HTTP_VERSION ?? '1.1')].concat(host === '-' ? [] : ['Host: ' + host])",
    "    secure.write(head.concat(['Authorization: Bearer ' + process.env[variable], 'Connection: close', '', '']).join('\\r\\n'))",
    "  })",
    "  let seen = ''",
    "  secure.on('data', (chunk) => (seen += chunk))",
    "  let failed = false",
    "  secure.on('close', () => failed || console.log(label, seen.split('\\r\\n')[0] + ' | ' + seen.slice(seen.indexOf('\\r\\n\\r\\n') + 4).trim()))",
    "  secure.on('error', (error) => { failed = true; console.log(label, 'error', error.code) })",
    "}",
    "raw.once('data', (answer) => setTimeout(() => opened(answer), Number(process.env.HELLO_AFTER_MS ?? 0)))"
  ].join("\n"))
  // A client of a protocol the server opens: reads the greeting through a CONNECT tunnel, says a line, reads its echo.
  greeterClient = file("greeter.cjs")
  Fs.writeFileSync(greeterClient, [
    "const net = require('node:net')",
    "const [label, target] = process.argv.slice(2)",
    "const proxy = new URL(process.env.HTTPS_PROXY)",
    "const credential = proxy.username === '' ? '' : 'Proxy-Authorization: Basic ' + Buffer.from(decodeURIComponent(proxy.username) + ':' + decodeURIComponent(proxy.password)).toString('base64') + '\\r\\n'",
    "const raw = net.connect(Number(proxy.port), proxy.hostname, () => raw.write('CONNECT ' + target + ' HTTP/1.1\\r\\nHost: ' + target + '\\r\\n' + credential + '\\r\\n'))",
    "let seen = '', said = false",
    "raw.on('data', (chunk) => {",
    "  seen += chunk",
    "  if (!said && seen.includes('220 greeter ready\\r\\n')) { said = true; raw.write('hello\\r\\n') }",
    "  if (!seen.endsWith('hello\\r\\n')) return",
    // The proxy's answer, the greeting, and the echo of what the client said once greeted.
    "  const lines = seen.split('\\r\\n')",
    "  console.log(label, lines[0], '|', lines.at(-3), '|', lines.at(-2))",
    "  raw.destroy()",
    "})",
    "raw.on('error', (error) => console.log(label, 'error', error.code))"
  ].join("\n"))
}, 30_000)

afterAll(async () => {
  if (destinations !== undefined && destinations.exitCode === null) {
    const ended = new Promise((resolve) => destinations!.once("exit", resolve))
    destinations.kill()
    await ended
  }
  Fs.rmSync(scratch, { recursive: true, force: true })
})

/**
 * A server with a fresh CODEX_HOME and its own trust of the test's CA: its
 * environment is this process's (it runs here, and reads it as each process
 * starts), stubbed for the test and put back after it.
 */
afterEach(() => {
  vi.unstubAllEnvs()
})
const startServer = () => {
  vi.stubEnv("CODEX_HOME", Fs.mkdtempSync(Path.join(scratch, "codex-home-")))
  vi.stubEnv("SSL_CERT_FILE", caFile)
  return startServers()
}

const maskingLaunch = (extra: Record<string, unknown> = {}) =>
  launchOf({
    enableSocks5: true,
    domains: { "127.0.0.1": "allow", "denied.test": "deny" },
    credentialMasking: true,
    credentialProviders: {
      // `MY_TOKEN` bound to the HTTPS server's `/v1`, the h2-only one's, the plain one's, and the greeter's port.
      my: {
        env: ["MY_TOKEN"],
        patterns: ["mytok_[a-z0-9]{32}"],
        url_prefixes: [`https://127.0.0.1:${bound}/v1`, `https://127.0.0.1:${h2only}/v1`, `http://127.0.0.1:${plain}/v1`, `https://127.0.0.1:${greeter}/v1`],
        auth: ["bearer"]
      }
    },
    ...extra
  })

const childEnvironment = () => ({
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: scratch,
  MY_TOKEN: MINE,
  GITHUB_TOKEN: GITHUB
})

/** Runs a bash script with masking to its close; its output (which must never hold the real values). */
const run = async (server: InProcessServer, processId: string, script: string, networkProxy: NetworkProxyLaunchWire = maskingLaunch()) => {
  const started = await server.request("process/start", {
    processId,
    argv: ["/bin/bash", "-c", script],
    cwd: "file:///tmp",
    env: childEnvironment(),
    tty: false,
    networkProxy
  })
  expect(started.error).toBeUndefined()
  await server.closed(processId, 60_000)
  await settled()
  const output = server.outputOf(processId).toString()
  expect(output).not.toContain(MINE)
  expect(output).not.toContain(GITHUB)
  return output
}

/** The lines a script printed as `label rest`, by label. */
const linesOf = (output: string): Record<string, string> =>
  Object.fromEntries(output.trim().split("\n").filter((line) => /^\S+ /.test(line)).map((line) => [line.slice(0, line.indexOf(" ")), line.slice(line.indexOf(" ") + 1)]))

const receivedFor = (tag: string) => received.filter((entry) => entry.path.includes(`/${tag}/`))

/** The child's dummy of MY_TOKEN (one per session: any process of the session shows it). */
const dummyOf = async (server: InProcessServer) => {
  const output = await run(server, `dummy-${Math.random().toString(36).slice(2)}`, 'echo "dummy $MY_TOKEN"')
  const dummy = linesOf(output).dummy!
  expect(dummy).toMatch(/^mytok_[a-z0-9]{32}$/)
  expect(dummy).not.toBe(MINE)
  return dummy
}

/** The server still answers: a process starts and ends. */
const stillAnswers = async (server: InProcessServer) => {
  const output = await run(server, `alive-${Math.random().toString(36).slice(2)}`, "echo alive", launchOf())
  expect(output).toBe("alive\n")
}

describe("credential masking against HTTP/2, SNI, Host, redirects and limited mode", () => {
  it("HTTP/2 and ALPN: the looked-into tunnel speaks HTTP/1.1 only; nothing else gets the real value or passes the decision", async () => {
    const server = await startServer()
    const dummy = await dummyOf(server)
    const curl = (label: string, url: string, extra: string) =>
      `echo "${label} $(curl -sS --max-time 20 ${extra} -o /dev/null -w '%{http_code} %{http_version}' -H "Authorization: Bearer $MY_TOKEN" ${url} 2>/dev/null || echo failed)"`
    const script = [
      // h2 offered with a fallback (ALPN h2,http/1.1): the tunnel answers in HTTP/1.1, the real value at its destination.
      curl("offered", `https://127.0.0.1:${bound}/v1/h2/offered`, "--http2"),
      // h2 only (prior knowledge over TLS): never an HTTP/2 request with the real value.
      curl("prior-tls", `https://127.0.0.1:${bound}/v1/h2/prior-tls`, "--http2-prior-knowledge"),
      // Unlooked-into, h2 passes as it came: only the dummy to a destination the credential is not bound to.
      curl("unbound", `https://127.0.0.1:${unbound}/v1/h2/unbound`, "--http2"),
      // A bound destination that speaks h2 only: the tunnel's upstream offers HTTP/1.1 and cannot reach it.
      curl("h2only", `https://127.0.0.1:${h2only}/v1/h2/h2only`, "--http2"),
      // h2c: the HTTP proxy forwards HTTP/1.1 without the upgrade; inside a plain CONNECT tunnel, the upgrade is asked of the destination.
      curl("h2c", `http://127.0.0.1:${plain}/v1/h2/h2c`, "--http2"),
      curl("h2c-tunnel", `http://127.0.0.1:${plain}/v1/h2/h2c-tunnel`, "--http2 -p"),
      // Prior-knowledge h2 over CONNECT to a plain bound destination: not a request the tunnel serves.
      curl("prior-plain", `http://127.0.0.1:${plain}/v1/h2/prior-plain`, "--http2-prior-knowledge -p"),
      // A client that offers h2 alone: the tunnel's TLS refuses it rather than take what it cannot read.
      `ALPN=h2 node ${tunnelClient} alpn-h2 127.0.0.1:${bound} - 127.0.0.1:${bound} /v1/h2/alpn-h2 MY_TOKEN`,
      // The h2 preface sent to the proxy itself.
      `port=\${HTTP_PROXY##*:}; exec 3<>/dev/tcp/127.0.0.1/$port; printf 'PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n' >&3; echo "preface $(head -n 1 <&3 | tr -d '\\r')"; exec 3>&-`,
      curl("after", `https://127.0.0.1:${bound}/v1/h2/after`, "")
    ].join("\n")
    const lines = linesOf(await run(server, "h2", script))
    expect(lines.offered).toBe("200 1.1")
    expect(lines.unbound).toBe("200 2")
    expect(lines.h2only).toBe("502 1.1")
    expect(lines.h2c).toBe("200 1.1")
    expect(lines["h2c-tunnel"]).toBe("200 1.1")
    expect(lines["alpn-h2"]).toBe("error ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL")
    expect(lines.preface).toMatch(/^HTTP\/1\.1 400/)
    expect(lines.after).toBe("200 1.1")
    const seen = Object.fromEntries(receivedFor("h2").map((entry) => [entry.path.split("/").at(-1), entry]))
    expect(seen.offered).toMatchObject({ server: "bound", httpVersion: "1.1", authorization: `Bearer ${MINE}` })
    expect(seen.unbound).toMatchObject({ server: "unbound", httpVersion: "2.0", authorization: `Bearer ${dummy}` })
    expect(seen.h2only).toBeUndefined()
    expect(seen["alpn-h2"]).toBeUndefined()
    expect(seen.h2c).toMatchObject({ server: "plain", httpVersion: "1.1", authorization: `Bearer ${MINE}`, upgrade: undefined })
    expect(seen["h2c-tunnel"]).toMatchObject({ server: "plain", httpVersion: "1.1", authorization: `Bearer ${MINE}`, upgrade: "h2c" })
    expect(seen.after).toMatchObject({ server: "bound", authorization: `Bearer ${MINE}` })
    // curl's prior knowledge over TLS still negotiates: HTTP/1.1 it is. Over a plain tunnel, the preface is no request the tunnel serves.
    expect(lines["prior-tls"]).toBe("200 1.1")
    expect(seen["prior-tls"]).toMatchObject({ server: "bound", httpVersion: "1.1", authorization: `Bearer ${MINE}` })
    expect(lines["prior-plain"]).toMatch(/^000 0/)
    expect(seen["prior-plain"]).toBeUndefined()
    expect(received.filter((entry) => entry.authorization === `Bearer ${MINE}`).every((entry) => entry.httpVersion === "1.1")).toBe(true)
    await stillAnswers(server)
  })

  it("whoever speaks first decides: a client slow to its TLS hello is still looked into; a destination that speaks first passes unread", async () => {
    const server = await startServer()
    const dummy = await dummyOf(server)
    const script = [
      // The hello 1.5 s after the tunnel opened, as a loaded machine may take: the real value still arrives, and only there.
      `HELLO_AFTER_MS=1500 node ${tunnelClient} slow 127.0.0.1:${bound} 127.0.0.1 127.0.0.1:${bound} /v1/first/slow MY_TOKEN`,
      `HELLO_AFTER_MS=1500 node ${tunnelClient} slow-unbound 127.0.0.1:${unbound} 127.0.0.1 127.0.0.1:${unbound} /v1/first/slow-unbound MY_TOKEN`,
      // A bound port whose server speaks first: its greeting comes through the tunnel, and what the client says gets back.
      `node ${greeterClient} greeter 127.0.0.1:${greeter}`,
      // And a client as prompt as curl, after them, as before.
      `curl -sS --max-time 20 -o /dev/null -w '' -H "Authorization: Bearer $MY_TOKEN" https://127.0.0.1:${bound}/v1/first/after`,
      "echo done"
    ].join("\n")
    const lines = linesOf(await run(server, "first", script))
    expect(lines.slow).toBe("HTTP/1.1 200 OK | bound ok")
    expect(lines["slow-unbound"]).toBe("HTTP/1.1 200 OK | unbound ok")
    expect(lines.greeter).toBe("HTTP/1.1 200 Connection Established | 220 greeter ready | hello")
    const seen = Object.fromEntries(receivedFor("first").map((entry) => [entry.path.split("/").at(-1), entry]))
    expect(seen.slow).toMatchObject({ server: "bound", httpVersion: "1.1", authorization: `Bearer ${MINE}` })
    expect(seen["slow-unbound"]).toMatchObject({ server: "unbound", authorization: `Bearer ${dummy}` })
    expect(seen.after).toMatchObject({ server: "bound", authorization: `Bearer ${MINE}` })
    await stillAnswers(server)
  })

  it("a bound destination that echoes the request hands the child only the dummy: in a header, a redirect's Location and the body", async () => {
    const server = await startServer()
    const dummy = await dummyOf(server)
    const curl = (label: string, url: string, extra: string) =>
      `curl -sS --max-time 20 ${extra} -D - -H "Authorization: Bearer $MY_TOKEN" ${url} | tr -d '\\r' | sed 's/^/${label} /'`
    const script = [
      // Through a looked-into tunnel (HTTPS, the bound server) and as a plain request through the HTTP proxy (the bound plain one).
      curl("tunnel", `https://127.0.0.1:${bound}/v1/echo/reflect`, ""),
      curl("plain", `http://127.0.0.1:${plain}/v1/echo/plain-reflect`, ""),
      curl("plain-tunnel", `http://127.0.0.1:${plain}/v1/echo/tunnel-reflect`, "-p")
    ].join("\n")
    const output = await run(server, "echo", script)
    for (const label of ["tunnel", "plain", "plain-tunnel"]) {
      const lines = output.split("\n").filter((line) => line.startsWith(`${label} `)).map((line) => line.slice(label.length + 1))
      // After the proxy's own answer to a CONNECT, where there is one.
      expect(lines.filter((line) => line.startsWith("HTTP/1.1 ")).at(-1), label).toMatch(/^HTTP\/1\.1 302/)
      expect(lines, label).toContain(`x-echo: Bearer ${dummy}`)
      expect(lines, label).toContain(`location: https://elsewhere.test/cb?token=${dummy}`)
      const body = JSON.parse(lines.at(-1)!) as { readonly headers: Record<string, string> }
      expect(body.headers.authorization, label).toBe(`Bearer ${dummy}`)
    }
    // The destinations got the real value, each time.
    expect(receivedFor("echo").map((entry) => [entry.server, entry.authorization])).toEqual([
      ["bound", `Bearer ${MINE}`],
      ["plain", `Bearer ${MINE}`],
      ["plain", `Bearer ${MINE}`]
    ])
    await stillAnswers(server)
  })

  it("SNI and Host against the CONNECT target: the request goes to the target decided, the real value only where it is bound", async () => {
    const server = await startServer()
    const dummy = await dummyOf(server)
    const tunnel = (label: string, target: string, sni: string, host: string, path: string, variable = "MY_TOKEN") =>
      `node ${tunnelClient} ${label} ${target} ${sni} '${host}' ${path} ${variable}`
    const script = [
      // The SNI of another host (one the GitHub token is bound to, one denied): the tunnel's own target is what is served.
      tunnel("sni-github", `127.0.0.1:${bound}`, "api.github.com", `127.0.0.1:${bound}`, "/v1/sni/sni-github", "GITHUB_TOKEN"),
      tunnel("sni-denied", `127.0.0.1:${bound}`, "denied.test", `127.0.0.1:${bound}`, "/v1/sni/sni-denied"),
      // A Host naming another destination: refused inside the tunnel, whatever the SNI.
      tunnel("host-github", `127.0.0.1:${bound}`, "-", "api.github.com", "/v1/sni/host-github", "GITHUB_TOKEN"),
      tunnel("host-denied", `127.0.0.1:${bound}`, "denied.test", "denied.test", "/v1/sni/host-denied"),
      tunnel("host-port", `127.0.0.1:${bound}`, "-", `127.0.0.1:${unbound}`, "/v1/sni/host-port"),
      tunnel("absolute", `127.0.0.1:${bound}`, "-", `127.0.0.1:${bound}`, "https://api.github.com/v1/sni/absolute", "GITHUB_TOKEN"),
      // No Host at all: the tunnel's target.
      tunnel("no-host", `127.0.0.1:${bound}`, "-", "-", "/v1/sni/no-host"),
      // HTTP/1.0 needs none: the tunnel's target is named for it.
      `HTTP_VERSION=1.0 ${tunnel("http10", `127.0.0.1:${bound}`, "-", "-", "/v1/sni/http10")}`,
      // A tunnel to an allowed host the credential is not bound to, its Host and SNI naming the bound one: passed unread.
      tunnel("to-unbound", `127.0.0.1:${unbound}`, "localhost", `127.0.0.1:${bound}`, "/v1/sni/to-unbound"),
      // A denied CONNECT target is refused before any TLS.
      tunnel("connect-denied", "denied.test:443", "-", `127.0.0.1:${bound}`, "/v1/sni/connect-denied"),
      // Plain HTTP: through the HTTP proxy, and inside a looked-into plain tunnel, a Host of a denied name.
      `echo "proxied $(curl -sS --max-time 20 -o /dev/null -w '%{http_code}' -H 'Host: denied.test' -H "Authorization: Bearer $MY_TOKEN" http://127.0.0.1:${plain}/v1/sni/proxied)"`,
      `echo "plain-tunnel $(curl -sS --max-time 20 -p -o /dev/null -w '%{http_code}' -H 'Host: denied.test' -H "Authorization: Bearer $MY_TOKEN" http://127.0.0.1:${plain}/v1/sni/plain-tunnel)"`
    ].join("\n")
    const lines = linesOf(await run(server, "sni", script))
    expect(lines["sni-github"]).toBe("HTTP/1.1 200 OK | bound ok")
    expect(lines["sni-denied"]).toBe("HTTP/1.1 200 OK | bound ok")
    for (const label of ["host-github", "host-denied", "host-port", "absolute"]) expect(lines[label], label).toBe("HTTP/1.1 400 Bad Request | host mismatch")
    // HTTP/1.1 needs a Host: none is refused before anything goes on.
    expect(lines["no-host"]).toMatch(/^HTTP\/1\.1 400 Bad Request/)
    expect(lines["to-unbound"]).toBe("HTTP/1.1 200 OK | unbound ok")
    expect(lines["connect-denied"]).toBe("refused HTTP/1.1 403 Forbidden")
    expect(lines["plain-tunnel"]).toBe("400")
    expect(lines.proxied).toBe("200")
    const seen = Object.fromEntries(receivedFor("sni").map((entry) => [entry.path.split("/").at(-1), entry]))
    // The GitHub dummy is not bound here: it stays the dummy. The upstream connection names no other host.
    expect(seen["sni-github"]).toMatchObject({ server: "bound", host: `127.0.0.1:${bound}`, servername: false })
    expect(seen["sni-github"]!.authorization).toMatch(/^Bearer ghp_masked/)
    expect(seen["sni-denied"]).toMatchObject({ server: "bound", host: `127.0.0.1:${bound}`, servername: false, authorization: `Bearer ${MINE}` })
    for (const label of ["host-github", "host-denied", "host-port", "absolute", "connect-denied", "plain-tunnel"]) expect(seen[label], label).toBeUndefined()
    expect(seen["no-host"]).toBeUndefined()
    expect(lines.http10).toBe("HTTP/1.1 200 OK | bound ok")
    expect(seen.http10).toMatchObject({ server: "bound", host: `127.0.0.1:${bound}`, authorization: `Bearer ${MINE}` })
    expect(seen["to-unbound"]).toMatchObject({ server: "unbound", host: `127.0.0.1:${bound}`, servername: "localhost", authorization: `Bearer ${dummy}` })
    // An absolute-form request's Host is its target's (RFC 9112, 3.2.2), never the client's: no fronting to another name on one address.
    expect(seen.proxied).toMatchObject({ server: "plain", host: `127.0.0.1:${plain}`, authorization: `Bearer ${MINE}` })
    expect(received.filter((entry) => entry.authorization === `Bearer ${MINE}`).every((entry) => entry.server !== "unbound")).toBe(true)
    await stillAnswers(server)
  })

  it("redirects: the proxy follows none, and a client that follows one has only the dummy to send", async () => {
    const server = await startServer()
    const dummy = await dummyOf(server)
    const away = `https://127.0.0.1:${unbound}/v1/redirect/landed-away`
    await redirect("to-away", away)
    await redirect("to-outside", `https://127.0.0.1:${bound}/v10/redirect/landed-outside`)
    await redirect("plain", `http://127.0.0.1:${plain}/v10/redirect/landed-plain`)
    for (const name of ["socks", "unfollowed"]) await redirect(name, away)
    const curl = (label: string, url: string, extra = "") =>
      `echo "${label} $(curl -sS --max-time 20 --location-trusted ${extra} -o /dev/null -w '%{http_code} %{num_redirects}' -H "Authorization: Bearer $MY_TOKEN" '${url}' 2>/dev/null || echo failed)"`
    const script = [
      curl("away", `https://127.0.0.1:${bound}/v1/redirect/to-away`),
      curl("outside", `https://127.0.0.1:${bound}/v1/redirect/to-outside`),
      curl("socks", `https://127.0.0.1:${bound}/v1/redirect/socks`, '-x "$ALL_PROXY"'),
      // Plain HTTP through the HTTP proxy: a 302 out of the bound prefix.
      curl("plain", `http://127.0.0.1:${plain}/v1/redirect/plain`),
      // Without curl following: the 302 itself is what the child gets.
      `echo "unfollowed $(curl -sS --max-time 20 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $MY_TOKEN" https://127.0.0.1:${bound}/v1/redirect/unfollowed)"`
    ].join("\n")
    const lines = linesOf(await run(server, "redirects", script))
    expect(lines.away).toBe("200 1")
    expect(lines.outside).toBe("200 1")
    expect(lines.socks).toBe("200 1")
    expect(lines.plain).toBe("200 1")
    expect(lines.unfollowed).toBe("302")
    const entries = receivedFor("redirect")
    const of = (name: string) => entries.filter((entry) => entry.path.endsWith(`/${name}`))
    // Each redirecting request reached its bound destination once, with the real value.
    for (const name of ["to-away", "to-outside", "socks", "plain", "unfollowed"]) {
      expect(of(name), name).toHaveLength(1)
      expect(of(name)[0]!.authorization, name).toBe(`Bearer ${MINE}`)
    }
    // Where the client went next, it sent what it has: the dummy. The proxy itself went nowhere (one landing per client that followed).
    const landed = entries.filter((entry) => entry.path.includes("/landed-"))
    expect(landed.map((entry) => [entry.server, entry.path.split("/").at(-1), entry.authorization]).sort()).toEqual([
      ["bound", "landed-outside", `Bearer ${dummy}`],
      ["plain", "landed-plain", `Bearer ${dummy}`],
      ["unbound", "landed-away", `Bearer ${dummy}`],
      ["unbound", "landed-away", `Bearer ${dummy}`]
    ])
    await stillAnswers(server)
  })

  it("limited mode with masking: no tunnel and no method limited mode forbids passes through the interception", async () => {
    const server = await startServer()
    const launch = maskingLaunch({ mode: "limited" })
    // The status, the CONNECT's status (000 when none), curl's exit code.
    const status = (label: string, command: string) => `echo "${label} $(${command} 2>/dev/null) $?"`
    const curl = (extra: string, url: string) =>
      `curl -sS --max-time 20 -o /dev/null -w '%{http_code} %{http_connect}' -H "Authorization: Bearer $MY_TOKEN" ${extra} ${url}`
    const script = [
      status("connect", curl("", `https://127.0.0.1:${bound}/v1/limited/connect`)),
      status("socks", curl('-x "$ALL_PROXY"', `https://127.0.0.1:${bound}/v1/limited/socks`)),
      status("socks-plain", curl('-x "$ALL_PROXY"', `http://127.0.0.1:${plain}/v1/limited/socks-plain`)),
      status("plain-tunnel", curl("-p", `http://127.0.0.1:${plain}/v1/limited/plain-tunnel`)),
      status("post", curl("-X POST --data x", `http://127.0.0.1:${plain}/v1/limited/post`)),
      status("put", curl("-X PUT --data x", `http://127.0.0.1:${plain}/v1/limited/put`)),
      status("upgrade", curl("-H 'Connection: Upgrade' -H 'Upgrade: websocket'", `http://127.0.0.1:${plain}/v1/limited/upgrade`)),
      status("get", curl("", `http://127.0.0.1:${plain}/v1/limited/get`)),
      `node ${tunnelClient} raw-connect 127.0.0.1:${bound} - 127.0.0.1:${bound} /v1/limited/raw-connect MY_TOKEN`
    ].join("\n")
    const started = await server.request("process/start", {
      processId: "limited",
      argv: ["/bin/bash", "-c", script],
      cwd: "file:///tmp",
      env: childEnvironment(),
      tty: false,
      networkProxy: launch
    })
    expect(started.error).toBeUndefined()
    await server.closed("limited", 60_000)
    await settled()
    const output = server.outputOf("limited").toString()
    expect(output).not.toContain(MINE)
    const lines = linesOf(output)
    expect(lines.connect).toBe("000 403 56")
    expect(lines["plain-tunnel"]).toBe("000 403 56")
    expect(lines.socks).toBe("000 000 97")
    expect(lines["socks-plain"]).toBe("000 000 97")
    expect(lines.post).toBe("403 000 0")
    expect(lines.put).toBe("403 000 0")
    expect(lines.upgrade).toBe("200 000 0")
    expect(lines.get).toBe("200 000 0")
    expect(lines["raw-connect"]).toBe("refused HTTP/1.1 403 Forbidden")
    const seen = Object.fromEntries(receivedFor("limited").map((entry) => [entry.path.split("/").at(-1), entry]))
    expect(Object.keys(seen).sort()).toEqual(["get", "upgrade"])
    expect(seen.get).toMatchObject({ server: "plain", authorization: `Bearer ${MINE}` })
    // A GET asking for an upgrade is forwarded as a plain GET: no tunnel out of it.
    expect(seen.upgrade).toMatchObject({ server: "plain", upgrade: undefined })
    const notes = server.messages.filter((message) => message.method === "network/policyDecision" && message.params.processId === "limited")
      .map((message) => `${message.params.protocol} ${message.params.decision} ${message.params.reason}`)
    expect(notes).toContain("https_connect deny mitm_required")
    // SOCKS to a port other than 443 is refused before its host is looked at.
    expect(notes.filter((note) => note === "socks5_tcp deny method_not_allowed")).toHaveLength(2)
    expect(notes).toContain("http deny method_not_allowed")
    await stillAnswers(server)
  })
})
