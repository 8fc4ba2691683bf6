/** Per-key request ordering of a connection (plain callbacks, no fibers). */
import { describe, expect, it } from "@effect/vitest"
import { Lanes } from "../../src/jsonrpc/Lanes.js"

describe("Lanes", () => {
  // Each request records when it starts; holders finish when the test says so.
  const harness = () => {
    const lanes = new Lanes()
    const started: Array<string> = []
    const finish = new Map<string, () => void>()
    const enter = (key: string, name: string, holds: boolean, finishAtOnce = false) =>
      lanes.enter(key, holds, (done) => {
        started.push(name)
        if (finishAtOnce) done()
        else finish.set(name, done)
      })
    return { lanes, started, finish, enter }
  }

  it("runs a lane's holders one after the other, in arrival order", () => {
    const { enter, finish, lanes, started } = harness()
    enter("p", "a", true)
    enter("p", "b", true)
    enter("q", "x", true)
    expect(started).toEqual(["a", "x"])
    finish.get("a")!()
    expect(started).toEqual(["a", "x", "b"])
    finish.get("b")!()
    finish.get("x")!()
    expect(lanes.size).toBe(0)
  })

  it("starts a follower after the holders before it, without holding up later ones", () => {
    const { enter, finish, started } = harness()
    enter("p", "write", true)
    enter("p", "read", false)
    enter("p", "terminate", true)
    expect(started).toEqual(["write"])
    finish.get("write")!()
    // The read never calls done, yet the terminate behind it starts.
    expect(started).toEqual(["write", "read", "terminate"])
  })

  it("copes with requests that finish while they start", () => {
    const { enter, lanes, started } = harness()
    enter("p", "a", true, true)
    enter("p", "b", true, true)
    enter("p", "c", false)
    expect(started).toEqual(["a", "b", "c"])
    expect(lanes.size).toBe(0)
  })

  it("records a free lane only while its request runs past its start", () => {
    const { enter, finish, lanes, started } = harness()
    enter("p", "a", true, true)
    expect(lanes.size).toBe(0)
    enter("p", "b", true)
    expect(lanes.size).toBe(1)
    enter("p", "c", true)
    enter("p", "d", false)
    expect(started).toEqual(["a", "b"])
    finish.get("b")!()
    expect(started).toEqual(["a", "b", "c"])
    finish.get("c")!()
    expect(started).toEqual(["a", "b", "c", "d"])
    expect(lanes.size).toBe(0)
    enter("p", "e", true)
    expect(started.at(-1)).toBe("e")
  })

  it("ignores a second done of the same request", () => {
    const { enter, finish, started } = harness()
    enter("p", "a", true)
    enter("p", "b", true)
    enter("p", "c", true)
    finish.get("a")!()
    finish.get("a")!()
    expect(started).toEqual(["a", "b"])
  })
})
