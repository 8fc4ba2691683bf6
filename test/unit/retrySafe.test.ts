/**
 * Retry safety comes from the Rpcs' `RetrySafe` annotations, and from
 * nowhere else: the list here is derived from them (a new method needs its
 * annotation, never an edit of this test).
 */
import * as Context from "effect/Context"
import * as Option from "effect/Option"
import { describe, expect, it } from "vitest"
import * as Schema from "effect/Schema"
import { Rpc, RpcGroup } from "effect/rpc"
import { ClientRpcs, MethodTable } from "../../src/client/methods.js"
import { ExecServerRpcs, RequestOrdering, RetrySafe } from "../../src/protocol/rpcs.js"

const annotated = (rpcs: Iterable<{ readonly _tag: string; readonly annotations: Context.Context<never> }>) =>
  [...rpcs].filter((rpc) => Context.get(rpc.annotations, RetrySafe)).map((rpc) => rpc._tag).sort()

describe("retry safety", () => {
  it("the client re-sends exactly the requests annotated RetrySafe", () => {
    const protocol = annotated(ExecServerRpcs.requests.values())
    expect(protocol.length).toBeGreaterThan(0)
    const table = new MethodTable(undefined)
    const methods = [...ClientRpcs.requests.keys()]
    expect(methods.filter((method) => table.retrySafe(method)).sort()).toEqual(annotated(ClientRpcs.requests.values()))
    // Every annotated request of the protocol is one the client can send.
    expect(protocol.filter((tag) => !table.retrySafe(tag))).toEqual([])
  })

  it("an application's own request is retry-safe by its own annotation", () => {
    const OwnRpcs = RpcGroup.make(
      Rpc.make("app/read", { payload: Schema.Struct({}) }).annotate(RetrySafe, true),
      Rpc.make("app/write", { payload: Schema.Struct({}) })
    )
    const table = new MethodTable(OwnRpcs)
    expect(table.retrySafe("app/read")).toBe(true)
    expect(table.retrySafe("app/write")).toBe(false)
    expect(table.retrySafe("app/unknown")).toBe(false)
  })

  it("no request that runs alone (the handshake) is retry-safe", () => {
    const alone = [...ExecServerRpcs.requests.values()]
      .filter((rpc) => Option.exists(Context.getOption(rpc.annotations, RequestOrdering), (rule) => rule._tag === "Alone"))
    expect(alone.length).toBeGreaterThan(0)
    expect(annotated(alone)).toEqual([])
  })
})
