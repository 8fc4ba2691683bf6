/**
 * Retry safety comes from the Rpcs' `RetrySafe` annotations, and from
 * nowhere else: the list here is derived from them (a new method needs its
 * annotation, never an edit of this test).
 */
import * as Context from "effect/Context"
import * as Option from "effect/Option"
import { describe, expect, it } from "vitest"
import { ClientRpcs, retrySafe } from "../../src/client/methods.js"
import { ExecServerRpcs, RequestOrdering, RetrySafe } from "../../src/protocol/rpcs.js"

const annotated = (rpcs: Iterable<{ readonly _tag: string; readonly annotations: Context.Context<never> }>) =>
  [...rpcs].filter((rpc) => Context.get(rpc.annotations, RetrySafe)).map((rpc) => rpc._tag).sort()

describe("retry safety", () => {
  it("the client re-sends exactly the requests annotated RetrySafe", () => {
    const protocol = annotated(ExecServerRpcs.requests.values())
    expect(protocol.length).toBeGreaterThan(0)
    expect([...retrySafe].sort()).toEqual(annotated(ClientRpcs.requests.values()))
    // Every annotated request of the protocol is one the client can send.
    expect(protocol.filter((tag) => !retrySafe.has(tag))).toEqual([])
  })

  it("no request that runs alone (the handshake) is retry-safe", () => {
    const alone = [...ExecServerRpcs.requests.values()]
      .filter((rpc) => Option.exists(Context.getOption(rpc.annotations, RequestOrdering), (rule) => rule._tag === "Alone"))
    expect(alone.length).toBeGreaterThan(0)
    expect(annotated(alone)).toEqual([])
  })
})
