/**
 * What a new user does: a scratch Effect 4 application, in a directory of its
 * own beside the clone, that installs `npm pack`'s tarball with the README's
 * "Use as a dependency" commands run as printed (real npm, nothing linked
 * from this repository's node_modules, no `--legacy-peer-deps`; no npm
 * warning, the install scripts approved by npm 11's allowScripts and run),
 * then compiles its own code with its
 * own TypeScript (strict, `skipLibCheck: false`) and runs it on the Node
 * running this test: (a) exec-server's Layers composed with the app's own,
 * serving on a WebSocket on port 0, and the typed Effect client against
 * them; (b) the Promise client against the same server; (d) every code block of
 * README.md and docs/LIBRARY.md, taken from the Markdown verbatim (a
 * fragment inside the wrapper it names, its `<PLACEHOLDERS>` filled in),
 * compiled by the same tsc and run, each checked for what it says it does
 * (see DOC_BLOCKS), the README's handler test on mocked Layers with the
 * app's own vitest among them; (e) the server block once more, its port
 * taken, which must say why on stderr and exit 1. consumer.test.ts checks the package's types against
 * this repository's installed packages; this one checks what npm installs
 * from the registry for a user.
 *
 * Needs npm's registry for what npm's cache lacks: skipped, saying so, only
 * when the registry cannot be reached (npm's ENOTFOUND or EAI_AGAIN).
 */
import { type ChildProcess, execFileSync, spawn, spawnSync, type SpawnSyncReturns } from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest"
import { blocksOf, type DocBlock, fillPlaceholders } from "../support/docBlocks.js"
import { userEnv } from "../support/userShell.js"

const ROOT = Path.resolve(import.meta.dirname, "../..")

/** The app's package.json before the README's commands add the tarball, its peer and the allowScripts entries. */
const APP_MANIFEST = {
  name: "e4-app",
  private: true,
  type: "module",
  dependencies: { effect: "~4.1.0" },
  // TypeScript as `npm install -D typescript` writes it today (7; consumer.test.ts compiles with this repository's 5.9).
  devDependencies: { "@effect/vitest": "^4.0.5", "@types/node": "^24.0.0", typescript: "^7.0.2", vitest: "^5" }
}

/** A user's tsconfig: strict, `skipLibCheck: false`, and the `"DOM"` lib the README says Effect 4's types want. */
const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    lib: ["ES2022", "DOM"],
    types: ["node"],
    strict: true,
    skipLibCheck: false,
    rootDir: "src",
    outDir: "out"
  },
  include: ["src"]
}

/** The app's server: exec-server's Layers composed with Layers of the app's own. */
const SERVER_TS = `import { Context, Effect, Layer } from "effect"
import { ExecServer, ServerConfig, Transport, WebSocketTransport } from "effect-exec-server"
import { ExecServerClient } from "effect-exec-server/client"

/** A service of the app, which its programs use beside the server. */
export class Greeting extends Context.Service<Greeting, { readonly text: string }>()("e4-app/Greeting") {}
export const GreetingLive = Layer.succeed(Greeting, { text: "hello from an Effect 4 app" })

/** Where the app's server listens: a port the system picked. */
export class Listener extends Context.Service<Listener, { readonly url: string }>()("e4-app/Listener") {}

/** The app's Layer over the package's WebSocket transport: it serves on port 0 and tells the app where. */
const ListenerLive = Layer.effectContext(Effect.gen(function*() {
  const { transport, url } = yield* WebSocketTransport.make({ host: "127.0.0.1", port: 0 })
  return Context.make(Transport.ServerTransport, transport).pipe(Context.add(Listener, { url }))
}))

/** The server for the lifetime of the Layer, and its URL. */
export const ServerLive = ExecServer.layer.pipe(
  Layer.provideMerge(ListenerLive),
  Layer.provide(ExecServer.layerNodeServices),
  Layer.provide(ServerConfig.layer({ graceMs: 1000 }))
)

/** A client of the app's own server. */
const ClientLive = Layer.unwrap(Effect.map(Effect.service(Listener), ({ url }) => ExecServerClient.layerWebSocket({ url })))

/** The whole app: its greeting, its server and a client of it. */
export const AppLive = ClientLive.pipe(Layer.provideMerge(ServerLive), Layer.provideMerge(GreetingLive))
`

