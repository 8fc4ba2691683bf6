/**
 * HeldReplay: an adopted process's events cut again as the gone server's seq
 * index says, whatever the holder's frames, so that the actor numbering on
 * from `firstSeq + 1` gives each event the seq its clients saw.
 */
import { describe, expect, it } from "vitest"
import type { HolderEvent, HolderExit } from "../../src/holder/Holder.js"
import type { IndexEntry } from "../../src/process/heldRecords.js"
import { HeldReplay, type ReplayedEvent } from "../../src/process/heldReplay.js"
import type { OutputStream } from "../../src/protocol/schema.js"

/** An event as the gone server numbered it. */
type OldEvent =
  | { readonly _tag: "Output"; readonly stream: OutputStream; readonly text: string }
  | { readonly _tag: "Exited" }
  | { readonly _tag: "Closed" }

/** An event as the actor numbers it: what a client sees. */
type Seen =
  | { readonly seq: number; readonly _tag: "Output"; readonly stream: OutputStream; readonly text: string; readonly end: number }
  | { readonly seq: number; readonly _tag: "Exited"; readonly end: number }
  | { readonly seq: number; readonly _tag: "Closed"; readonly end: number }

const out = (text: string, stream: OutputStream = "stdout"): OldEvent => ({ _tag: "Output", stream, text })
const EXITED: OldEvent = { _tag: "Exited" }
const CLOSED: OldEvent = { _tag: "Closed" }

/** The index the gone server wrote for `events`, numbered from 1 (ends in bytes: the texts are latin1). */
const indexOf = (events: ReadonlyArray<OldEvent>): Array<IndexEntry> => {
  let end = 0
  return events.map((event, index) => {
    if (event._tag === "Output") end += event.text.length
    return { kind: event._tag === "Output" ? "output" : event._tag === "Exited" ? "exited" : "closed", seq: index + 1, end }
  })
}

const frame = (position: number, text: string, stream: OutputStream = "stdout"): HolderEvent => ({
  _tag: "Output",
  position,
  stream,
  bytes: Buffer.from(text, "latin1")
})

const exitedAt = (end: number, code = 0): HolderExit => ({ _tag: "Exited", code, signal: null, complete: true, end })

const closedAt = (end: number): HolderEvent => ({ _tag: "Closed", end })

/** Feeds `replay` the holder's events one at a time, numbering what it hands on as the actor does. */
const actor = (replay: HeldReplay) => {
  const seen: Array<Seen> = []
  let seq = replay.firstSeq
  const number = (event: ReplayedEvent) => {
    seq++
    if (event._tag === "Output") {
      seen.push({ seq, _tag: "Output", stream: event.stream, text: Buffer.from(event.bytes).toString("latin1"), end: event.end })
    } else if (event._tag === "Exited") seen.push({ seq, _tag: "Exited", end: event.end })
    else seen.push({ seq, _tag: "Closed", end: event.end })
  }
  return {
    seen,
    /** Pushes `events`, and returns how many events each push handed on. */
    push: (...events: ReadonlyArray<HolderEvent>): Array<number> =>
      events.map((event) => {
        const before = seen.length
        replay.push(event, number)
        return seen.length - before
      })
  }
}

/** `seen` without the output positions: what a client sees. */
const asClientSees = (seen: ReadonlyArray<Seen>) =>
  seen.map((event) =>
    event._tag === "Output" ? { seq: event.seq, _tag: event._tag, stream: event.stream, text: event.text } : { seq: event.seq, _tag: event._tag }
  )

/** The gone server's events, numbered from 1, as a client saw them. */
const asNumbered = (events: ReadonlyArray<OldEvent>, from = 1) =>
  events.map((event, index) => ({ seq: from + index, ...event }))

const textOf = (seen: ReadonlyArray<Seen>) => seen.map((event) => event._tag === "Output" ? event.text : "").join("")

