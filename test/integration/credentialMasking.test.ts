/**
 * Credential masking end to end (issue 47; docs/PROTOCOL.md, "Credential
 * masking"): the server in process (on src/) over stdio, a child given GitHub, OpenAI and
 * custom credentials under `proxy.credentialMasking`, and loopback HTTPS
 * and HTTP servers of the test's (their certificate from a CA of the
 * test's, which the server is told to trust through its own
 * `SSL_CERT_FILE`, as the reference is). The servers record what they
 * receive; the child only ever prints what it has. The same cases run
 * against the reference (codex 0.169) where it is installed, with the one
 * command shape it masks (`bash -c SCRIPT`); where we go further (every
 * command is masked) the case runs on ours alone. The test's servers run in
 * a child process of their own (our proxies refuse their own process's
 * listeners); what the server's process shows (its CA files removed at its
 * exit, its memory to a server of another user) is
 * credentialMaskingProcess.test.ts's, on the binary.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import { createHash, X509Certificate } from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Readline from "node:readline"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { SERVERS_TO_COMPARE, useServersToCompare } from "../support/InProcessServer.js"
import { childEnvironment, GITHUB, maskingHelpers, MINE, OPENAI, OTHER_GITHUB } from "../support/credentialMasking.js"
import { makeTestCertificates } from "../support/testCertificates.js"
import type { WireClient } from "../support/WireClient.js"

// Ours in process (its environment stubbed for the test), the reference as a child.
const startServer = useServersToCompare()

const REAL_VALUES = [GITHUB, OTHER_GITHUB, OPENAI, MINE]

/** What one of the test's servers received. */
interface Received {
  readonly server: string
  readonly path: string
  readonly authorization: string | undefined
  readonly apiKey: string | undefined
  readonly body: string
}

let scratch = ""
let caFile = ""
const received: Array<Received> = []
let bound = 0
let unbound = 0
let plain = 0

/**
 * The test's servers, in a child process of their own (our proxies refuse
 * their own process's listeners): HTTPS bound and unbound, plain HTTP. The
 * child says their ports, then each request received as a JSON line, in
 * order, and answers each line the test writes on its stdin once it has
 * written what came before: when the answer is read, so is every request
 * recorded before it.
 */
let destinations: ChildProcessWithoutNullStreams | undefined
const answers = new Map<number, () => void>()
let commands = 0

/** Every request the destinations received so far has been recorded here. */
const settled = (): Promise<void> =>
  new Promise((resolve) => {
    const id = ++commands
    answers.set(id, resolve)
    destinations!.stdin.write(`${JSON.stringify({ id })}\n`)
  })

const DESTINATIONS = [
  "const fs = require('node:fs'), http = require('node:http'), https = require('node:https'), readline = require('node:readline')",
  "const [keyFile, certFile] = process.argv.slice(2)",
  "const tls = { key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) }",
  "const say = (message) => process.stdout.write(JSON.stringify(message) + '\\n')",
  "const recording = (name) => (request, response) => {",
  "  let body = ''",
  "  request.on('data', (chunk) => (body += chunk))",
  "  request.on('end', () => {",
  "    say({ received: { server: name, path: request.url ?? '', authorization: request.headers.authorization, apiKey: request.headers['x-api-key'], body } })",
  "    response.end(name + ' ok\\n')",
  "  })",
  "}",
  "const bound = https.createServer(tls, recording('bound'))",
  // An upgrade is answered 101, then every byte is echoed back.
  "bound.on('upgrade', (request, socket) => {",
  "  say({ received: { server: 'bound', path: request.url ?? '', authorization: request.headers.authorization, body: '' } })",
  "  socket.write('HTTP/1.1 101 Switching Protocols\\r\\nConnection: Upgrade\\r\\nUpgrade: echo\\r\\n\\r\\n')",
  "  socket.pipe(socket)",
  "})",
  "const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)))",
  "Promise.all([listen(bound), listen(https.createServer(tls, recording('unbound'))), listen(http.createServer(recording('plain')))])",
  "  .then(([bound, unbound, plain]) => say({ ports: { bound, unbound, plain } }))",
  "readline.createInterface({ input: process.stdin }).on('line', (line) => say({ done: JSON.parse(line).id }))"
].join("\n")

