/** The console's pieces without a server: its credentials, the PTY size history, the acknowledgement window. */
import { describe, expect, it } from "vitest"
import { ConsoleAuth, LINK_TTL_MS, SESSION_IDLE_MS } from "../../src/console/ConsoleAuth.js"
import { eitherPaused, makeAckWindow, makeFlowMeter } from "../../src/jsonrpc/FlowControl.js"
import { TerminalSizes } from "../../src/process/TerminalSizes.js"

/** The session a redeemed link gave (fails the test otherwise). */
const sessionOf = (redeemed: ReturnType<ConsoleAuth["redeem"]>) => {
  if (typeof redeemed === "string") throw new Error(`no session: ${redeemed}`)
  return redeemed
}

describe("ConsoleAuth", () => {
  it("redeems a link once, within its time", () => {
    let now = 1_000_000
    const auth = new ConsoleAuth(() => now)
    const link = auth.issueLink()
    expect(link.expiresAtMs).toBe(now + LINK_TTL_MS)
    const session = sessionOf(auth.redeem(link.secret))
    expect(session.cookie).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(session.key).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(auth.redeem(link.secret)).toBe("unknown")
    expect(auth.validSession(session.cookie, session.key)).toBe(true)

    const late = auth.issueLink()
    now += LINK_TTL_MS
    expect(auth.redeem(late.secret)).toBe("unknown")
  })

  it("keeps a session while it is used, and ends it on revoke or idleness", () => {
    let now = 0
    const auth = new ConsoleAuth(() => now)
    const { cookie, key } = sessionOf(auth.redeem(auth.issueLink().secret))
    now += SESSION_IDLE_MS - 1
    expect(auth.validSession(cookie, key)).toBe(true)
    now += SESSION_IDLE_MS - 1
    expect(auth.validSession(cookie, key)).toBe(true)
    now += SESSION_IDLE_MS
    expect(auth.validSession(cookie, key)).toBe(false)

    const other = sessionOf(auth.redeem(auth.issueLink().secret))
    auth.revoke(other.cookie, other.key)
    expect(auth.validSession(other.cookie, other.key)).toBe(false)
    expect(auth.validSession(undefined, undefined)).toBe(false)
    expect(auth.validSession("", "")).toBe(false)
  })

  it("wants both halves of a session: the cookie (which a browser sends to every port of its host) opens nothing alone", () => {
    const auth = new ConsoleAuth()
    const one = sessionOf(auth.redeem(auth.issueLink().secret))
    const two = sessionOf(auth.redeem(auth.issueLink().secret))
    expect(auth.validSession(one.cookie, undefined)).toBe(false)
    expect(auth.validSession(one.cookie, "")).toBe(false)
    expect(auth.validSession(undefined, one.key)).toBe(false)
    expect(auth.validSession(one.cookie, two.key)).toBe(false)
    expect(auth.validSession(two.cookie, one.key)).toBe(false)
    expect(auth.validSession(one.cookie, one.key)).toBe(true)
  })

  it("holds a bounded number of links: the oldest go first", () => {
    const auth = new ConsoleAuth()
    const first = auth.issueLink()
    for (let i = 0; i < 300; i++) auth.issueLink()
    expect(auth.redeem(first.secret)).toBe("unknown")
    expect(sessionOf(auth.redeem(auth.issueLink().secret)).key).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })

  it("never logs a browser out to let another in: at 256 sessions a login is refused and its link kept", () => {
    let now = 0
    const auth = new ConsoleAuth(() => now)
    const first = sessionOf(auth.redeem(auth.issueLink().secret))
    for (let i = 1; i < 256; i++) sessionOf(auth.redeem(auth.issueLink().secret))
    const link = auth.issueLink()
    expect(auth.redeem(link.secret)).toBe("full")
    expect(auth.validSession(first.cookie, first.key)).toBe(true)
    // Once one logs out, the same link logs in.
    auth.revoke(first.cookie, first.key)
    expect(sessionOf(auth.redeem(link.secret)).cookie).toMatch(/^[A-Za-z0-9_-]{43}$/)
    // Sessions idle past their time make room by themselves.
    now += SESSION_IDLE_MS
    expect(typeof auth.redeem(auth.issueLink().secret)).toBe("object")
  })
})

describe("TerminalSizes", () => {
  it("gives the size in effect at a seq, then the changes up to another", () => {
    const sizes = new TerminalSizes({ rows: 24, cols: 80 })
    sizes.resized({ rows: 24, cols: 80 }, 5) // no change: not recorded
    sizes.resized({ rows: 30, cols: 100 }, 10)
    sizes.resized({ rows: 40, cols: 120 }, 20)
    sizes.resized({ rows: 41, cols: 121 }, 20) // two resizes between the same outputs: the last counts
    expect(sizes.current()).toEqual({ rows: 41, cols: 121 })
    expect(sizes.between(1, 9)).toEqual([{ fromSeq: 1, rows: 24, cols: 80 }])
    expect(sizes.between(12, 19)).toEqual([{ fromSeq: 10, rows: 30, cols: 100 }])
    expect(sizes.between(3, 25)).toEqual([
      { fromSeq: 1, rows: 24, cols: 80 },
      { fromSeq: 10, rows: 30, cols: 100 },
      { fromSeq: 20, rows: 41, cols: 121 }
    ])
    expect(sizes.between(30, 30)).toEqual([{ fromSeq: 20, rows: 41, cols: 121 }])
  })
})

describe("the acknowledgement window", () => {
  it("pauses above its high mark and resumes below its low one", () => {
    const window = makeAckWindow({ highWaterMark: 100, lowWaterMark: 20 })
    const changes: Array<boolean> = []
    window.subscribe((paused) => changes.push(paused))
    window.sent(60)
    window.sent(60)
    expect(window.paused()).toBe(true)
    window.acknowledged(90)
    expect(window.paused()).toBe(true)
    window.acknowledged(20)
    expect(window.paused()).toBe(false)
    // More than was sent counts as all of it.
    window.acknowledged(1_000)
    expect(window.unacknowledged()).toBe(0)
    expect(changes).toEqual([true, false])
  })

  it("combines with the socket's watermark: paused while either is", () => {
    const socket = makeFlowMeter({ highWaterMark: 10, lowWaterMark: 5 })
    const window = makeAckWindow({ highWaterMark: 10, lowWaterMark: 5 })
    const flow = eitherPaused([socket, window])
    const changes: Array<boolean> = []
    flow.subscribe((paused) => changes.push(paused))
    socket.queued(20)
    window.sent(20)
    socket.written(20)
    expect(flow.paused()).toBe(true)
    window.acknowledged(20)
    expect(flow.paused()).toBe(false)
    expect(changes).toEqual([true, false])
  })
})