describe("replaying an adopted process's output as the index cut it", () => {
  it("replays an exit whose bytes before it the ring lost at its seq, once (the index kept from the exit on)", () => {
    // As compaction leaves it: the exit (seq 5, after 40 bytes), output after it, the close; the ring keeps from 45.
    const entries: Array<IndexEntry> = [
      { kind: "exited", seq: 5, end: 40 },
      { kind: "output", seq: 6, end: 50 },
      { kind: "output", seq: 7, end: 60 },
      { kind: "closed", seq: 8, end: 60 }
    ]
    const replay = new HeldReplay(entries, 45)
    expect(replay.firstSeq).toBe(4)
    const run = actor(replay)
    run.push({ _tag: "Lost", from: 0, to: 45 }, exitedAt(40, 3), frame(45, "fghij"), frame(50, "klmnopqrst"), closedAt(60))
    expect(asClientSees(run.seen)).toEqual([
      { seq: 5, _tag: "Exited" },
      { seq: 6, _tag: "Output", stream: "stdout", text: "fghij" },
      { seq: 7, _tag: "Output", stream: "stdout", text: "klmnopqrst" },
      { seq: 8, _tag: "Closed" }
    ])
  })

  it("cuts one holder frame spanning several indexed chunks into those chunks", () => {
    const old = [out("ab"), out("cde"), out("f")]
    const replay = new HeldReplay(indexOf(old), 0)
    expect(replay.firstSeq).toBe(0)
    expect(replay.lastIndexedSeq).toBe(3)
    const { push, seen } = actor(replay)
    expect(push(frame(0, "abcdef"))).toEqual([3])
    expect(asClientSees(seen)).toEqual(asNumbered(old))
    expect(seen.map((event) => event.end)).toEqual([2, 5, 6])
  })

  it("holds an indexed chunk spread over several frames until the last of them, then hands it on whole", () => {
    const old = [out("abcdefgh"), out("ij")]
    const { push, seen } = actor(new HeldReplay(indexOf(old), 0))
    expect(push(frame(0, "ab"), frame(2, "cde"), frame(5, "fghi"), frame(9, "j"))).toEqual([0, 0, 1, 1])
    expect(asClientSees(seen)).toEqual(asNumbered(old))
  })

  it("rebuilds the indexed chunks from frames of one byte each", () => {
    const old = [out("hello"), out(" "), out("world!"), out("x")]
    const { push, seen } = actor(new HeldReplay(indexOf(old), 0))
    const text = "hello world!x"
    const counts = push(...[...text].map((char, at) => frame(at, char)))
    // Each chunk goes out with its last byte, not before.
    expect(counts).toEqual([0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1])
    expect(asClientSees(seen)).toEqual(asNumbered(old))
    expect(textOf(seen)).toBe(text)
  })

  it("keeps each indexed chunk's stream: stdout and stderr chunks, whatever the frames", () => {
    const old = [out("o1", "stdout"), out("o2", "stdout"), out("e1e1", "stderr"), out("o3", "stdout"), out("e2", "stderr")]
    const { push, seen } = actor(new HeldReplay(indexOf(old), 0))
    // The holder's frames never cross a change of stream, but join the chunks of one stream and split others.
    push(frame(0, "o1o2", "stdout"), frame(4, "e1", "stderr"), frame(6, "e1", "stderr"), frame(8, "o3", "stdout"), frame(10, "e", "stderr"))
    expect(seen).toHaveLength(4)
    push(frame(11, "2", "stderr"))
    expect(asClientSees(seen)).toEqual(asNumbered(old))
  })

  it("keeps a terminal's stream", () => {
    const old = [out("$ ", "pty"), out("ls\r\n", "pty")]
    const { push, seen } = actor(new HeldReplay(indexOf(old), 0))
    push(frame(0, "$ ls\r\n", "pty"))
    expect(asClientSees(seen)).toEqual(asNumbered(old))
  })
})