beforeAll(async () => {
  scratch = Fs.mkdtempSync(Path.join(Os.tmpdir(), "credential-masking-"))
  // A CA of the test's (a real CA: the reference refuses a self-signed leaf as its own CA) and a leaf for 127.0.0.1.
  const certificates = makeTestCertificates(scratch, { caName: "masking test CA", commonName: "localhost", subjectAltName: "IP:127.0.0.1,DNS:localhost" })
  caFile = certificates.caFile
  Fs.writeFileSync(Path.join(scratch, "destinations.cjs"), DESTINATIONS)
  const child = spawn(process.execPath, [Path.join(scratch, "destinations.cjs"), certificates.keyFile, certificates.certFile])
  destinations = child
  child.stderr.pipe(process.stderr)
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the destinations ended (${code}) before listening`)))
    Readline.createInterface({ input: child.stdout }).on("line", (line) => {
      const message = JSON.parse(line) as { readonly ports?: Record<"bound" | "unbound" | "plain", number>; readonly received?: Partial<Received>; readonly done?: number }
      if (message.ports !== undefined) {
        ;({ bound, unbound, plain } = message.ports)
        resolve()
      }
      if (message.received !== undefined) {
        const entry = message.received
        // JSON leaves out what was undefined: each field as the request had it.
        received.push({ server: entry.server!, path: entry.path!, authorization: entry.authorization, apiKey: entry.apiKey, body: entry.body! })
      }
      if (message.done !== undefined) {
        answers.get(message.done)?.()
        answers.delete(message.done)
      }
    })
  })
}, 30_000)

afterAll(async () => {
  if (destinations !== undefined && destinations.exitCode === null) {
    const ended = new Promise((resolve) => destinations!.once("exit", resolve))
    destinations.kill()
    await ended
  }
  Fs.rmSync(scratch, { recursive: true, force: true })
})

const { serverEnvironment, myProvider, maskingLaunch, run } = maskingHelpers({
  scratch: () => scratch,
  caFile: () => caFile,
  // The HTTPS server's `/v1` and the plain one's.
  urlPrefixes: () => [`https://127.0.0.1:${bound}/v1`, `http://127.0.0.1:${plain}/v1`],
  afterClose: settled
})

const environmentOf = (output: string): Record<string, string> =>
  Object.fromEntries(output.trim().split("\n").filter((line) => line.includes("=")).map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]))

const CA_VARIABLES = [
  "CODEX_CA_CERTIFICATE", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "GIT_SSL_CAINFO",
  "PIP_CERT", "BUNDLE_SSL_CA_CERT", "npm_config_cafile", "NPM_CONFIG_CAFILE", "CARGO_HTTP_CAINFO"
]

/** The requests a server received whose path starts with `tag` (each case tags its own). */
const receivedFor = (tag: string) => received.filter((entry) => entry.path.includes(tag))

