/**
 * Every service a server has, each declared once: its tag, how a Node
 * server makes it, what a test server has, and where the library exports
 * it. `ServerServices`, `ExecServer.layerNodeServices` and
 * `TestServer.layer` are derived from the declaration;
 * test/unit/packageEntries.test.ts holds src/index.ts, package.json and
 * docs/LIBRARY.md to it.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { SandboxedFs } from "../fs/SandboxedFs.js"
import * as SandboxedFsModule from "../fs/SandboxedFs.js"
import { HttpRequests } from "../http/HttpRequests.js"
import * as HttpRequestsModule from "../http/HttpRequests.js"
import { Spawner } from "../process/ChildProcess.js"
import * as NodeSpawner from "../process/NodeSpawner.js"
import { OutputBuffers } from "../process/OutputBuffers.js"
import * as OutputBuffersModule from "../process/OutputBuffers.js"
import { ProcessReaper } from "../process/ProcessReaper.js"
import * as ProcessReaperModule from "../process/ProcessReaper.js"
import { NO_OPERATOR_LIMITS, ResourceLimits } from "../limits/ResourceLimits.js"
import * as ResourceLimitsModule from "../limits/ResourceLimits.js"
import * as NodeResourceLimits from "../limits/NodeResourceLimits.js"
import { PlaceholderGuard } from "../sandbox/placeholders.js"
import { Sandbox } from "../sandbox/Sandbox.js"
import * as SandboxModule from "../sandbox/Sandbox.js"
import { ServerConfig } from "./ServerConfig.js"
import { SessionStore } from "./SessionStore.js"
import * as SessionStoreModule from "./SessionStore.js"

/** Where the library exports a service's module (what src/index.ts and package.json name). */
export type PublicModule =
  /** `export * as <name> from "./<path>.js"` in src/index.ts, and the subpath `effect-exec-server/<name>`. */
  | { readonly name: string; readonly path: string }
  /** `export * from "./<path>.js"` in src/index.ts: its exports at the root, beside the types they go with. */
  | { readonly path: string; readonly atRoot: true }
  /** Another package's module, which the library does not export. */
  | { readonly package: string }

/**
 * What a test server has of a service unless its test gives one: "node",
 * what a Node server has (it touches nothing of the host: the session
 * store, the output buffers); an inert layer, which is also what an
 * application composing a server without the feature provides (its module
 * exports it, docs/LIBRARY.md names it); "given", one the test must give.
 */
export type TestService<I, R> = "node" | "given" | Layer.Layer<I, never, R>

/** One service of the declaration, as `ServiceDeclaration.add` takes it. */
export interface ServerService<K extends string, I, S, R> {
  /** Its name among `TestServer.layer`'s options, where a test gives its own. */
  readonly key: K
  readonly tag: Context.Key<I, S>
  readonly module: PublicModule
  /** How a Node server makes it, in the scope of the layer, from the config and the services declared before it. */
  readonly node: Effect.Effect<S, never, R | Scope.Scope>
  readonly test: TestService<I, R>
}

/** A declared service with its types left behind: the declaration checked them as it was added. */
export interface DeclaredService {
  readonly key: string
  readonly tag: Context.Key<unknown, unknown>
  readonly module: PublicModule
  readonly node: Effect.Effect<unknown, never, unknown>
  readonly test: "node" | "given" | Layer.Layer<never, never, unknown>
}

/** What a test gives of service `I` named `K`: required if the declaration says "given". */
type TestOverride<K extends string, I, T> = T extends "given" ? { readonly [k in K]: Layer.Layer<I> }
  : { readonly [k in K]?: Layer.Layer<I> }

/** What a service whose key is taken lacks, so that the compiler's error names the key. */
type KeyDeclaredBefore<K extends string> = { readonly [k in `key ${K} is declared before`]: never }

/**
 * The services of a server, in the order they are made (each from the
 * config and those before it) and released in the reverse. `Services` is
 * every tag (the config's too), `Overrides` what a test may give.
 */
export class ServiceDeclaration<Services, Overrides> {
  constructor(readonly services: ReadonlyArray<DeclaredService>) {}

  /**
   * The declaration with `service` last. Its Node and test forms may require
   * only what is declared before it (the compiler refuses others), and its
   * key must be new.
   */
  add<const K extends string, I, S, R extends Services, T extends TestService<I, R>>(
    service: ServerService<K, I, S, R> & { readonly test: T } & (K extends keyof Overrides ? KeyDeclaredBefore<K> : unknown)
  ): ServiceDeclaration<Services | I, Overrides & TestOverride<K, I, T>> {
    return new ServiceDeclaration([...this.services, service as DeclaredService])
  }

  /**
   * Makes every service in turn, each with the config and the services
   * made before it, in the scope of the layer: one layer, not a graph of
   * each module's (Effect builds every node of a graph through its memo
   * map, run once per start by a process whose code is not compiled yet:
   * see docs/PERFORMANCE.md).
   */
  private layerWith(
    make: (service: DeclaredService) => Effect.Effect<unknown, never, unknown>
  ): Layer.Layer<Exclude<Services, ServerConfig>, never, ServerConfig> {
    const services = this.services
    // Each service's requirements were checked against those before it as it was added.
    const made = Effect.gen(function*() {
      let context = Context.empty() as Context.Context<never>
      for (const service of services) {
        const value = yield* (Effect.provideContext(make(service), context) as Effect.Effect<unknown>)
        context = Context.add(context, service.tag as Context.Key<never, unknown>, value)
      }
      return context as Context.Context<Exclude<Services, ServerConfig>>
    })
    return Layer.effectContext(made as Effect.Effect<Context.Context<Exclude<Services, ServerConfig>>, never, ServerConfig | Scope.Scope>)
  }