/** (a) The typed client: a pipe process and a terminal, their output read from their events, their exit codes. */
const TYPED_TS = `import { Effect, Stream } from "effect"
import { ExecServerClient } from "effect-exec-server/client"
import { AppLive, Greeting, Listener } from "./server.js"

const run = (argv: ReadonlyArray<string>, tty: boolean) =>
  Effect.gen(function*() {
    const client = yield* ExecServerClient.ExecServerClient
    const child = yield* client.start({ argv, tty, env: { PATH: "/usr/bin:/bin" } })
    const events = yield* child.events.pipe(Stream.runCollect)
    const decoder = new TextDecoder()
    let output = ""
    for (const event of events) if (event._tag === "Output") output += decoder.decode(event.bytes, { stream: true })
    const { exitCode } = yield* child.exited
    return { output, exitCode, ending: events.map((event) => event._tag).filter((tag) => tag !== "Output") }
  }).pipe(Effect.scoped)

const program = Effect.gen(function*() {
  const { text } = yield* Greeting
  const { url } = yield* Listener
  const pipe = yield* run(["sh", "-c", "printf '%s\\\\n' \\"$1\\"; exit 7", "sh", text], false)
  const terminal = yield* run(["sh", "-c", "test -t 1 && echo on a terminal; exit 5"], true)
  return { url, pipe, terminal }
})

const result = await Effect.runPromise(program.pipe(Effect.provide(AppLive)))
console.log(\`result \${JSON.stringify(result)}\`)
`

/** (b) The Promise client, without Effect, against a server the app's Layers run. */
const PROMISE_TS = `import { Effect, ManagedRuntime } from "effect"
import { PromiseClient } from "effect-exec-server/client"
import { Listener, ServerLive } from "./server.js"

const server = ManagedRuntime.make(ServerLive)
try {
  const { url } = await server.runPromise(Effect.service(Listener))
  await using client = await PromiseClient.connect(url, { clientName: "e4-app" })
  const { exitCode, stdout, stderr } = await client.exec(["sh", "-c", "echo out; echo err >&2; exit 3"], {
    env: { PATH: "/usr/bin:/bin" },
    signal: AbortSignal.timeout(20_000)
  })
  const decoder = new TextDecoder()
  console.log(\`result \${JSON.stringify({ exitCode, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) })}\`)
} finally {
  await server.dispose()
}
`

/** What a fragment runs inside, by the name its `<!-- wrapper: NAME -->` gives: the program the document shows before it. */
const WRAPPERS: Readonly<Record<string, (fragment: string) => string>> = {
  // docs/LIBRARY.md's client program: inside its Effect.gen, with its `client`.
  client: (fragment) => `import { Effect, Stream } from "effect"
import { ExecServerClient } from "effect-exec-server/client"

const program = Effect.gen(function*() {
  const client = yield* ExecServerClient.ExecServerClient
${fragment.replace(/^(?=.)/gm, "  ")}}).pipe(Effect.scoped, Effect.provide(ExecServerClient.layerWebSocket({ url: "ws://127.0.0.1:8765" })))

Effect.runPromise(program)
`
}

/** What the run of a block found on this machine: for a fragment's placeholders. */
interface DocContext {
  /** A detached session on the documents' server, with a process "build" that printed "built" and waits for `endBuild`. */
  readonly sessionId: string
  /**
   * Lets the build exit: just before the fragment that resumes it, so that it
   * is still retained then however long the blocks before take (a closed
   * process is kept 30 s, which a loaded machine spent before that fragment).
   */
  readonly endBuild: () => void
  /** A git repository, and its one commit. */
  readonly checkout: string
  readonly head: string
  /** A directory that does not exist. */
  readonly nowhere: string
}

/**
 * What the test does with each block of the documents, in their order: a
 * block no entry is for, or an entry no block is for, fails the test, so
 * every `ts` block added is run. `ts` blocks are whole programs, run as
 * printed: `server` is the one the others (which all name
 * ws://127.0.0.1:8765) talk to; `program` prints what `stdout` matches;
 * `vitest` is a test file; `sameAs` is the same text as a block of an
 * earlier document, run once. `ts fragment` blocks are compiled inside
 * their wrapper, their placeholders filled in.
 */