describe.each(SERVERS_TO_COMPARE)("credential masking ($name)", ({ command }) => {
  const ready = (env: Record<string, string>) => startServer([], { command, env })

  it("gives the child dummies of the reference's shapes, the markers, and the CA bundle in its eleven variables", async () => {
    const { codexHome, env } = serverEnvironment()
    const server = await ready(env)
    const output = await run(server, "env", ["/bin/bash", "-c", "env"])
    for (const real of REAL_VALUES) expect(output).not.toContain(real)
    const child = environmentOf(output)
    expect(child.GITHUB_TOKEN).toMatch(/^ghp_masked[A-Za-z0-9]{30}$/)
    expect(child.GH_TOKEN).toMatch(/^ghp_masked[A-Za-z0-9]{30}$/)
    expect(child.GH_TOKEN).not.toBe(child.GITHUB_TOKEN)
    expect(child.OPENAI_API_KEY).toMatch(/^sk-proj-masked[A-Za-z0-9]+$/)
    expect(child.OPENAI_API_KEY!.length).toBe(OPENAI.length)
    expect(child.MY_TOKEN).toMatch(/^mytok_[a-z0-9]{32}$/)
    // A copy of a credential in another variable is masked with it.
    expect(child.AUTH_HEADER).toBe(`Bearer ${child.GITHUB_TOKEN}`)
    expect(child.UNRELATED).toBe("nothing to see")
    expect(child.CODEX_NETWORK_PROXY_CREDENTIAL_BROKER_ACTIVE).toBe("1")
    const pairs = JSON.parse(child.CODEX_NETWORK_PROXY_BROKERED_CREDENTIALS!) as Array<[string, string]>
    const expected: Array<[string, string]> = [
      ["@alias:AUTH_HEADER", child.GITHUB_TOKEN!],
      ["@alias:GH_TOKEN", child.GH_TOKEN!],
      ["@alias:GITHUB_TOKEN", child.GITHUB_TOKEN!],
      ["@alias:MY_TOKEN", child.MY_TOKEN!],
      ["@alias:OPENAI_API_KEY", child.OPENAI_API_KEY!],
      ["GH_TOKEN", child.GH_TOKEN!],
      ["GITHUB_TOKEN", child.GITHUB_TOKEN!],
      ["MY_TOKEN", child.MY_TOKEN!],
      ["OPENAI_API_KEY", child.OPENAI_API_KEY!]
    ]
    expect(pairs).toEqual(expected)
    // One bundle, named by its digest, under CODEX_HOME/proxy: the system's roots, the server's trusted CA, the proxy's CA last.
    const bundle = child.SSL_CERT_FILE!
    for (const name of CA_VARIABLES) expect(child[name], name).toBe(bundle)
    expect(Path.dirname(bundle)).toBe(Path.join(Fs.realpathSync(codexHome), "proxy"))
    const text = Fs.readFileSync(bundle, "utf8")
    expect(Path.basename(bundle)).toBe(`ca-bundle-${createHash("sha256").update(text).digest("hex")}.pem`)
    const certificates = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)!.map((pem) => new X509Certificate(pem))
    expect(certificates.length).toBeGreaterThan(2)
    expect(certificates.some((certificate) => certificate.subject === "CN=masking test CA")).toBe(true)
    const proxyCa = certificates.at(-1)!
    expect(proxyCa.subject).toBe("CN=network_proxy MITM CA")
    expect(proxyCa.ca).toBe(true)
    expect(proxyCa.publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1")
  })

  it("keeps one dummy for one credential over the session's processes", async () => {
    const server = await ready(serverEnvironment().env)
    const first = environmentOf(await run(server, "first", ["/bin/bash", "-c", "env"]))
    const second = environmentOf(await run(server, "second", ["/bin/bash", "-c", "env"]))
    for (const name of ["GITHUB_TOKEN", "GH_TOKEN", "OPENAI_API_KEY", "MY_TOKEN"]) expect(second[name], name).toBe(first[name])
  })

  it("gives the real value back to its bound HTTPS destination (CONNECT and SOCKS5), and the dummy unchanged to every other", async () => {
    const server = await ready(serverEnvironment().env)
    const tag = `tls-${command === undefined ? "ours" : "reference"}`
    const curl = (url: string, header = 'Bearer $MY_TOKEN', extra = "") => `curl -sS --max-time 20 ${extra} -H "Authorization: ${header}" ${url}`
    const script = [
      curl(`https://127.0.0.1:${bound}/v1/${tag}/connect`),
      curl(`https://127.0.0.1:${bound}/v1/${tag}/socks`, "Bearer $MY_TOKEN", '-x "$ALL_PROXY"'),
      curl(`https://127.0.0.1:${bound}/v10/${tag}/outside-prefix`),
      curl(`https://127.0.0.1:${unbound}/v1/${tag}/other-port`),
      curl(`https://127.0.0.1:${bound}/v1/${tag}/github-dummy`, "Bearer $GITHUB_TOKEN"),
      curl(`https://127.0.0.1:${bound}/v1/${tag}/not-exact`, "Bearer x$MY_TOKEN"),
      `curl -sS --max-time 20 -H "Authorization: Bearer $MY_TOKEN" --data "token=$MY_TOKEN" https://127.0.0.1:${bound}/v1/${tag}/body`,
      'echo "child has $MY_TOKEN"'
    ].join("; ")
    const output = await run(server, "tls", ["/bin/bash", "-c", script])
    expect(output).not.toContain(MINE)
    const dummy = /child has (\S+)/.exec(output)![1]!
    expect(dummy).not.toBe(MINE)
    const seen = Object.fromEntries(receivedFor(tag).map((entry) => [entry.path.split("/").at(-1), entry]))
    expect(seen.connect).toMatchObject({ server: "bound", authorization: `Bearer ${MINE}` })
    expect(seen.socks).toMatchObject({ server: "bound", authorization: `Bearer ${MINE}` })
    expect(seen["outside-prefix"]!.authorization).toBe(`Bearer ${dummy}`)
    expect(seen["other-port"]).toMatchObject({ server: "unbound", authorization: `Bearer ${dummy}` })
    expect(seen["github-dummy"]!.authorization).toMatch(/^Bearer ghp_masked/)
    expect(seen["not-exact"]!.authorization).toBe(`Bearer x${dummy}`)
    // The header only: a body keeps the dummy.
    expect(seen.body).toMatchObject({ authorization: `Bearer ${MINE}`, body: `token=${dummy}` })
  })

  it("gives the real value back in plain HTTP to a loopback destination: bearer, Basic's password, a custom header with its prefix", async () => {
    const server = await ready(serverEnvironment().env)
    const tag = `plain-${command === undefined ? "ours" : "reference"}`
    const providers = {
      ...myProvider(),
      keyed: { env: ["KEYED_TOKEN"], patterns: ["key_[A-Za-z0-9]{24}"], url_prefixes: [`http://127.0.0.1:${plain}/`], auth: ["header"], header: "x-api-key", prefix: "K " }
    }
    const keyed = "key_ABCDEFGHabcdefgh01234567"
    const started = await server.request("process/start", {
      processId: "plain",
      argv: [
        "/bin/bash",
        "-c",
        [
          `curl -sS --max-time 20 -H "Authorization: Bearer $MY_TOKEN" http://127.0.0.1:${plain}/v1/${tag}/bearer`,
          `curl -sS --max-time 20 -u "user:$MY_TOKEN" http://127.0.0.1:${plain}/v1/${tag}/basic`,
          `curl -sS --max-time 20 -H "x-api-key: K $KEYED_TOKEN" http://127.0.0.1:${plain}/${tag}/header`,
          'echo "child has $MY_TOKEN $KEYED_TOKEN"'
        ].join("; ")
      ],
      cwd: "file:///tmp",
      env: { ...childEnvironment, KEYED_TOKEN: keyed },
      tty: false,
      networkProxy: maskingLaunch(providers)
    })
    expect(started.error).toBeUndefined()
    await server.closed("plain", 40_000)
    await settled()
    const output = server.outputOf("plain").toString()
    expect(output).not.toContain(MINE)
    expect(output).not.toContain(keyed)
    const seen = Object.fromEntries(receivedFor(tag).map((entry) => [entry.path.split("/").at(-1), entry]))
    expect(seen.bearer!.authorization).toBe(`Bearer ${MINE}`)
    expect(seen.basic!.authorization).toBe(`Basic ${Buffer.from(`user:${MINE}`).toString("base64")}`)
    expect(seen.header!.apiKey).toBe(`K ${keyed}`)
  })

  it("refuses an unknown provider field in serde's words, and drops a provider that does not hold, leaving its variable as it is", async () => {
    const server = await ready(serverEnvironment().env)
    const refused = await server.request("process/start", {
      processId: "bogus",
      argv: ["/bin/bash", "-c", "true"],
      cwd: "file:///tmp",
      env: childEnvironment,
      tty: false,
      networkProxy: maskingLaunch(myProvider({ bogus: 1 }))
    })
    expect(refused.error?.code).toBe(-32602)
    expect(refused.error?.message).toContain(
      "unknown field `bogus`, expected one of `env`, `patterns`, `url_prefixes`, `url_prefix_from_env`, `auth`, `header`, `prefix`"
    )
    // Plain HTTP is for loopback only: this provider does not hold, and MY_TOKEN stays real.
    const output = await run(server, "dropped", ["/bin/bash", "-c", "env"], maskingLaunch(myProvider({ url_prefixes: ["http://api.example.com/"] })))
    const child = environmentOf(output)
    expect(child.MY_TOKEN).toBe(MINE)
    expect(child.GITHUB_TOKEN).toMatch(/^ghp_masked/)
  })
})