describe("replaying an adopted process's exit and close", () => {
  // Output after the exit: a descendant kept writing.
  const old = [out("a"), out("b"), EXITED, out("c"), CLOSED]

  it("puts the indexed exit between the outputs it came between, the holder's Exited after the bytes before it", () => {
    const { push, seen } = actor(new HeldReplay(indexOf(old), 0))
    expect(push(frame(0, "ab"), exitedAt(2), frame(2, "c"), closedAt(3))).toEqual([2, 1, 1, 1])
    expect(asClientSees(seen)).toEqual(asNumbered(old))
    expect(seen.map((event) => event.end)).toEqual([1, 2, 2, 3, 3])
  })

  it("holds the holder's Exited that comes before the bytes before it until those are handed on", () => {
    const { push, seen } = actor(new HeldReplay(indexOf(old), 0))
    expect(push(exitedAt(2), frame(0, "a"), frame(1, "bc"), closedAt(3))).toEqual([0, 1, 3, 1])
    expect(asClientSees(seen)).toEqual(asNumbered(old))
  })

  it("holds the output after the indexed exit until the holder's Exited comes, after all the bytes", () => {
    const { push, seen } = actor(new HeldReplay(indexOf(old), 0))
    expect(push(frame(0, "abc"), exitedAt(2), closedAt(3))).toEqual([2, 2, 1])
    expect(asClientSees(seen)).toEqual(asNumbered(old))
  })

  it("waits for the holder's Closed for an indexed close, which comes last", () => {
    const old = [out("xyz"), EXITED, CLOSED]
    const { push, seen } = actor(new HeldReplay(indexOf(old), 0))
    expect(push(frame(0, "x"), frame(1, "yz"), exitedAt(3), closedAt(3))).toEqual([0, 1, 1, 1])
    expect(asClientSees(seen)).toEqual(asNumbered(old))
  })
})

describe("passing on what comes after the index", () => {
  it("passes new output on as the holder frames it, then the exit and the close, numbered after the index", () => {
    const old = [out("ab")]
    const replay = new HeldReplay(indexOf(old), 0)
    const { push, seen } = actor(replay)
    push(frame(0, "abcd"), frame(4, "e", "stderr"), exitedAt(5, 3), closedAt(5))
    expect(asClientSees(seen)).toEqual([
      ...asNumbered(old),
      { seq: 2, _tag: "Output", stream: "stdout", text: "cd" },
      { seq: 3, _tag: "Output", stream: "stderr", text: "e" },
      { seq: 4, _tag: "Exited" },
      { seq: 5, _tag: "Closed" }
    ])
    expect(seen.map((event) => event.end)).toEqual([2, 4, 5, 5, 5])
  })

  it("hands the exit on after the bytes written before it and before those written after it, when it comes first", () => {
    const old = [out("ab")]
    const { push, seen } = actor(new HeldReplay(indexOf(old), 0))
    expect(push(exitedAt(4), frame(0, "abcdef"), closedAt(6))).toEqual([0, 4, 1])
    expect(asClientSees(seen)).toEqual([
      ...asNumbered(old),
      { seq: 2, _tag: "Output", stream: "stdout", text: "cd" },
      { seq: 3, _tag: "Exited" },
      { seq: 4, _tag: "Output", stream: "stdout", text: "ef" },
      { seq: 5, _tag: "Closed" }
    ])
    expect(seen[2]!.end).toBe(4)
  })

  it("hands on an exit whose bytes are all handed on at once, and the output after it as it comes", () => {
    const { push, seen } = actor(new HeldReplay(indexOf([out("ab")]), 0))
    expect(push(frame(0, "ab"), exitedAt(2), frame(2, "cd"), closedAt(4))).toEqual([1, 1, 1, 1])
    expect(seen.map((event) => event._tag)).toEqual(["Output", "Exited", "Output", "Closed"])
    expect(textOf(seen)).toBe("abcd")
  })

  it("hands on an exit the holder reports at the close, its bytes never all there, before the close", () => {
    const { push, seen } = actor(new HeldReplay([], 0))
    expect(push(exitedAt(10), frame(0, "abc"), closedAt(3))).toEqual([0, 1, 2])
    expect(asClientSees(seen)).toEqual([
      { seq: 1, _tag: "Output", stream: "stdout", text: "abc" },
      { seq: 2, _tag: "Exited" },
      { seq: 3, _tag: "Closed" }
    ])
  })
})

