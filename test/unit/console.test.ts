/** The console's pieces without a server: its credentials, the PTY size history, the acknowledgement window, the page's units. */
import { describe, expect, it } from "vitest"
import { ConsoleAuth, LINK_TTL_MS, SESSION_IDLE_MS } from "../../src/console/ConsoleAuth.js"
import { formatBytes, formatCpuTime } from "../../src/console/page/units.js"
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

describe("the page's units", () => {
  it("writes sizes in powers of 1024, one decimal, never 1024 of a unit", () => {
    expect(formatBytes(0)).toBe("0 B")
    expect(formatBytes(1023)).toBe("1023 B")
    expect(formatBytes(1024)).toBe("1.0 KiB")
    expect(formatBytes(12.3 * 1024 * 1024)).toBe("12.3 MiB")
    expect(formatBytes(41943040)).toBe("40.0 MiB")
    // Rounded as written: just under a MiB is 1.0 MiB, not 1024.0 KiB.
    expect(formatBytes(1024 * 1024 - 1)).toBe("1.0 MiB")
    expect(formatBytes(1024 ** 3 - 1)).toBe("1.0 GiB")
    expect(formatBytes(1.5 * 1024 ** 3)).toBe("1.5 GiB")
    expect(formatBytes(3 * 1024 ** 4)).toBe("3.0 TiB")
  })

  it("writes CPU time in hundredths of a second under a minute, then minutes and seconds, then hours and minutes", () => {
    expect(formatCpuTime(0)).toBe("0.00 s")
    expect(formatCpuTime(4)).toBe("0.00 s")
    expect(formatCpuTime(5)).toBe("0.01 s")
    expect(formatCpuTime(1240)).toBe("1.24 s")
    expect(formatCpuTime(59_990)).toBe("59.99 s")
    expect(formatCpuTime(59_996)).toBe("1m 00s")
    expect(formatCpuTime(125_400)).toBe("2m 05s")
    expect(formatCpuTime(3_599_400)).toBe("59m 59s")
    expect(formatCpuTime(3_599_600)).toBe("1h 00m")
    expect(formatCpuTime(11_220_000)).toBe("3h 07m")
  })
})
