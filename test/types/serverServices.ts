/**
 * Compiled by `npm run typecheck`, never run: what the declaration of the
 * server's services (src/server/serverServices.ts) derives, and what it
 * refuses (each `@ts-expect-error` fails the typecheck when its line
 * compiles).
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import { expectTypeOf } from "vitest"
import type { SandboxedFs } from "../../src/fs/SandboxedFs.js"
import type { HttpRequests } from "../../src/http/HttpRequests.js"
import type { Spawner } from "../../src/process/ChildProcess.js"
import type { OutputBuffers } from "../../src/process/OutputBuffers.js"
import type { ProcessReaper } from "../../src/process/ProcessReaper.js"
import * as ProcessReaperModule from "../../src/process/ProcessReaper.js"
import type { Sandbox } from "../../src/sandbox/Sandbox.js"
import * as SandboxModule from "../../src/sandbox/Sandbox.js"
import * as ExecServer from "../../src/server/ExecServer.js"
import { ServerConfig } from "../../src/server/ServerConfig.js"
import { serverServices, ServiceDeclaration } from "../../src/server/serverServices.js"
import type { SessionStore } from "../../src/server/SessionStore.js"
import * as TestServer from "../../src/testing/TestServer.js"

/** The services every server has had: a service declared later adds to them. */
type Every =
  | ServerConfig
  | SessionStore
  | Spawner
  | OutputBuffers
  | FileSystem.FileSystem
  | Sandbox
  | SandboxedFs
  | ProcessReaper
  | HttpRequests

// Each declared service is in ServerServices, and the Node and test layers make them all.
expectTypeOf<Every>().toExtend<ExecServer.ServerServices>()
expectTypeOf(ExecServer.layerNodeServices).toEqualTypeOf<
  Layer.Layer<Exclude<ExecServer.ServerServices, ServerConfig>, never, ServerConfig>
>()
expectTypeOf(TestServer.layer).returns.toEqualTypeOf<Layer.Layer<ExecServer.ServerServices>>()

class First extends Context.Service<First, { readonly one: number }>()("test/First") {}
class Second extends Context.Service<Second, { readonly two: number }>()("test/Second") {}

const second = {
  key: "second",
  tag: Second,
  module: { package: "test" },
  node: Effect.map(First, (first) => ({ two: first.one + 1 })),
  test: "node"
} as const

export const inOrder = new ServiceDeclaration<ServerConfig, unknown>([])
  .add({ key: "first", tag: First, module: { package: "test" }, node: Effect.succeed({ one: 1 }), test: "given" })
  .add(second)

// @ts-expect-error a service made from one declared after it
export const outOfOrder = new ServiceDeclaration<ServerConfig, unknown>([]).add(second)

export const twice = new ServiceDeclaration<ServerConfig, unknown>([])
  .add({ key: "first", tag: First, module: { package: "test" }, node: Effect.succeed({ one: 1 }), test: "given" })
  // @ts-expect-error a key declared before
  .add({ ...second, key: "first" })

// @ts-expect-error an inert layer of another service
export const wrongInert = serverServices.add({ ...second, key: "third", test: Layer.succeed(First, { one: 1 }) })

// A test server is given its spawner, and may be given any other service by its key.
declare const spawner: Layer.Layer<Spawner>
export const given = TestServer.layer({ spawner, sandbox: SandboxModule.layerUnavailable, processReaper: ProcessReaperModule.layerNone, config: { graceMs: 10 } })
expectTypeOf<"config" | "spawner" | "fileSystem" | "sandbox" | "httpRequests">().toExtend<keyof TestServer.Options>()
// @ts-expect-error no spawner
export const noSpawner = TestServer.layer({ config: { graceMs: 10 } })
// @ts-expect-error a key no service has
export const unknownKey = TestServer.layer({ spawner, reaper: ProcessReaperModule.layerNone })
