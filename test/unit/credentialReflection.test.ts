/**
 * An answer's real values put back to their dummies (reflection.ts): in
 * headers, in a body however its chunks cut a value, longest first, and a
 * compressed body left as it is.
 */
import { Readable } from "node:stream"
import { text } from "node:stream/consumers"
import { describe, expect, it } from "vitest"
import { restoreAnswer, restorationsOf, restoreText } from "../../src/network/credentials/reflection.js"

const REAL = "mytok_realrealrealrealrealrealrealreal"
const DUMMY = "mytok_dummydummydummydummydummydummyd"
const BASIC_REAL = Buffer.from(`user:${REAL}`).toString("base64")
const BASIC_DUMMY = Buffer.from(`user:${DUMMY}`).toString("base64")

const restorations = restorationsOf(
  [["authorization", `Basic ${BASIC_REAL}`]],
  { authorization: `Basic ${BASIC_DUMMY}` },
  [[REAL, DUMMY]]
)

/** The body of an answer with `headers`, sent in `chunks`, as the child gets it. */
const bodyOf = async (chunks: ReadonlyArray<string>, headers: Record<string, string> = {}) => {
  const restored = restoreAnswer(headers, restorations)
  const source = Readable.from(chunks.map((chunk) => Buffer.from(chunk)))
  return { headers: restored.headers, body: await text(restored.body === undefined ? source : source.pipe(restored.body)) }
}

describe("restoring an answer", () => {
  it("puts back the translated header whole, its credential after the scheme, and the value in the clear; longest first", () => {
    expect(restorations.map(([real]) => real)).toEqual([`Basic ${BASIC_REAL}`, BASIC_REAL, REAL])
    expect(restoreText(`echo: Basic ${BASIC_REAL}; raw ${BASIC_REAL}; token ${REAL}${REAL}`, restorations))
      .toBe(`echo: Basic ${BASIC_DUMMY}; raw ${BASIC_DUMMY}; token ${DUMMY}${DUMMY}`)
  })

  it("restores headers, and a body wherever its chunks cut a value", async () => {
    const whole = `{"token":"${REAL}","again":"${REAL}"}`
    for (let cut = 1; cut < whole.length; cut++) {
      const { body } = await bodyOf([whole.slice(0, cut), whole.slice(cut)])
      expect(body, `cut at ${cut}`).toBe(`{"token":"${DUMMY}","again":"${DUMMY}"}`)
    }
    const bytes = [...whole]
    expect((await bodyOf(bytes)).body).toBe(`{"token":"${DUMMY}","again":"${DUMMY}"}`)
    const { headers } = await bodyOf([], { location: `https://elsewhere.test/?t=${REAL}`, "x-echo": `Basic ${BASIC_REAL}` })
    expect(headers).toEqual({ location: `https://elsewhere.test/?t=${DUMMY}`, "x-echo": `Basic ${BASIC_DUMMY}` })
  })

  it("passes a part of the body at once unless its end may begin a real value (a destination that waits for its client)", async () => {
    const body = restoreAnswer({}, restorations).body!
    const next = () => new Promise<string>((resolve) => body.once("data", (chunk: Buffer) => resolve(chunk.toString())))
    const first = next()
    body.write("partial answer, then a wait")
    expect(await first).toBe("partial answer, then a wait")
    const second = next()
    body.write(`held: ${REAL.slice(0, 10)}`)
    body.write(`${REAL.slice(10)} done`)
    expect(await second).toBe("held: ")
    const third = next()
    expect(await third).toBe(`${DUMMY} done`)
    body.end()
  })

  it("drops the length only where a dummy's length differs; leaves a compressed body as it is", async () => {
    expect((await bodyOf([REAL], { "content-length": String(REAL.length) })).headers["content-length"]).toBeUndefined()
    const sameLength = restoreAnswer({ "content-length": "40" }, [["abc", "xyz"]])
    expect(sameLength.headers["content-length"]).toBe("40")
    const compressed = restoreAnswer({ "content-encoding": "gzip", "x-echo": REAL }, restorations)
    expect(compressed.body).toBeUndefined()
    expect(compressed.headers["x-echo"]).toBe(DUMMY)
    expect(restoreAnswer({ "x-echo": REAL }, []).body).toBeUndefined()
  })
})
