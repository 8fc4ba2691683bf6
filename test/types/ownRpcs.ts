/**
 * Compiled by `npm run typecheck`, never run: an application's own group
 * (test/support/mathRpcs.ts) types both clients' `call` as it types the
 * server's handlers. A wrong method name or wrong params must not compile
 * (each `@ts-expect-error` fails the typecheck when its line compiles), and
 * the results and declared failures are the group's types.
 */
import { Effect, Layer } from "effect"
import { expectTypeOf } from "vitest"
import { ExecServerClient, PromiseClient } from "../../src/client/index.js"
import type { ClientError, EnvironmentInfo, ExecServerError } from "../../src/client/index.js"
import * as ServerConfig from "../../src/server/ServerConfig.js"
import { type DivisionByZero, MathRpcs, type TooLarge } from "../support/mathRpcs.js"

declare const connector: ExecServerClient.Connector

export const effectClient = Effect.gen(function*() {
  const client = yield* ExecServerClient.make(connector, { rpcs: MathRpcs })
  const added = client.call("math/add", { a: 2, b: 3 })
  expectTypeOf(added).toEqualTypeOf<Effect.Effect<{ readonly sum: number }, ClientError | TooLarge | ExecServerError>>()
  const divided = client.call("math/divide", { a: 1, b: 0 })
  expectTypeOf(divided).toEqualTypeOf<Effect.Effect<{ readonly quotient: number }, ClientError | DivisionByZero>>()
  // The protocol's methods keep their types beside the group's.
  const environment: Effect.Effect<EnvironmentInfo, ClientError> = client.call("environment/info", {})
  expectTypeOf(environment).not.toBeAny()
  // A declared failure is caught by its tag.
  const quotient = yield* divided.pipe(Effect.catchTag("math/DivisionByZero", (error) => Effect.succeed({ quotient: error.dividend } as const)))
  expectTypeOf(quotient).toEqualTypeOf<{ readonly quotient: number }>()

  // @ts-expect-error a method neither the protocol nor the group has
  client.call("math/subtract", { a: 2, b: 3 })
  // @ts-expect-error params of the wrong type
  client.call("math/add", { a: "2", b: 3 })
  // @ts-expect-error a param missing
  client.call("math/add", { a: 2 })
  // @ts-expect-error another method's params
  client.call("math/divide", { sum: 1 })
})

export const withoutRpcs = Effect.gen(function*() {
  const client = yield* ExecServerClient.make(connector)
  // @ts-expect-error a client not given the group does not know its methods
  client.call("math/add", { a: 2, b: 3 })
})

export const promiseClient = async () => {
  await using client = await PromiseClient.connect("ws://127.0.0.1:8765", { rpcs: MathRpcs })
  const { sum } = await client.call("math/add", { a: 2, b: 3 })
  expectTypeOf(sum).toEqualTypeOf<number>()
  expectTypeOf(client.call("math/divide", { a: 1, b: 2 })).toEqualTypeOf<Promise<{ readonly quotient: number }>>()
  // @ts-expect-error a method neither the protocol nor the group has
  await client.call("math/subtract", { a: 2, b: 3 })
  // @ts-expect-error params of the wrong type
  await client.call("math/add", { a: 2, b: "3" })

  await using plain = await PromiseClient.connect("ws://127.0.0.1:8765")
  // @ts-expect-error a client not given the group does not know its methods
  await plain.call("math/add", { a: 2, b: 3 })
}

/** The service of an application's own tag, typed by its group. */
export type MathClient = ExecServerClient.WithRpcs<typeof MathRpcs>
export const asService = (client: MathClient) => expectTypeOf(client.call("math/add", { a: 1, b: 1 })).toEqualTypeOf<Effect.Effect<{ readonly sum: number }, ClientError | TooLarge | ExecServerError>>()

/** The server's settings at their defaults, without an empty overrides object. */
export const config: Layer.Layer<ServerConfig.ServerConfig> = ServerConfig.layerDefaults