describe("credential masking (ours, beyond the reference)", () => {
  it("masks every command, not only `bash -c` (the reference passes a direct exec the real values)", async () => {
    const server = await startServer([], { env: serverEnvironment().env })
    const output = await run(server, "direct", ["env"])
    for (const real of REAL_VALUES) expect(output).not.toContain(real)
    expect(environmentOf(output).GITHUB_TOKEN).toMatch(/^ghp_masked/)
  })

  it("under a sandbox: the child reads the bundle and reaches its bound destination through the bridged proxy", async () => {
    const server = await startServer([], { env: serverEnvironment().env })
    const workspace = Fs.mkdtempSync(Path.join(scratch, "workspace-"))
    const started = await server.request("process/start", {
      processId: "boxed",
      argv: ["/bin/bash", "-c", `curl -sS --max-time 20 -H "Authorization: Bearer $MY_TOKEN" https://127.0.0.1:${bound}/v1/sandboxed/boxed; echo " child has $MY_TOKEN"`],
      cwd: workspace,
      env: childEnvironment,
      tty: false,
      networkProxy: maskingLaunch(),
      sandbox: { writableRoots: [workspace], network: false }
    })
    expect(started.result?.sandboxType).toBe("linuxSeccomp")
    await server.closed("boxed", 40_000)
    await settled()
    const output = server.outputOf("boxed").toString()
    expect(output).toMatch(/^bound ok\n child has mytok_[a-z0-9]{32}\n$/)
    expect(output).not.toContain(MINE)
    expect(receivedFor("/sandboxed/boxed")).toMatchObject([{ server: "bound", authorization: `Bearer ${MINE}` }])
  })

  it("an upgrade through a looked-into tunnel: its headers translated, then its bytes both ways as they are", async () => {
    const server = await startServer([], { env: serverEnvironment().env })
    // A client of its own: CONNECT through the proxy (with the credential its URL carries), TLS trusting the bundle, an upgrade, bytes echoed.
    const client = [
      "const net = require('node:net'), tls = require('node:tls'), fs = require('node:fs')",
      "const proxy = new URL(process.env.HTTPS_PROXY)",
      "const credential = Buffer.from(decodeURIComponent(proxy.username) + ':' + decodeURIComponent(proxy.password)).toString('base64')",
      "const raw = net.connect(Number(proxy.port), proxy.hostname, () => raw.write('CONNECT 127.0.0.1:' + process.argv[1] + ' HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nProxy-Authorization: Basic ' + credential + '\\r\\n\\r\\n'))",
      "raw.once('data', () => {",
      "  const secure = tls.connect({ socket: raw, ca: fs.readFileSync(process.env.SSL_CERT_FILE), host: '127.0.0.1' }, () => {",
      "    secure.write('GET /v1/upgrade HTTP/1.1\\r\\nHost: 127.0.0.1:' + process.argv[1] + '\\r\\nConnection: Upgrade\\r\\nUpgrade: echo\\r\\nAuthorization: Bearer ' + process.env.MY_TOKEN + '\\r\\n\\r\\n')",
      "  })",
      "  let seen = ''",
      "  secure.on('data', (chunk) => {",
      "    seen += chunk",
      "    if (seen.includes('\\r\\n\\r\\n') && !seen.includes('ping')) secure.write('ping ' + process.env.MY_TOKEN)",
      "    if (seen.includes('ping')) { console.log(seen.split('\\r\\n')[0] + ' | ' + seen.slice(seen.indexOf('ping'))); process.exit(0) }",
      "  })",
      "})"
    ].join("\n")
    const started = await server.request("process/start", {
      processId: "upgrade",
      argv: [process.execPath, "-e", client, String(bound)],
      cwd: "file:///tmp",
      env: childEnvironment,
      tty: false,
      networkProxy: maskingLaunch()
    })
    expect(started.error).toBeUndefined()
    await server.closed("upgrade", 40_000)
    await settled()
    const output = server.outputOf("upgrade").toString().trim()
    const dummy = /ping (\S+)$/.exec(output)?.[1]
    expect(output).toMatch(/^HTTP\/1\.1 101 Switching Protocols \| ping mytok_[a-z0-9]{32}$/)
    // The upgrade request carried the real value; the bytes after it, the dummy as the child sent it.
    expect(dummy).not.toBe(MINE)
    expect(receivedFor("/v1/upgrade")).toMatchObject([{ server: "bound", authorization: `Bearer ${MINE}` }])
  })
})