describe("replaying what the holder's ring still has", () => {
  const old = [out("aaaa"), out("bbbb"), out("cccc"), EXITED, CLOSED]

  it("skips the indexed chunks the ring lost entirely: the actor numbers on after them", () => {
    const replay = new HeldReplay(indexOf(old), 8)
    expect(replay.firstSeq).toBe(2)
    expect(replay.lastIndexedSeq).toBe(5)
    const { push, seen } = actor(replay)
    expect(push({ _tag: "Lost", from: 0, to: 8 }, frame(8, "cc"), frame(10, "cc"), exitedAt(12), closedAt(12))).toEqual([0, 0, 1, 1, 1])
    expect(asClientSees(seen)).toEqual(asNumbered(old).slice(2))
  })

  it("replays a chunk the ring lost part of with the bytes it still has", () => {
    const replay = new HeldReplay(indexOf(old), 6)
    expect(replay.firstSeq).toBe(1)
    const { push, seen } = actor(replay)
    push({ _tag: "Lost", from: 0, to: 6 }, frame(6, "bbcccc"), exitedAt(12), closedAt(12))
    expect(asClientSees(seen)).toEqual([{ seq: 2, _tag: "Output", stream: "stdout", text: "bb" }, ...asNumbered(old).slice(2)])
    expect(seen[0]!.end).toBe(8)
  })

  it("replays a first chunk the ring lost part of, with no chunk lost whole", () => {
    const replay = new HeldReplay(indexOf(old), 1)
    expect(replay.firstSeq).toBe(0)
    const { push, seen } = actor(replay)
    push({ _tag: "Lost", from: 0, to: 1 }, frame(1, "aaabbbbcccc"), exitedAt(12), closedAt(12))
    expect(asClientSees(seen)).toEqual([{ seq: 1, _tag: "Output", stream: "stdout", text: "aaa" }, ...asNumbered(old).slice(1)])
  })

  it("replays only the exit and the close when the ring lost every indexed byte", () => {
    const replay = new HeldReplay(indexOf(old), 12)
    expect(replay.firstSeq).toBe(3)
    const { push, seen } = actor(replay)
    push({ _tag: "Lost", from: 0, to: 12 }, exitedAt(12), closedAt(12))
    expect(asClientSees(seen)).toEqual(asNumbered(old).slice(3))
  })

  it("numbers new output after the last indexed seq when every indexed chunk is lost", () => {
    const replay = new HeldReplay(indexOf([out("aaaa"), out("bbbb")]), 9)
    expect(replay.firstSeq).toBe(2)
    const { push, seen } = actor(replay)
    push({ _tag: "Lost", from: 0, to: 9 }, frame(9, "xyz"))
    expect(asClientSees(seen)).toEqual([{ seq: 3, _tag: "Output", stream: "stdout", text: "xyz" }])
    expect(seen[0]!.end).toBe(12)
  })

  it("keeps the seqs after an indexed exit when the ring lost a chunk after it: that chunk is an empty event", () => {
    const old = [out("aaaa"), EXITED, out("bbbb"), out("cccc"), CLOSED]
    const replay = new HeldReplay(indexOf(old), 8)
    // The exit stops the skipping: the holder still has it, and its seq is the one before the lost chunk's.
    expect(replay.firstSeq).toBe(1)
    const { push, seen } = actor(replay)
    push({ _tag: "Lost", from: 0, to: 8 }, exitedAt(4), frame(8, "cccc"), closedAt(12))
    expect(asClientSees(seen)).toEqual([
      { seq: 2, _tag: "Exited" },
      { seq: 3, _tag: "Output", stream: "stdout", text: "" },
      { seq: 4, _tag: "Output", stream: "stdout", text: "cccc" },
      { seq: 5, _tag: "Closed" }
    ])
  })
})