type DocEntry = { readonly marker: string } & (
  | { readonly info: "ts"; readonly run: "server" | "vitest" }
  | { readonly info: "ts"; readonly run: "program"; readonly stdout: ReadonlyArray<RegExp>; readonly stderr?: RegExp }
  | { readonly info: "ts"; readonly run: "sameAs"; readonly document: string }
  | {
    readonly info: "ts fragment"
    readonly run: "fragment"
    readonly placeholders: (context: DocContext) => Readonly<Record<string, string>>
    readonly stdout: (context: DocContext) => ReadonlyArray<RegExp>
    /** What is done just before the fragment runs. */
    readonly before?: (context: DocContext) => void
  }
  | { readonly info: "sh"; readonly run: "shell in the clone"; readonly stdout: ReadonlyArray<RegExp> }
  | { readonly info: string; readonly run: "elsewhere"; readonly by: string }
  | { readonly info: string; readonly run: "not run"; readonly why: string }
)

/** The end of a terminal's events: the process exited, then closed. */
const ENDED = [/^Exited$/m, /^Closed$/m]

const DOC_BLOCKS: Readonly<Record<string, ReadonlyArray<DocEntry>>> = {
  "README.md": [
    { info: "sh", marker: "npm test ", run: "not run", why: "the clone's own set-up: npm test is this suite" },
    { info: "sh", marker: "npm install && npm pack", run: "elsewhere", by: "this file's install (npm pack, then the block's other lines as printed in the app)" },
    { info: "sh", marker: "printf '%s\\n'", run: "shell in the clone", stdout: [/"chunk":"aGkK"/, /"method":"process\/closed"/] },
    { info: "", marker: "→ {\"id\":1", run: "not run", why: "a transcript of the exchange, not a command" },
    { info: "sh", marker: "npx exec-server  ", run: "not run", why: "servers that run until stopped; their flags are tested by cliClient, websocket and the remote tests" },
    { info: "sh", marker: "exec-server --listen ws://127.0.0.1:8765\n", run: "elsewhere", by: "test/integration/codexEnvironment.test.ts (where Codex is installed)" },
    { info: "sh", marker: "CODEX_EXEC_SERVER_URL=", run: "elsewhere", by: "test/integration/codexEnvironment.test.ts (where Codex is installed)" },
    { info: "toml", marker: "program = \"exec-server\"", run: "elsewhere", by: "test/integration/codexEnvironment.test.ts (where Codex is installed)" },
    { info: "sh", marker: "wss://localhost:8443", run: "elsewhere", by: "test/integration/behindTls.test.ts (as OPERATIONS.md's block, with a real nginx)" },
    { info: "sh", marker: "--sandbox-write \"$box\"", run: "elsewhere", by: "test/integration/cliSandbox.test.ts (verbatim, with bubblewrap)" },
    { info: "ts", marker: "serving on ws://127.0.0.1:8765", run: "server" },
    { info: "ts", marker: "serveOnFreePort", run: "program", stdout: [/ws:\/\/127\.0\.0\.1:\d+ said hello/] },
    { info: "ts", marker: "math/add", run: "program", stdout: [/^sum 5$/m, /^over 1000$/m] },
    { info: "ts", marker: "Stream.runForEach", run: "program", stdout: [/^uname said Linux, exit 0$/m, ...ENDED] },
    { info: "ts", marker: "PromiseClient.connect", run: "program", stdout: [/^uname said Linux, exit 0$/m] },
    { info: "sh", marker: "exec-server exec ws://127.0.0.1:8765 -- make test", run: "not run", why: "URL, S and P stand for a server, a session and a process: cliClient.test.ts runs each command" },
    { info: "ts", marker: "@effect/vitest", run: "vitest" }
  ],
  "docs/LIBRARY.md": [
    { info: "ts", marker: "serving on ws://127.0.0.1:8765", run: "sameAs", document: "README.md" },
    { info: "ts", marker: "Stream.runForEach", run: "sameAs", document: "README.md" },
    {
      info: "ts fragment",
      marker: "resumeSessionId",
      run: "fragment",
      placeholders: ({ sessionId }) => ({ SESSION_ID: sessionId }),
      stdout: () => [/^Output\nExited\nClosed$/m],
      before: ({ endBuild }) => endBuild()
    },
    {
      info: "ts fragment",
      marker: "rev-parse",
      run: "fragment",
      placeholders: ({ checkout }) => ({ CHECKOUT: checkout }),
      stdout: ({ head }) => [new RegExp(`^${head}$`, "m")]
    },
    {
      info: "ts fragment",
      marker: "SpawnNotFound",
      run: "fragment",
      placeholders: ({ nowhere }) => ({ CHECKOUT: nowhere }),
      stdout: ({ nowhere }) => [new RegExp(`^no checkout at ${nowhere}$`, "m")]
    },
    {
      info: "ts",
      marker: "networkPolicyDecider",
      run: "program",
      // Asked about example.org, the decider said no: the proxy answered 403, and the decision was reported.
      stdout: [/^403$/m],
      stderr: /^deny http example\.org:80: /m
    },
    { info: "ts", marker: "PromiseClient.connect", run: "program", stdout: [/^uname said Linux, exit 0$/m, /^hi\r?$/m, /^no such file$/m] },
    { info: "ts", marker: "@effect/vitest", run: "sameAs", document: "README.md" }
  ]
}