describe("credential masking with shell snapshots (issue 67)", () => {
  /** Runs `script` as `bash -lc` under masking, sandboxed to `workspace` (its HOME), from a snapshot of `scope` when given. */
  const startIn = async (server: WireClient, workspace: string, processId: string, script: string, scope?: string) => {
    const started = await server.request("process/start", {
      processId,
      argv: ["/bin/bash", "-lc", script],
      cwd: workspace,
      env: { ...childEnvironment, HOME: workspace },
      tty: false,
      networkProxy: maskingLaunch(),
      sandbox: { writableRoots: [workspace], network: false },
      ...(scope === undefined ? {} : { shellSnapshot: { scopeId: scope, shell: { name: "bash", path: "/bin/bash" } } })
    })
    expect(started.error).toBeUndefined()
    await server.closed(processId, 40_000)
    await settled()
    return server.outputOf(processId).toString()
  }

  it("the capture runs a .bashrc the sandboxed process wrote with the dummies the command gets, never the real token", async () => {
    const server = await startServer([], { env: serverEnvironment().env })
    const workspace = Fs.mkdtempSync(Path.join(scratch, "snapshot-home-"))
    // A sandboxed process writes $HOME/.bashrc (HOME is in its writable workspace): login files copy the token out.
    const rc = 'printf "%s\\n" "$GITHUB_TOKEN" > "$HOME/token"; printf "%s\\n" "$MY_TOKEN" > "$HOME/my-token"\n'
    await startIn(server, workspace, "writer", `printf '%s' '${rc}' > "$HOME/.bashrc"`)
    expect(Fs.readFileSync(Path.join(workspace, ".bashrc"), "utf8")).toBe(rc)
    // The next masked `bash -lc` with a snapshot: its capture runs that .bashrc; the command and later ones read its file.
    const tag = "/v1/snapshot-capture/bound"
    const output = await startIn(
      server,
      workspace,
      "reader",
      `echo "file $(cat "$HOME/token")"; echo "env $GITHUB_TOKEN"; curl -sS --max-time 20 -H "Authorization: Bearer $(cat "$HOME/my-token")" https://127.0.0.1:${bound}${tag}`,
      "masked-scope"
    )
    const file = Fs.readFileSync(Path.join(workspace, "token"), "utf8").trim()
    expect(file).not.toBe(GITHUB)
    expect(file).toMatch(/^ghp_masked[A-Za-z0-9]{30}$/)
    for (const real of REAL_VALUES) {
      expect(output).not.toContain(real)
      expect(Fs.readFileSync(Path.join(workspace, "token"), "utf8")).not.toContain(real)
      expect(Fs.readFileSync(Path.join(workspace, "my-token"), "utf8")).not.toContain(real)
    }
    // The file holds the very dummy the command has, and that dummy still gets the real value where it is bound.
    expect(output).toBe(`file ${file}\nenv ${file}\nbound ok\n`)
    expect(receivedFor(tag)).toMatchObject([{ server: "bound", authorization: `Bearer ${MINE}` }])
    expect(Fs.readFileSync(Path.join(workspace, "my-token"), "utf8").trim()).not.toBe(MINE)
  })

  it("what the login files set decides no destination: an OPENAI_BASE_URL of theirs gets the dummy, not the real key", async () => {
    const server = await startServer([], { env: serverEnvironment().env })
    const workspace = Fs.mkdtempSync(Path.join(scratch, "snapshot-home-"))
    await startIn(server, workspace, "writer", `printf 'export OPENAI_BASE_URL=https://127.0.0.1:${unbound}\\n' > "$HOME/.bashrc"`)
    const tag = "/v1/snapshot-context/unbound"
    const output = await startIn(
      server,
      workspace,
      "reader",
      `echo "base $OPENAI_BASE_URL"; curl -sS --max-time 20 -H "Authorization: Bearer $OPENAI_API_KEY" "$OPENAI_BASE_URL${tag}"`,
      "context-scope"
    )
    expect(output).toBe(`base https://127.0.0.1:${unbound}\nunbound ok\n`)
    const [request] = receivedFor(tag)
    expect(request?.server).toBe("unbound")
    expect(request?.authorization).toMatch(/^Bearer sk-proj-masked[A-Za-z0-9]+$/)
    expect(request?.authorization).not.toContain(OPENAI)
  })
})