describe("replaying with no index", () => {
  it("numbers from 1 and passes every event on as the holder sends it", () => {
    const replay = new HeldReplay([], 0)
    expect(replay.firstSeq).toBe(0)
    expect(replay.lastIndexedSeq).toBe(0)
    const { push, seen } = actor(replay)
    expect(push(frame(0, "ab"), frame(2, "c", "stderr"), frame(3, "d"), exitedAt(4, 1), closedAt(4))).toEqual([1, 1, 1, 1, 1])
    expect(asClientSees(seen)).toEqual([
      { seq: 1, _tag: "Output", stream: "stdout", text: "ab" },
      { seq: 2, _tag: "Output", stream: "stderr", text: "c" },
      { seq: 3, _tag: "Output", stream: "stdout", text: "d" },
      { seq: 4, _tag: "Exited" },
      { seq: 5, _tag: "Closed" }
    ])
  })

  it("passes on what the ring has after a loss", () => {
    const { push, seen } = actor(new HeldReplay([], 5))
    push({ _tag: "Lost", from: 0, to: 5 }, frame(5, "fgh"), exitedAt(8), closedAt(8))
    expect(asClientSees(seen)).toEqual([
      { seq: 1, _tag: "Output", stream: "stdout", text: "fgh" },
      { seq: 2, _tag: "Exited" },
      { seq: 3, _tag: "Closed" }
    ])
    expect(seen[0]!.end).toBe(8)
  })
})

/** A deterministic generator (mulberry32), so that a failing case can be run again from its seed. */
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

/** `count` distinct sorted positions in (0, length). */
const cutsIn = (random: () => number, length: number, count: number): Array<number> => {
  const cuts = new Set<number>()
  for (let i = 0; i < count && length > 1; i++) cuts.add(1 + Math.floor(random() * (length - 1)))
  return [...cuts].sort((a, b) => a - b)
}

/** One random process: its output in runs of one stream, the gone server's chunks and events, the holder's frames. */
const randomCase = (seed: number) => {
  const random = rng(seed)
  const length = 1 + Math.floor(random() * 3000)
  const text = Array.from({ length }, () => String.fromCharCode(Math.floor(random() * 256))).join("")
  // Where the stream changes (the holder's records, which neither its frames nor the gone server's chunks cross).
  const streamCuts = cutsIn(random, length, Math.floor(random() * 8))
  const streamAt = (position: number): OutputStream =>
    streamCuts.filter((cut) => cut <= position).length % 2 === 0 ? "stdout" : "stderr"
  // The gone server's chunks: as its own holder frames came, so cut at the stream changes too.
  const chunkCuts = [...new Set([...cutsIn(random, length, Math.floor(random() * 60)), ...streamCuts])].sort((a, b) => a - b)
  const bounds = [0, ...chunkCuts, length]
  const chunks = bounds.slice(1).map((end, index) => ({ from: bounds[index]!, end }))
  // The exit, at a chunk's end (output after it is a descendant's), then the close.
  const exitAfter = Math.floor(random() * chunks.length)
  const exitEnd = chunks[exitAfter]!.end
  const all: Array<OldEvent> = []
  chunks.forEach((chunk, index) => {
    all.push(out(text.slice(chunk.from, chunk.end), streamAt(chunk.from)))
    if (index === exitAfter) all.push(EXITED)
  })
  all.push(CLOSED)
  // The gone server was killed after numbering some of them: the rest are new.
  const indexed = all.slice(0, Math.floor(random() * (all.length + 1)))
  // The ring lost a prefix (never past the indexed exit, whose seq the replay keeps).
  const oldest = random() < 0.3 ? 0 : Math.floor(random() * (exitEnd + 1))
  // The holder's frames: its own cuts, and the stream changes.
  const frameCuts = [...new Set([...cutsIn(random, length, Math.floor(random() * 100)), ...streamCuts])]
    .filter((cut) => cut > oldest)
    .sort((a, b) => a - b)
  const frameBounds = [oldest, ...frameCuts, length]
  const frames = frameBounds.slice(1).map((end, index) => {
    const from = frameBounds[index]!
    return frame(from, text.slice(from, end), streamAt(from))
  }).filter((event) => event._tag === "Output" && event.bytes.length > 0)
  // The holder sends Exited after the frame that reaches its end; a reordered one comes anywhere before the close.
  const events: Array<HolderEvent> = oldest > 0 ? [{ _tag: "Lost", from: 0, to: oldest }] : []
  const reordered = random() < 0.5
  const exitAt = reordered
    ? Math.floor(random() * (frames.length + 1))
    : exitEnd <= oldest
    ? 0
    : frames.findIndex((event) => event._tag === "Output" && event.position + event.bytes.length >= exitEnd) + 1
  frames.forEach((event, index) => {
    if (index === exitAt) events.push(exitedAt(exitEnd))
    events.push(event)
  })
  if (exitAt >= frames.length) events.push(exitedAt(exitEnd))
  events.push(closedAt(length))
  return { text, indexed, oldest, exitEnd, events, streamAt }
}