/** Each block of the documents with its entry; throws, naming them, for blocks and entries that do not pair up in order. */
const docBlocksWithEntries = (): ReadonlyArray<{ readonly block: DocBlock; readonly entry: DocEntry }> => {
  const paired: Array<{ readonly block: DocBlock; readonly entry: DocEntry }> = []
  const problems: Array<string> = []
  for (const [document, entries] of Object.entries(DOC_BLOCKS)) {
    const blocks = blocksOf(document)
    for (let i = 0; i < Math.max(blocks.length, entries.length); i++) {
      const block = blocks[i]
      const entry = entries[i]
      if (block === undefined) problems.push(`${document}: no block for the entry ${JSON.stringify(entry)}`)
      else if (entry === undefined) problems.push(`${document}:${block.line}: a \`${block.info}\` block the test does not know (add it to DOC_BLOCKS)`)
      else if (entry.info !== block.info || !block.text.includes(entry.marker)) {
        problems.push(`${document}:${block.line}: a \`${block.info}\` block where the test expects a \`${entry.info}\` one containing ${JSON.stringify(entry.marker)}`)
      } else if (block.info === "ts fragment" && (block.wrapper === undefined || WRAPPERS[block.wrapper] === undefined)) {
        problems.push(`${document}:${block.line}: a fragment without a known <!-- wrapper: NAME --> before it`)
      } else paired.push({ block, entry })
    }
  }
  if (problems.length > 0) throw new Error(problems.join("\n"))
  return paired
}

/** A block's module in the app (src/docs/), by the document and line it comes from. */
const docModuleName = (block: DocBlock) =>
  `${Path.basename(block.document, ".md").toLowerCase()}-${block.line}${block.text.includes("@effect/vitest") ? ".test" : ""}.ts`

/** A whole block's module as compiled (out/docs/), relative to the app. */
const moduleOf = (block: DocBlock) => Path.join("out", "docs", docModuleName(block).replace(/\.ts$/, ".js"))

/**
 * The README's "Use as a dependency" commands for the app (its sh block's
 * lines after the clone's), as printed: they name the tarball as
 * `../effect-exec-server/<tarball>`, the app beside the clone.
 */
const readmeAppCommands = (): ReadonlyArray<string> => {
  const block = blocksOf("README.md").find((candidate) => candidate.info === "sh" && candidate.text.includes("npm install && npm pack"))
  const lines = block?.text.split("\n").filter((line) => line.trim() !== "") ?? []
  if (lines.length < 2 || !lines[0]!.includes("npm pack")) throw new Error(`README.md has no sh block that packs, then installs: ${block?.text}`)
  return lines.slice(1)
}

/** A user's shell for the install, npm told to use its cache first and to print the scripts' output (shown when a step fails). */
const installEnv = (): NodeJS.ProcessEnv => ({
  ...userEnv(),
  npm_config_prefer_offline: "true",
  npm_config_audit: "false",
  npm_config_fund: "false",
  npm_config_foreground_scripts: "true"
})

/** What a step printed, to show when it failed. */
const outputOf = (result: SpawnSyncReturns<string>) =>
  `status ${result.status}${result.signal === null ? "" : ` (${result.signal})`}${result.error === undefined ? "" : ` ${String(result.error)}`}\n${result.stdout}\n${result.stderr}`

