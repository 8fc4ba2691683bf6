/**
 * The package as a TypeScript user installs it: `npm pack`'s tarball in a
 * consumer project with the package's dependencies and peers and nothing of
 * its development (no `@types/ws`), compiled with `strict`,
 * `exactOptionalPropertyTypes`, `skipLibCheck: false` and `declaration: true`:
 * a module exporting Layers with inferred types, whose declarations must
 * name every type they reach. The code blocks of the README and
 * docs/LIBRARY.md are compiled and run verbatim by effect4App.test.ts.
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from "node:child_process"
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const ROOT = Path.resolve(import.meta.dirname, "../..")
// Real path: installedDir answers real paths, and node_modules may be a symlink (a worktree sharing another's).
const ROOT_MODULES = Fs.realpathSync(Path.join(ROOT, "node_modules"))

interface Manifest {
  readonly name: string
  readonly bin?: Record<string, string>
  readonly dependencies?: Record<string, string>
  readonly peerDependencies?: Record<string, string>
  readonly peerDependenciesMeta?: Record<string, { readonly optional?: boolean }>
  readonly optionalDependencies?: Record<string, string>
  readonly devDependencies?: Record<string, string>
}

const manifestOf = (dir: string): Manifest => JSON.parse(Fs.readFileSync(Path.join(dir, "package.json"), "utf8")) as Manifest

/** Where `name` is installed for a package in `fromDir`: node's lookup up the node_modules folders. */
const installedDir = (name: string, fromDir: string): string | undefined => {
  for (let dir = fromDir; ; dir = Path.dirname(dir)) {
    const candidate = Path.join(dir, "node_modules", name)
    if (Fs.existsSync(Path.join(candidate, "package.json"))) return Fs.realpathSync(candidate)
    if (Path.dirname(dir) === dir) return undefined
  }
}

/**
 * The packages a user's install would bring for `names` (their dependencies,
 * required peers and installed optional dependencies, transitively), as
 * installed here; only those hoisted to the top level, as the others come
 * along inside them.
 */
const closureOf = (names: ReadonlyArray<string>): Set<string> => {
  const hoisted = new Set<string>()
  const seen = new Set<string>()
  const visit = (name: string, fromDir: string, required: boolean) => {
    const dir = installedDir(name, fromDir)
    if (dir === undefined) {
      if (required) throw new Error(`${name} (needed from ${fromDir}) is not installed`)
      return
    }
    if (seen.has(dir)) return
    seen.add(dir)
    if (Path.dirname(dir) === ROOT_MODULES || Path.dirname(Path.dirname(dir)) === ROOT_MODULES) hoisted.add(name)
    const manifest = manifestOf(dir)
    for (const dependency of Object.keys(manifest.dependencies ?? {})) visit(dependency, dir, true)
    for (const dependency of Object.keys(manifest.optionalDependencies ?? {})) visit(dependency, dir, false)
    for (const peer of Object.keys(manifest.peerDependencies ?? {})) {
      visit(peer, dir, manifest.peerDependenciesMeta?.[peer]?.optional !== true)
    }
  }
  for (const name of names) visit(name, ROOT, true)
  return hoisted
}

/** A module of Layers exported with the types TypeScript infers for them. */
const INFERRED_LAYERS = `
import { Effect, Layer } from "effect"
import {
  ExecServer, OutputBuffers, ProcessReaper, Sandbox, SandboxedFs, ServerConfig, SessionStore,
  StdioTransport, WebSocketTransport, NodeSpawner, NatsConnector, NatsServerTransport
} from "effect-exec-server"
import { ExecServerClient } from "effect-exec-server/client"
import { TestServer, TestSpawner } from "effect-exec-server/testing"
import * as Gateway from "effect-exec-server/Gateway"

export const Services = ExecServer.layerNodeServices
export const OverWebSocket = ExecServer.layer.pipe(
  Layer.provide(WebSocketTransport.layer({ host: "127.0.0.1", port: 0 })),
  Layer.provide(Services),
  Layer.provide(ServerConfig.layer({ graceMs: 1000 }))
)
export const OverStdio = ExecServer.layer.pipe(
  Layer.provide(StdioTransport.layer({ maxMessageBytes: 1 << 20 })),
  Layer.provide(Services),
  Layer.provide(ServerConfig.layerDefaults)
)
export const Parts = Layer.mergeAll(
  OutputBuffers.layerMemory,
  ProcessReaper.layerNode,
  Sandbox.layerUnavailable,
  SessionStore.layer,
  NodeSpawner.layer
)
export const Confined = SandboxedFs.layer
export const Client = ExecServerClient.layerWebSocket({ url: "ws://127.0.0.1:8765" })
export const Local = ExecServerClient.layerSpawnLocal()
export const Executor = NatsServerTransport.layer({ servers: ["nats://127.0.0.1:4222"], environmentId: "e1" })
export const RemoteClient = NatsConnector.layer({ servers: ["nats://127.0.0.1:4222"], environmentId: "e1" })
export const EnvironmentGateway = Gateway.layer({ listen: { host: "127.0.0.1", port: 8765 }, nats: { servers: ["nats://127.0.0.1:4222"] } })
export const Mocked = Effect.map(TestSpawner.make(TestSpawner.echo), (spawner) => TestServer.layer({ spawner: spawner.layer }))
`