describe("replaying random cuts", () => {
  it("gives every indexed event back with its seq, stream and bytes, and passes the rest on in order", () => {
    for (let seed = 1; seed <= 500; seed++) {
      const { events, exitEnd, indexed, oldest, streamAt, text } = randomCase(seed)
      const context = `seed ${seed}`
      const index = indexOf(indexed)
      const replay = new HeldReplay(index, oldest)
      const { push, seen } = actor(replay)
      push(...events)

      // Indexed: the chunks the ring still has part of, from the first of them, each as it was (less what was lost).
      const numbered = index.map((entry, at) => ({ entry, event: indexed[at]!, from: at === 0 ? 0 : index[at - 1]!.end }))
      const firstKept = numbered.findIndex(({ entry }) => entry.kind !== "output" || entry.end > oldest)
      const kept = firstKept === -1 ? [] : numbered.slice(firstKept)
      const expectedFirstSeq = kept.length > 0 ? kept[0]!.entry.seq - 1 : indexed.length
      expect(replay.firstSeq, context).toBe(expectedFirstSeq)
      const replayed = seen.slice(0, kept.length)
      expect(asClientSees(replayed), context).toEqual(kept.map(({ entry, event, from }) =>
        event._tag === "Output"
          ? { seq: entry.seq, _tag: "Output", stream: event.stream, text: text.slice(Math.max(from, oldest), entry.end) }
          : { seq: entry.seq, _tag: event._tag }
      ))

      // After the index: the rest of the output, in order, one stream per event; the exit once, after
      // the bytes before its end; the close last.
      const rest = seen.slice(kept.length)
      expect(rest.map((event) => event.seq), context).toEqual(rest.map((_, at) => indexed.length + 1 + at))
      expect(textOf(seen), context).toBe(text.slice(oldest))
      const exits = seen.filter((event) => event._tag === "Exited")
      expect(exits, context).toHaveLength(1)
      expect(exits[0]!.end, context).toBeGreaterThanOrEqual(exitEnd)
      expect(seen.at(-1)?._tag, context).toBe("Closed")
      expect(seen.filter((event) => event._tag === "Closed"), context).toHaveLength(1)
      let position = oldest
      for (const event of rest) {
        if (event._tag !== "Output") continue
        expect(event.text.length, context).toBeGreaterThan(0)
        const from = event.end - event.text.length
        expect(from, context).toBeGreaterThanOrEqual(position)
        expect(event.stream, context).toBe(streamAt(from))
        expect(streamAt(event.end - 1), context).toBe(event.stream)
        position = event.end
      }
      // An exit the holder sent before the bytes after its end is handed on before them.
      const exitIndex = events.findIndex((event) => event._tag === "Exited")
      const outputBeforeExit = events.slice(0, exitIndex).reduce(
        (end, event) => event._tag === "Output" ? Math.max(end, event.position + event.bytes.length) : end,
        oldest
      )
      if (outputBeforeExit <= exitEnd && !indexed.includes(EXITED)) {
        const exitSeen = seen.indexOf(exits[0]!)
        expect(textOf(seen.slice(0, exitSeen)), context).toBe(text.slice(oldest, exitEnd))
        expect(seen.slice(exitSeen).every((event) => event._tag !== "Output" || event.end - event.text.length >= exitEnd), context).toBe(true)
        expect(exits[0]!.end, context).toBe(Math.max(exitEnd, oldest))
      }
    }
  })
})
