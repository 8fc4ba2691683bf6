/** How a child's events reach its owner: held until it listens, then synchronously and in order. */
import { describe, expect, it } from "@effect/vitest"
import { type ChildEvent, ChildEvents } from "../../src/process/ChildProcess.js"

const output = (text: string): ChildEvent => ({ _tag: "Output", stream: "stdout", bytes: new TextEncoder().encode(text) })
const describeEvent = (event: ChildEvent) =>
  event._tag === "Output" ? new TextDecoder().decode(event.bytes) : event._tag

describe("ChildEvents", () => {
  it("holds events until the owner listens, then hands over each as it happens", () => {
    const events = new ChildEvents()
    const seen: Array<string> = []
    events.emit(output("a"))
    events.emit(output("b"))
    expect(seen).toEqual([])
    events.listen((event) => seen.push(describeEvent(event)))
    expect(seen).toEqual(["a", "b"])
    events.emit(output("c"))
    expect(seen).toEqual(["a", "b", "c"])
  })

  it("keeps the order when the sink itself causes an event", () => {
    const events = new ChildEvents()
    const seen: Array<string> = []
    events.listen((event) => {
      seen.push(`start ${describeEvent(event)}`)
      // As a sink that pauses a stream which then reports what it had buffered.
      if (describeEvent(event) === "a") events.emit(output("b"))
      seen.push(`end ${describeEvent(event)}`)
    })
    events.emit(output("a"))
    events.emit(output("c"))
    expect(seen).toEqual(["start a", "end a", "start b", "end b", "start c", "end c"])
  })

  it("hands over nothing after Closed, nor after it is closed", () => {
    const finished = new ChildEvents()
    const seen: Array<string> = []
    finished.listen((event) => seen.push(describeEvent(event)))
    finished.emit({ _tag: "Exited", exitCode: 0, signal: null })
    finished.emit({ _tag: "Closed" })
    finished.emit(output("late"))
    expect(seen).toEqual(["Exited", "Closed"])

    const released = new ChildEvents()
    const none: Array<string> = []
    released.listen((event) => none.push(describeEvent(event)))
    released.close()
    released.emit(output("after release"))
    expect(none).toEqual([])
  })

  it("keeps a copy of output it holds: the spawner may reuse its read buffer once emit returns", () => {
    const events = new ChildEvents()
    const readBuffer = new TextEncoder().encode("first")
    events.emit({ _tag: "Output", stream: "stdout", bytes: readBuffer })
    readBuffer.set(new TextEncoder().encode("XXXXX"))
    const seen: Array<string> = []
    events.listen((event) => seen.push(describeEvent(event)))
    expect(seen).toEqual(["first"])
  })

  it("has one listener", () => {
    const events = new ChildEvents()
    events.listen(() => {})
    expect(() => events.listen(() => {})).toThrow()
  })
})