describe("the packed package in a consumer project", () => {
  let consumer: string
  /** What a user's install brings: the package's dependencies and peers, and the consumer's own tools. */
  let forUser: ReadonlySet<string>
  beforeAll(() => {
    consumer = Fs.mkdtempSync(Path.join(Os.tmpdir(), "exec-server-consumer-"))
    // What `npm install <tarball>` would unpack: the files the package ships, as built.
    const tarball = execFileSync("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", consumer], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"]
    }).trim().split("\n").pop()!
    const modules = Path.join(consumer, "node_modules")
    const ours = Path.join(modules, "effect-exec-server")
    Fs.mkdirSync(ours, { recursive: true })
    execFileSync("tar", ["-xzf", Path.join(consumer, tarball), "-C", ours, "--strip-components=1"])
    const own = manifestOf(ROOT)
    const runtime = closureOf([...Object.keys(own.dependencies ?? {}), ...Object.keys(own.peerDependencies ?? {})])
    // node-pty as installed where its install script was not allowed: its JavaScript, no native module.
    runtime.delete("node-pty")
    const nodePty = Path.join(modules, "node-pty")
    for (const part of ["package.json", "lib", "typings"]) {
      Fs.cpSync(Path.join(ROOT_MODULES, "node-pty", part), Path.join(nodePty, part), { recursive: true })
    }
    // The consumer's own tools: the compiler, Node's types, the test kit its snippet uses.
    forUser = new Set([...runtime, ...closureOf(["typescript", "@types/node", "@effect/vitest", "vitest"])])
    for (const name of forUser) {
      const link = Path.join(modules, name)
      Fs.mkdirSync(Path.dirname(link), { recursive: true })
      if (!Fs.existsSync(link)) Fs.symlinkSync(Path.join(ROOT_MODULES, name), link)
    }
    Fs.writeFileSync(Path.join(consumer, "package.json"), JSON.stringify({ name: "consumer", type: "module" }))
    Fs.writeFileSync(Path.join(consumer, "tsconfig.json"), JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        // Effect 4's entry (Schema, through its crypto modules) names Web Crypto's CryptoKey and JsonWebKey,
        // which are types only in TypeScript's DOM library (@types/node declares them as values).
        lib: ["ES2022", "ESNext.Disposable", "DOM"],
        types: ["node"],
        strict: true,
        exactOptionalPropertyTypes: true,
        skipLibCheck: false,
        declaration: true,
        outDir: "out"
      },
      include: ["src"]
    }))
    const src = Path.join(consumer, "src")
    Fs.mkdirSync(src)
    Fs.writeFileSync(Path.join(src, "layers.ts"), INFERRED_LAYERS)
  }, 120_000)
  /** The consumer compiled (once, by whichever test needs it first). */
  let compilation: SpawnSyncReturns<string> | undefined
  const compiled = () => {
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc")
    compilation ??= spawnSync(process.execPath, [tsc, "-p", consumer], { cwd: consumer, encoding: "utf8" })
    return compilation
  }
  afterAll(() => {
    Fs.rmSync(consumer, { recursive: true, force: true })
  })

  it("ships no development package among what its types need: none of its development packages is installed for the consumer", () => {
    // On Effect 3 this was @types/ws alone; on Effect 4 @effect/platform-node-shared depends on it, so a user's
    // install has it. What nothing a user installs brings must stay out: the types compile without it.
    const devOnly = Object.keys(manifestOf(ROOT).devDependencies ?? {}).filter((name) => !forUser.has(name))
    expect(devOnly.length).toBeGreaterThan(0)
    for (const name of devOnly) expect(Fs.existsSync(Path.join(consumer, "node_modules", name)), name).toBe(false)
    expect(Fs.existsSync(Path.join(consumer, "node_modules", "effect-exec-server", "dist", "index.d.ts"))).toBe(true)
  })

  it("serves pipes where install scripts were not allowed (no addon, node-pty not built) and refuses terminals in words", () => {
    const request = (id: number, method: string, params: unknown) => JSON.stringify({ jsonrpc: "2.0", id, method, params })
    const start = (id: number, tty: boolean) =>
      request(id, "process/start", { processId: `p${id}`, argv: ["true"], cwd: "/", env: {}, tty })
    const input = [
      request(1, "initialize", { clientName: "consumer" }),
      JSON.stringify({ jsonrpc: "2.0", method: "initialized" }),
      start(2, false),
      start(3, true)
    ].join("\n") + "\n"
    // The package's `bin`, as npm links it: without its install script there is no startup snapshot either.
    const ours = Path.join(consumer, "node_modules", "effect-exec-server")
    const bin = Path.join(ours, manifestOf(ours).bin!["exec-server"]!)
    const result = spawnSync(bin, ["--listen", "stdio://", "--log-level", "debug"], { cwd: consumer, input, encoding: "utf8", timeout: 20_000 })
    const answers = new Map<number, { readonly result?: unknown; readonly error?: { readonly message: string } }>()
    for (const line of result.stdout.split("\n").filter((line) => line.startsWith("{"))) {
      const message = JSON.parse(line) as { readonly id?: number; readonly result?: unknown; readonly error?: { readonly message: string } }
      if (message.id !== undefined) answers.set(message.id, message)
    }
    expect(answers.get(1)?.result, result.stderr).toBeDefined()
    expect(answers.get(2)?.result, JSON.stringify(answers.get(2))).toBeDefined()
    expect(answers.get(3)?.error?.message).toMatch(/^terminals are unavailable on this server: node-pty did not load/)
    expect(result.stderr).toMatch(/native addon.*addon=missing/)
    expect(result.stderr).toMatch(/serving stdio:\/\/" startup="modules: no startup snapshot was built/)
  })

  it("builds its startup snapshot as its install script does, and its binary then starts from it", () => {
    const ours = Path.join(consumer, "node_modules", "effect-exec-server")
    const built = spawnSync(process.execPath, [Path.join(ours, "native", "startup-snapshot.mjs")], { cwd: ours, encoding: "utf8", timeout: 60_000 })
    expect(built.stderr).toBe("")
    const bin = Path.join(ours, manifestOf(ours).bin!["exec-server"]!)
    const input = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { clientName: "consumer" } }) + "\n"
    // The launcher starts the `node` first on PATH: this one, which built the snapshot (as `npm test` has it).
    const env = { ...process.env, PATH: [Path.dirname(process.execPath), process.env["PATH"]].join(Path.delimiter) }
    const result = spawnSync(bin, ["--log-level", "debug"], { cwd: consumer, input, encoding: "utf8", timeout: 20_000, env })
    expect(result.stderr).toMatch(/serving stdio:\/\/" startup=snapshot/)
    expect(JSON.parse(result.stdout.split("\n")[0]!)).toMatchObject({ id: 1, result: { protocolVersion: "exec-server.v0" } })
  })

  it("exports inferred Layers, with skipLibCheck false and declarations", () => {
    const result = compiled()
    expect(result.stdout + result.stderr).toBe("")
    expect(result.status).toBe(0)
    const layers = Fs.readFileSync(Path.join(consumer, "out", "layers.d.ts"), "utf8")
    // Named through the package's entries, never through a path inside it.
    expect(layers).not.toMatch(/node_modules|dist\//)
    expect(layers).toContain(`import("effect-exec-server/Transport").TransportError`)
  }, 180_000)
})
