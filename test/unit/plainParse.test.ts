/**
 * The plain parse (src/wire/plainParse.ts) against Schema's own, over every
 * schema of the protocol, both ways each is used: whatever it accepts,
 * Schema accepts, with the same value, the same keys in the same order (the
 * wire's JSON follows them) and the same classes. Inputs are valid values
 * made from each schema (`Arbitrary`), the same values with one field
 * replaced, removed or added, and anything at all. On Effect 4 the plain
 * parse is Schema's synchronous parse, with the JIT decoders the codecs
 * enable for the protocol's schemas (each rpc's codec is made first here).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import type * as Rpc from "effect/rpc/Rpc"
import type * as RpcGroup from "effect/rpc/RpcGroup"
import * as Schema from "effect/Schema"
import fc from "fast-check"
import * as Rpcs from "../../src/protocol/rpcs.js"
import { Invalid, plainParseOf } from "../../src/wire/plainParse.js"
import { codecOf } from "../../src/wire/RpcCodecs.js"

const groups: ReadonlyArray<RpcGroup.RpcGroup<Rpc.Any>> = [
  Rpcs.HandshakeRpcs,
  Rpcs.ProcessRpcs,
  Rpcs.FsRpcs,
  Rpcs.HttpRpcs,
  Rpcs.EnvironmentConfigRpcs,
  Rpcs.CapabilityRpcs,
  Rpcs.ClientNotificationRpcs,
  Rpcs.ServerNotificationRpcs,
  Rpcs.ServerRequestRpcs
] as never

const rpcs = groups.flatMap((group) => [...group.requests.values()] as unknown as Array<Rpc.AnyWithProps>)

/** The same value: equal, of the same classes, with its keys in the same order at every level. */
const expectSame = (actual: unknown, expected: unknown, path = "$"): void => {
  if (typeof expected !== "object" || expected === null || expected instanceof Uint8Array) {
    expect(actual, path).toStrictEqual(expected)
    return
  }
  expect(Object.getPrototypeOf(actual), path).toBe(Object.getPrototypeOf(expected))
  expect(Object.keys(actual as object), path).toStrictEqual(Object.keys(expected))
  for (const key of Object.keys(expected)) {
    expectSame((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key], `${path}.${key}`)
  }
}

/** `value` with the field at one path (chosen by `pick`) replaced by `replacement`, removed, or joined by an unknown one. */
const mutate = (value: unknown, pick: number, replacement: unknown, how: "replace" | "remove" | "add"): unknown => {
  const containers: Array<Record<string, unknown> | Array<unknown>> = []
  const walk = (node: unknown) => {
    if (typeof node !== "object" || node === null || node instanceof Uint8Array) return
    containers.push(node as Record<string, unknown>)
    for (const child of Object.values(node)) walk(child)
  }
  const copy = structuredClone(value)
  walk(copy)
  if (containers.length === 0) return replacement
  const container = containers[pick % containers.length]! as Record<string, unknown>
  const keys = Object.keys(container)
  if (how === "add" || keys.length === 0) {
    container[Array.isArray(container) ? String(keys.length) : "unexpectedField"] = replacement
    return copy
  }
  const key = keys[pick % keys.length]!
  if (how === "remove" && !Array.isArray(container)) delete container[key]
  else container[key] = replacement
  return copy
}

interface Direction {
  readonly name: string
  readonly schema: Schema.Codec<unknown, unknown>
  readonly isDecoding: boolean
  readonly options?: { readonly errors: "all" }
}

const directions = (rpc: Rpc.AnyWithProps): Array<Direction> => {
  const payload = rpc.payloadSchema as Schema.Codec<unknown, unknown>
  const success = rpc.successSchema as Schema.Codec<unknown, unknown>
  return [
    { name: `${rpc._tag} params, decoded`, schema: payload, isDecoding: true, options: { errors: "all" } },
    { name: `${rpc._tag} params, encoded`, schema: payload, isDecoding: false },
    { name: `${rpc._tag} result, decoded`, schema: success, isDecoding: true },
    { name: `${rpc._tag} result, encoded`, schema: success, isDecoding: false }
  ]
}

