/**
 * Errors have one shape on both ends: each tagged error goes on the wire as
 * `{code, message, data?}` and comes back, on the client, as the same
 * tagged error (so `catchTag("ExecServer/PathNotFound")` works there).
 */
import { describe, expect, it } from "@effect/vitest"
import * as HttpApiError from "effect/http-api/HttpApiError"
import { Effect, Layer, Schema } from "effect"
import { ExecServerClient, PromiseClient } from "../../src/client/index.js"
import {
  fromWireError,
  InternalError,
  InvalidParams,
  InvalidRequest,
  MethodNotFound,
  PathNotFound,
  SandboxDenied,
  SandboxUnavailable,
  ServerBusy,
  SpawnNotFound,
  toWireError,
  WireErrorSchema,
  withSpawnKind
} from "../../src/protocol/errors.js"
import * as InProcessClient from "../../src/testing/InProcessClient.js"
import * as TestServer from "../../src/testing/TestServer.js"
import * as TestSpawner from "../../src/testing/TestSpawner.js"

describe("wire errors", () => {
  it("round-trip every tagged error through its wire form", () => {
    const errors = [
      new InvalidRequest({ message: "a" }),
      new InvalidRequest({ message: "a2", reason: "unknownProcess" }),
      new InvalidParams({ message: "b" }),
      new MethodNotFound({ message: "c" }),
      new PathNotFound({ message: "d" }),
      new InternalError({ message: "e", errno: "EIO" }),
      new InternalError({ message: "f" }),
      new SandboxDenied({ message: "g", errno: "EROFS" }),
      new SandboxUnavailable({ message: "h" }),
      new ServerBusy({ message: "i" }),
      new ServerBusy({ message: "j", limit: "liveProcesses" }),
      new SpawnNotFound({ message: "k", missing: "cwd", path: "/gone" }),
      new SpawnNotFound({ message: "l", missing: "program", path: "nope" }),
      new SpawnNotFound({ message: "m", missing: "program", path: "nope", kind: "spawnFailed" }),
      new InternalError({ message: "n", errno: "EACCES", kind: "spawnPermissionDenied" }),
      new InternalError({ message: "o", kind: "spawnFailed" }),
      new InternalError({ message: "p", errno: "ENOTDIR", kind: "sandboxPreparation" })
    ]
    for (const error of errors) {
      const wire = Schema.decodeUnknownSync(WireErrorSchema)(JSON.parse(JSON.stringify(toWireError(error))))
      expect(fromWireError(wire)).toEqual(error)
    }
    expect(fromWireError({ code: -31999, message: "other" })).toBeUndefined()
  })

  it("say which refusal a -32600 is in data.reason, and keep a reason they do not know out of the typed error", () => {
    expect(toWireError(new InvalidRequest({ message: "m", reason: "unknownSession" })))
      .toEqual({ code: -32600, message: "m", data: { reason: "unknownSession" } })
    expect(toWireError(new InvalidRequest({ message: "m" }))).toEqual({ code: -32600, message: "m" })
    // A newer server's reason, or the reference's data: the error is still an InvalidRequest.
    expect(fromWireError({ code: -32600, message: "m", data: { reason: "somethingNew" } }))
      .toEqual(new InvalidRequest({ message: "m" }))
  })

  it("have qualified tags of their own: ExecServer/<name>, none one of effect/http-api's HttpApiError tags", () => {
    expect(new PathNotFound({ message: "m" })._tag).toBe("ExecServer/PathNotFound")
    const platformTags = Object.values(HttpApiError).flatMap((value) => {
      if (typeof value !== "function") return []
      try {
        const tag = (new (value as new(args: object) => { readonly _tag?: unknown })({}))._tag
        return typeof tag === "string" ? [tag] : []
      } catch {
        return []
      }
    })
    expect(platformTags).toEqual(expect.arrayContaining(["NotFound", "Unauthorized", "Forbidden", "BadRequest"]))
    for (const tag of platformTags) {
      const error = Object.assign(new Error(tag), { _tag: tag })
      expect(PromiseClient.isClientError(error), tag).toBe(false)
    }
  })

  it("keep the reference's -32603 for a missing cwd or program, with what is missing in data", () => {
    const wire = toWireError(new SpawnNotFound({ message: "cwd /gone does not exist", missing: "cwd", path: "/gone" }))
    expect(wire).toEqual({
      code: -32603,
      message: "cwd /gone does not exist",
      data: { errno: "ENOENT", missing: "cwd", path: "/gone", kind: "spawnNotFound" }
    })
    // An ENOENT without `missing` (a script's missing interpreter) stays an InternalError.
    expect(fromWireError({ code: -32603, message: "m", data: { errno: "ENOENT" } })).toEqual(
      new InternalError({ message: "m", errno: "ENOENT" })
    )
  })

  it("name a failed start's kind in data.kind, from the error itself or the errno of its spawn", () => {
    expect(toWireError(new SandboxUnavailable({ message: "m" })))
      .toEqual({ code: -32603, message: "m", data: { sandbox: "unavailable", kind: "sandboxUnavailable" } })
    expect(toWireError(new InternalError({ message: "m", errno: "EACCES", kind: "spawnPermissionDenied" })))
      .toEqual({ code: -32603, message: "m", data: { errno: "EACCES", kind: "spawnPermissionDenied" } })
    // Without a kind, as other methods' -32603 go: only the errno.
    expect(toWireError(new InternalError({ message: "m", errno: "EIO" }))).toEqual({ code: -32603, message: "m", data: { errno: "EIO" } })
    const spawnKind = withSpawnKind("spawnFailed")
    expect(spawnKind(new InternalError({ message: "m", errno: "EACCES" })).kind).toBe("spawnPermissionDenied")
    expect(spawnKind(new InternalError({ message: "m", errno: "EPERM" })).kind).toBe("spawnPermissionDenied")
    expect(spawnKind(new InternalError({ message: "m", errno: "ENOENT" })).kind).toBe("spawnNotFound")
    expect(spawnKind(new InternalError({ message: "m", errno: "E2BIG" })).kind).toBe("spawnFailed")
    expect(spawnKind(new InternalError({ message: "m" })).kind).toBe("spawnFailed")
    expect(withSpawnKind("sandboxPreparation")(new InternalError({ message: "m", errno: "EACCES" })).kind).toBe("sandboxPreparation")
    // A kind already given is kept; the other errors pass as they are.
    expect(spawnKind(new InternalError({ message: "m", errno: "EACCES", kind: "sandboxPreparation" })).kind).toBe("sandboxPreparation")
    const notFound = new SpawnNotFound({ message: "m", missing: "cwd", path: "/gone" })
    expect(spawnKind(notFound)).toBe(notFound)
  })

  it.effect("reach the client as the tagged errors", () =>
    Effect.gen(function*() {
      const client = yield* ExecServerClient.ExecServerClient
      const missing = yield* client.call("process/read", { processId: "nope" }).pipe(Effect.flip)
      expect(missing._tag).toBe("ExecServer/InvalidRequest")
      expect(missing._tag === "ExecServer/InvalidRequest" && missing.reason).toBe("unknownProcess")
      const recovered = yield* client.call("process/read", { processId: "nope" }).pipe(
        Effect.as("read"),
        Effect.catchTag("ExecServer/InvalidRequest", (error) => Effect.succeed(`refused: ${error.message}`))
      )
      expect(recovered).toBe("refused: unknown process id nope")
    }).pipe(
      Effect.provide(
        Layer.unwrap(Effect.map(TestSpawner.make({}), (spawner) =>
          InProcessClient.layer().pipe(Layer.provide(TestServer.layer({ spawner: spawner.layer })))))
      )
    ))
})