/**
 * The request npm could not make for want of the registry (its error code
 * ENOTFOUND or EAI_AGAIN), if that is why an install failed. npm reports
 * it as such only for a tarball; a package's metadata it could not fetch
 * ends as an ERESOLVE ("Found: effect@undefined"), and only the debug log
 * it names says why.
 */
const registryUnreachable = (output: string): string | undefined => {
  const log = /A complete log of this run can be found in: (\S+)/.exec(output)?.[1]
  const text = output + (log !== undefined && Fs.existsSync(log) ? Fs.readFileSync(log, "utf8") : "")
  const failed = /(?:network request to|http fetch \w+) (\S+)(?: attempt \d+)? failed(?:,| with) (?:reason: getaddrinfo )?(ENOTFOUND|EAI_AGAIN)\b/.exec(text)
  if (failed !== null) return `${failed[2]}: ${failed[1]}`
  return /^npm error (?:code|errno) (ENOTFOUND|EAI_AGAIN)$/m.exec(text)?.[1]
}

/** The JSON a program printed on its `result ` line. */
const resultOf = (result: SpawnSyncReturns<string>): unknown => {
  const line = /^result (.*)$/m.exec(result.stdout)
  if (line === null) throw new Error(`no result line:\n${outputOf(result)}`)
  return JSON.parse(line[1]!)
}

/** A package's bin, from its manifest in the app. */
const binOf = (app: string, name: string, bin: string) => {
  const dir = Path.join(app, "node_modules", name)
  const manifest = JSON.parse(Fs.readFileSync(Path.join(dir, "package.json"), "utf8")) as { readonly bin: string | Record<string, string> }
  return Path.join(dir, typeof manifest.bin === "string" ? manifest.bin : manifest.bin[bin]!)
}

/** A command run in `cwd` with a user's environment (and `env`), its output collected: async, so that the server block's output keeps flowing. */
const runIn = (cwd: string, command: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = {}): Promise<SpawnSyncReturns<string>> =>
  new Promise((resolve) => {
    const child: ChildProcess = spawn(command, args, { cwd, env: { ...userEnv(), ...env }, stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 })
    let stdout = ""
    let stderr = ""
    child.stdout!.setEncoding("utf8").on("data", (text: string) => stdout += text)
    child.stderr!.setEncoding("utf8").on("data", (text: string) => stderr += text)
    child.once("close", (status, signal) => resolve({ pid: child.pid ?? 0, output: [null, stdout, stderr], stdout, stderr, status, signal }))
  })