describe("the plain parse of the protocol's schemas", () => {
  it("takes on every params and result schema of the protocol", () => {
    // The schemas it leaves to Schema alone; a change that adds one is a cost to see.
    const without = rpcs.flatMap((rpc) => directions(rpc)).filter((direction) =>
      plainParseOf(direction.schema.ast, direction.isDecoding, direction.options) === undefined
    ).map((direction) => direction.name)
    expect(without).toStrictEqual([])
  })

  for (const rpc of rpcs) {
    for (const direction of directions(rpc)) {
      it(`${direction.name}: what it accepts, Schema accepts as the same value`, () => {
        codecOf(rpc)
        const plain = plainParseOf(direction.schema.ast, direction.isDecoding, direction.options)!
        const schemaParse = direction.isDecoding
          ? Schema.decodeUnknownResult(direction.schema, direction.options)
          : Schema.encodeUnknownResult(direction.schema)
        // What Schema throws on (a union's tag read with `String()`: `{"toString": 0}`) is a refusal, as the codecs count it.
        const full = (input: unknown): Result.Result<unknown, unknown> => {
          try {
            return schemaParse(input)
          } catch (error) {
            return Result.fail(error)
          }
        }
        // Valid inputs of this direction: a value of the type, encoded when
        // decoding (Effect 4's Arbitrary is its own, not fast-check's: its
        // samples are fast-check's constants).
        const samples = Effect.runSync(Arbitrary.sampleEffect(Arbitrary.schema(direction.schema), { count: 60 }))
        // Those the schema encodes: Effect 4's Arbitrary makes a type's
        // values without the checks of its encoded side (base64 text).
        const encode = Schema.encodeUnknownResult(direction.schema)
        const encodable = samples.flatMap((value) => {
          const encoded = encode(value)
          return Result.isSuccess(encoded) ? [direction.isDecoding ? encoded.success : value] : []
        })
        expect(encodable.length, "no sample the schema encodes").toBeGreaterThan(0)
        const valid = fc.constantFrom(...encodable)
        const check = (input: unknown) => {
          // The plain parse hands a schema's own transformations to Schema, which may throw the same way.
          // Each parse is given a copy of its own: Effect 4's parse gives back
          // an input it did not need to change (a struct of no fields) as it is.
          const expected = full(structuredClone(input))
          let actual: unknown
          try {
            actual = plain(structuredClone(input))
          } catch {
            actual = Invalid
          }
          // What Schema accepts, it takes on too (else Schema's parse would run twice).
          if (actual === Invalid) {
            expect(Result.isFailure(expected), "an input Schema accepts was not taken on").toBe(true)
            return
          }
          expect(Result.isSuccess(expected), "accepted what Schema refuses").toBe(true)
          expectSame(actual, Result.getOrThrow(expected))
        }
        fc.assert(fc.property(valid, (input) => check(input)), { numRuns: 60 })
        fc.assert(
          fc.property(
            valid,
            fc.nat(),
            fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined), fc.constant(null)),
            fc.constantFrom("replace" as const, "remove" as const, "add" as const),
            (input, pick, replacement, how) => check(mutate(input, pick, replacement, how))
          ),
          { numRuns: 120 }
        )
        fc.assert(fc.property(fc.anything({ maxDepth: 2 }), (input) => check(input)), { numRuns: 40 })
      })
    }
  }

  it("parses a union whose members could both take an input as Schema does (Schema's order of trying them decides)", () => {
    const overlapping = Schema.Union([
      Schema.Struct({ a: Schema.String }),
      Schema.Struct({ a: Schema.String, b: Schema.Number })
    ])
    // Effect 3's plain parse left such a union to Schema (undefined); on Effect 4 it is Schema's parse, for every schema.
    expect(plainParseOf(overlapping.ast, true)).toBeDefined()
    const inside = Schema.Struct({ value: overlapping, tag: Schema.Literals(["x", "y"]) })
    const input = { value: { a: "x", b: 1 }, tag: "y" }
    expectSame(plainParseOf(inside.ast, true)!(input), Schema.decodeUnknownSync(inside)(input))
    // Told apart by a literal field, the members of a tagged union are taken on.
    const tagged = Schema.Union([
      Schema.Struct({ type: Schema.Literal("a"), a: Schema.String }),
      Schema.Struct({ type: Schema.Literal("b"), a: Schema.String, b: Schema.Number })
    ])
    expect(plainParseOf(tagged.ast, true)).toBeDefined()
  })

  it("reports through Schema what it does not accept (the codec's errors are Schema's)", () => {
    const terminate = rpcs.find((rpc) => rpc._tag === "process/terminate")!
    const decoded = codecOf(terminate).decodePayload({ processId: "", mode: "now" })
    expect(Result.isFailure(decoded)).toBe(true)
    // The codec's options: every error, and the input in each (for the "actual" of -32602 texts).
    const expected = Schema.decodeUnknownResult(terminate.payloadSchema as Schema.Codec<unknown, unknown>, { errors: "all", reportInput: true })({
      processId: "",
      mode: "now"
    })
    expect(Result.isFailure(expected) && Result.isFailure(decoded) && decoded.failure.message).toBe(Result.isFailure(expected) && expected.failure.message)
  })

  it("refuses what Schema throws on, as a parse error: a union's tag that is an object whose toString is no function", () => {
    const writeFile = rpcs.find((rpc) => rpc._tag === "fs/writeFile")!
    const hostile = JSON.parse(
      '{"path":"/tmp/x","dataBase64":"","sandbox":{"permissions":{"type":{"toString":0},"file_system":{"type":"unrestricted"},"network":"restricted"}}}'
    ) as unknown
    const decoded = codecOf(writeFile).decodePayload(hostile)
    // Effect 4's parse error is Schema's SchemaError (v3: ParseError). And
    // Effect 4's Schema reads such a tag without throwing: the refusal is its
    // own issue at the union, not the codecs' "unreadable value (Cannot
    // convert object to primitive value)" (the -32602 text's wording changes).
    expect(Result.isFailure(decoded) && decoded.failure._tag).toBe("SchemaError")
    expect(Result.isFailure(decoded) && decoded.failure.message).toContain(`got {"type":{"toString":0},"file_system":{"type":"unrestricted"},"network":"restricted"}\n  at ["sandbox"]["permissions"]`)
  })

  it("gives a params struct back with only its known fields, nulls of optional ones dropped, defaults filled", () => {
    const terminate = rpcs.find((rpc) => rpc._tag === "process/terminate")!
    const decoded = codecOf(terminate).decodePayload({ processId: "p", graceMs: null, extra: 1 })
    expect(Result.getOrThrow(decoded)).toStrictEqual({ processId: "p", mode: "graceful" })
  })
})