  /** Every service as a Node server has it. */
  layerNode(): Layer.Layer<Exclude<Services, ServerConfig>, never, ServerConfig> {
    return this.layerWith((service) => service.node)
  }

  /** Every service as a test server has it, but those the test gives. */
  layerTest(overrides: Overrides): Layer.Layer<Exclude<Services, ServerConfig>, never, ServerConfig> {
    const given = overrides as Readonly<Record<string, Layer.Layer<never> | undefined>>
    return this.layerWith((service) => {
      const layer = given[service.key] ?? service.test
      if (layer === "node") return service.node
      // The type of the overrides requires every "given" one.
      if (layer === "given") return Effect.die(new Error(`TestServer.layer: no ${service.key} given`))
      return Effect.map(Layer.build(layer), (built) => Context.getUnsafe(built, service.tag))
    })
  }
}

/** The bubblewrap sandbox with the operator's policy from the config. */
export const makeSandbox: Effect.Effect<Sandbox["Service"], never, ServerConfig | PlaceholderGuard> = Effect.flatMap(
  ServerConfig,
  (config) =>
    SandboxModule.make({
      operatorPolicy: config.sandboxPolicy,
      bwrap: config.bwrapPath,
      secretFiles: config.secretFiles,
      networkRefusal: config.sandboxNetworkRefusal
    })
)

/**
 * Every service a server has besides its config, in the order they are
 * made: the reaper first (it removes the sandbox's placeholders and
 * outlives the processes of the store, released before it).
 */
export const serverServices = new ServiceDeclaration<ServerConfig, unknown>([])
  .add({
    key: "processReaper",
    tag: ProcessReaper,
    module: { name: "ProcessReaper", path: "process/ProcessReaper" },
    node: ProcessReaperModule.makeNode,
    // The scripted children are no processes.
    test: ProcessReaperModule.layerNone
  })
  .add({
    key: "sandbox",
    tag: Sandbox,
    module: { name: "Sandbox", path: "sandbox/Sandbox" },
    node: Effect.flatMap(ProcessReaper, (reaper) =>
      Effect.provideService(makeSandbox, PlaceholderGuard, ProcessReaperModule.placeholderGuardOf(reaper))),
    test: SandboxModule.layerUnavailable
  })
  .add({
    // Before the store: its sessions' cgroups are gone before the server's root is removed.
    key: "resourceLimits",
    tag: ResourceLimits,
    module: { name: "ResourceLimits", path: "limits/ResourceLimits" },
    node: Effect.flatMap(ServerConfig, (config) => NodeResourceLimits.make(config.operatorLimits ?? NO_OPERATOR_LIMITS, config.sessionCgroups ?? true)),
    test: ResourceLimitsModule.layerUnavailable
  })
  .add({
    key: "spawner",
    tag: Spawner,
    module: { path: "process/ChildProcess", atRoot: true },
    // The holders' spawner is loaded only when processes are kept.
    node: Effect.flatMap(ServerConfig, (config) => {
      const kept = config.keptProcesses
      return kept === undefined
        ? Effect.sync(NodeSpawner.make)
        : Effect.map(
          Effect.promise(() => import("../process/HeldSpawner.js")),
          (HeldSpawner) => HeldSpawner.make({ ...kept, killGraceMs: config.graceMs })
        )
    }),
    test: "given"
  })
  .add({
    key: "outputBuffers",
    tag: OutputBuffers,
    module: { name: "OutputBuffers", path: "process/OutputBuffers" },
    node: Effect.succeed(OutputBuffersModule.memory),
    test: "node"
  })
  .add({
    key: "sessionStore",
    tag: SessionStore,
    module: { name: "SessionStore", path: "server/SessionStore" },
    node: SessionStoreModule.make,
    test: "node"
  })
  .add({
    key: "sandboxedFs",
    tag: SandboxedFs,
    module: { name: "SandboxedFs", path: "fs/SandboxedFs" },
    node: SandboxedFsModule.make,
    test: SandboxedFsModule.layerUnavailable
  })
  .add({
    key: "fileSystem",
    tag: FileSystem.FileSystem,
    module: { package: "effect/FileSystem" },
    node: Effect.map(Layer.build(NodeFileSystem.layer), (built) => Context.get(built, FileSystem.FileSystem)),
    test: FileSystem.layerNoop({})
  })
  .add({
    key: "httpRequests",
    tag: HttpRequests,
    module: { name: "HttpRequests", path: "http/HttpRequests" },
    node: HttpRequestsModule.makeNode,
    test: HttpRequestsModule.layerUnavailable
  })

/** Every service of the declaration, and the config. */
export type Services = typeof serverServices extends ServiceDeclaration<infer S, infer _> ? S : never

/** What `TestServer.layer` may be given instead of a test server's own (the spawner it must). */
export type TestOverrides = typeof serverServices extends ServiceDeclaration<infer _, infer O> ? O : never