describe("a new Effect 4 application installing the packed package from npm", () => {
  /** Holds the clone's stand-in (`effect-exec-server/`, the tarball in it) and the app beside it. */
  let root: string
  let app: string
  let tarball: string
  /** Why the steps after the install are skipped: the registry unreachable for a package the cache lacks. */
  let offline: string | undefined
  let installed = false
  let compiled = false

  beforeAll(() => {
    root = Fs.realpathSync(Fs.mkdtempSync(Path.join(Os.tmpdir(), "exec-server-e4-app-")))
    const clone = Path.join(root, "effect-exec-server")
    app = Path.join(root, "app")
    Fs.mkdirSync(clone)
    Fs.mkdirSync(app)
    // The tarball of what `npm run build` left in dist/ (the tests run dist/), as `npm pack` makes it.
    const name = execFileSync("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", clone], {
      cwd: ROOT,
      encoding: "utf8",
      env: userEnv(),
      stdio: ["ignore", "pipe", "pipe"]
    }).trim().split("\n").pop()!
    tarball = Path.join(clone, name)
    Fs.writeFileSync(Path.join(app, "package.json"), JSON.stringify(APP_MANIFEST, null, 2))
    Fs.writeFileSync(Path.join(app, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2))
    const src = Path.join(app, "src")
    Fs.mkdirSync(src)
    Fs.writeFileSync(Path.join(src, "server.ts"), SERVER_TS)
    Fs.writeFileSync(Path.join(src, "typed.ts"), TYPED_TS)
    Fs.writeFileSync(Path.join(src, "promise.ts"), PROMISE_TS)
    // Every whole ts block of the documents, verbatim (fragments are compiled later, with their placeholders filled).
    Fs.mkdirSync(Path.join(src, "docs"))
    for (const document of Object.keys(DOC_BLOCKS)) {
      for (const block of blocksOf(document)) {
        if (block.info === "ts") Fs.writeFileSync(Path.join(src, "docs", docModuleName(block)), block.text)
      }
    }
  }, 60_000)
  // The app's node_modules is large: removing it took over 30 s on a loaded machine.
  afterAll(() => {
    if (root !== undefined) Fs.rmSync(root, { recursive: true, force: true })
  }, 180_000)

  /** Skips a step after an install the registry's absence stopped; fails one after an install that failed. */
  const afterInstall = (context: TestContext) => {
    if (offline !== undefined) context.skip(offline)
    if (!installed) expect.fail("the app's npm install failed (see its test)")
  }
  /** For the tests that run the app's compiled code. */
  const afterCompile = (context: TestContext) => {
    afterInstall(context)
    expect(compiled, "the app did not compile (see its test)").toBe(true)
  }
  /** Runs one of the app's compiled programs (`out/NAME.js`) to its end. */
  const runCompiled = (name: string) =>
    spawnSync(process.execPath, [Path.join("out", `${name}.js`)], { cwd: app, encoding: "utf8", env: userEnv(), timeout: 60_000 })

  it("knows every code block of README.md and docs/LIBRARY.md: a block added is a block to run", () => {
    const pairs = docBlocksWithEntries()
    // Each ts block is run (or is the same text as one that is), never listed as not run.
    for (const { block, entry } of pairs) {
      if (block.info.startsWith("ts")) expect(["server", "program", "vitest", "sameAs", "fragment"], `${block.document}:${block.line}`).toContain(entry.run)
    }
  })

  it("installs with the README's commands as printed: no npm warning, every install script approved and run, one effect 4.1.x", (context) => {
    let output = ""
    for (const command of readmeAppCommands()) {
      const step = spawnSync("/bin/sh", ["-c", command], { cwd: app, encoding: "utf8", env: installEnv(), timeout: 540_000, maxBuffer: 64 << 20 })
      output += `$ ${command}\n${step.stdout}${step.stderr}`
      if (step.status !== 0) {
        const unreachable = registryUnreachable(step.stdout + step.stderr)
        if (unreachable !== undefined) {
          offline = `npm's registry is unreachable and npm's cache lacks what it asked for (${unreachable})`
          context.skip(offline)
        }
      }
      expect(step.status, `${command}\n${outputOf(step)}`).toBe(0)
    }
    // npm 11 names each package whose install scripts allowScripts does not cover ("not yet covered by allowScripts");
    // npm warns too of an engines mismatch (EBADENGINE) and a peer conflict (ERESOLVE).
    expect(output.split("\n").filter((line) => /^npm warn|ERESOLVE|EBADENGINE|allowScripts/i.test(line)), output).toEqual([])
    // What npm wrote: the tarball by its absolute path, node-pty by name.
    const manifest = JSON.parse(Fs.readFileSync(Path.join(app, "package.json"), "utf8")) as { readonly allowScripts?: Record<string, boolean> }
    expect(manifest.allowScripts).toEqual({ [`file:${tarball}`]: true, "node-pty": true })
    // The scripts it approves ran: our addon, node-pty's, our binary's startup snapshot.
    const ours = Path.join(app, "node_modules", "effect-exec-server")
    expect(Fs.existsSync(Path.join(ours, "build", "Release", "exec_server_native.node")), output).toBe(true)
    expect(Fs.existsSync(Path.join(app, "node_modules", "node-pty", "build", "Release", "pty.node")), output).toBe(true)
    expect(Fs.existsSync(Path.join(ours, "dist", "cli", "exec-server.blob")), output).toBe(true)
    // Nothing of this repository's node_modules: every package is the app's own.
    expect(Fs.lstatSync(Path.join(app, "node_modules", "effect")).isSymbolicLink()).toBe(false)
    const ls = spawnSync("npm", ["ls", "effect", "--all", "--parseable", "--long"], { cwd: app, encoding: "utf8", env: userEnv() })
    expect(ls.status, outputOf(ls)).toBe(0)
    const copies = ls.stdout.trim().split("\n")
    expect(copies, outputOf(ls)).toHaveLength(1)
    expect(copies[0], outputOf(ls)).toMatch(new RegExp(`^${app}/node_modules/effect:effect@4\\.1\\.\\d+$`))
    installed = true
  }, 600_000)

  it("compiles the app with its own TypeScript (strict, skipLibCheck false)", (context) => {
    afterInstall(context)
    const tsc = spawnSync(process.execPath, [binOf(app, "typescript", "tsc"), "-p", "."], { cwd: app, encoding: "utf8", env: userEnv(), timeout: 180_000 })
    expect(tsc.stdout + tsc.stderr).toBe("")
    expect(tsc.status, outputOf(tsc)).toBe(0)
    compiled = true
  }, 200_000)

  it("(a) composes exec-server's Layers with its own, serves on port 0 and runs the typed client against them", (context) => {
    afterCompile(context)
    const run = runCompiled("typed")
    // It exits by itself once its Layers close: the server, its processes and the client leave nothing running.
    expect(run.status, outputOf(run)).toBe(0)
    expect(resultOf(run)).toEqual({
      url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+$/),
      pipe: { output: "hello from an Effect 4 app\n", exitCode: 7, ending: ["Exited", "Closed"] },
      terminal: { output: "on a terminal\r\n", exitCode: 5, ending: ["Exited", "Closed"] }
    })
  }, 90_000)

  it("(b) execs with the Promise client against a server of the app's Layers", (context) => {
    afterCompile(context)
    const run = runCompiled("promise")
    expect(run.status, outputOf(run)).toBe(0)
    expect(resultOf(run)).toEqual({ exitCode: 3, stdout: "out\n", stderr: "err\n" })
  }, 90_000)

  it("(d) runs every code block of README.md and docs/LIBRARY.md as printed: the server block, then each client against it", async (context) => {
    afterCompile(context)
    const pairs = docBlocksWithEntries()
    const serverBlock = pairs.find(({ entry }) => entry.run === "server")!.block
    const server = spawn(process.execPath, [moduleOf(serverBlock)], { cwd: app, env: userEnv(), stdio: ["ignore", "pipe", "pipe"] })
    const serverOutput = { stdout: "", stderr: "" }
    server.stdout.setEncoding("utf8").on("data", (text: string) => serverOutput.stdout += text)
    server.stderr.setEncoding("utf8").on("data", (text: string) => serverOutput.stderr += text)
    const serverExit = new Promise<number | null>((resolve) => server.once("exit", (code) => resolve(code)))
    try {
      // Serving once it says so, or gone (port 8765 taken, say).
      await new Promise<void>((resolve, reject) => {
        const check = () => {
          if (serverOutput.stdout.includes("serving on ws://127.0.0.1:8765")) resolve()
        }
        server.stdout.on("data", check)
        void serverExit.then((code) => reject(new Error(`the server block exited (${code}) before serving:\n${serverOutput.stdout}\n${serverOutput.stderr}`)))
        check()
      })
      const checkout = Fs.mkdtempSync(Path.join(app, "checkout-"))
      execFileSync("git", ["init", "-q", checkout])
      execFileSync("git", ["-C", checkout, "-c", "user.name=docs", "-c", "user.email=docs@example.invalid", "commit", "-q", "--allow-empty", "-m", "first"])
      const head = execFileSync("git", ["-C", checkout, "rev-parse", "HEAD"], { encoding: "utf8" }).trim()
      // The build the resume fragment takes over: started detached by the app's own command line.
      const buildEnds = Path.join(app, "build-ends")
      const detached = await runIn(app, binOf(app, "effect-exec-server", "exec-server"), [
        "exec", "--detach", "--process", "build", "ws://127.0.0.1:8765", "--",
        "sh", "-c", "echo built; while [ ! -e \"$0\" ]; do sleep 0.1; done", buildEnds
      ])
      expect(detached.status, outputOf(detached)).toBe(0)
      const docContext: DocContext = {
        sessionId: detached.stdout.trim().split(" ")[0]!,
        endBuild: () => Fs.writeFileSync(buildEnds, ""),
        checkout,
        head,
        nowhere: Path.join(app, "no-checkout")
      }

      // The fragments, inside their wrappers with their placeholders filled, compiled apart (the session id is known only now).
      const fragments = Path.join(app, "fragments")
      Fs.mkdirSync(fragments)
      for (const { block, entry } of pairs) {
        if (entry.run !== "fragment") continue
        Fs.writeFileSync(Path.join(fragments, docModuleName(block)), WRAPPERS[block.wrapper!]!(fillPlaceholders(block, entry.placeholders(docContext))))
      }
      Fs.writeFileSync(
        Path.join(app, "tsconfig.fragments.json"),
        JSON.stringify({ extends: "./tsconfig.json", compilerOptions: { rootDir: "fragments", outDir: "fragments-out" }, include: ["fragments"] })
      )
      const tsc = await runIn(app, process.execPath, [binOf(app, "typescript", "tsc"), "-p", "tsconfig.fragments.json"])
      expect(tsc.stdout + tsc.stderr).toBe("")
      expect(tsc.status, outputOf(tsc)).toBe(0)

      const ran: Array<string> = []
      for (const { block, entry } of pairs) {
        const where = `${block.document}:${block.line}`
        switch (entry.run) {
          case "program":
          case "fragment": {
            if (entry.run === "fragment") entry.before?.(docContext)
            const file = entry.run === "program" ? moduleOf(block) : Path.join("fragments-out", docModuleName(block).replace(/\.ts$/, ".js"))
            const run = await runIn(app, process.execPath, [file])
            expect(run.status, `${where}\n${outputOf(run)}`).toBe(0)
            for (const pattern of entry.run === "program" ? entry.stdout : entry.stdout(docContext)) {
              expect(run.stdout, `${where}\n${outputOf(run)}`).toMatch(pattern)
            }
            if (entry.run === "program" && entry.stderr !== undefined) expect(run.stderr, `${where}\n${outputOf(run)}`).toMatch(entry.stderr)
            ran.push(where)
            break
          }
          case "vitest": {
            const run = await runIn(app, process.execPath, [binOf(app, "vitest", "vitest"), "run", Path.join("src", "docs", docModuleName(block))], { NO_COLOR: "1" })
            expect(run.status, `${where}\n${outputOf(run)}`).toBe(0)
            expect(run.stdout, `${where}\n${outputOf(run)}`).toMatch(/Tests\s+1 passed \(1\)/)
            ran.push(where)
            break
          }
          case "sameAs": {
            expect(blocksOf(entry.document).some((other) => other.text === block.text), `${where} is not the same as a block of ${entry.document}`).toBe(true)
            break
          }
          case "shell in the clone": {
            const run = await runIn(ROOT, "sh", ["-c", block.text])
            expect(run.status, `${where}\n${outputOf(run)}`).toBe(0)
            for (const pattern of entry.stdout) expect(run.stdout, `${where}\n${outputOf(run)}`).toMatch(pattern)
            ran.push(where)
            break
          }
          case "server":
          case "elsewhere":
          case "not run":
            break
        }
      }
      // What ran: every program, fragment and test block, and the first session's shell block.
      expect(ran).toEqual(
        pairs.filter(({ entry }) => ["program", "fragment", "vitest", "shell in the clone"].includes(entry.run)).map(({ block }) => `${block.document}:${block.line}`)
      )
    } finally {
      server.kill("SIGTERM")
    }
    // The server block stops on SIGTERM, its processes with it, and exits 130 (runMain's status for an interrupted program).
    expect(await serverExit, `${serverOutput.stdout}\n${serverOutput.stderr}`).toBe(130)
  }, 300_000)

  it("(e) runs the server block as printed with its port taken: the failure (EADDRINUSE) on stderr, exit 1", async (context) => {
    afterCompile(context)
    const serverBlock = docBlocksWithEntries().find(({ entry }) => entry.run === "server")!.block
    // Port 8765 held by a listener of this test's, as another program would hold it.
    const holder = Net.createServer()
    await new Promise<void>((resolve, reject) => {
      holder.once("error", reject)
      holder.listen(8765, "127.0.0.1", resolve)
    })
    try {
      const run = await runIn(app, process.execPath, [moduleOf(serverBlock)])
      expect(run.status, outputOf(run)).toBe(1)
      expect(run.stderr, outputOf(run)).toMatch(/ERROR.*cannot listen on ws:\/\/127\.0\.0\.1:8765: listen EADDRINUSE/)
      expect(run.stdout, outputOf(run)).not.toContain("serving on")
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()))
    }
  }, 150_000)
})
