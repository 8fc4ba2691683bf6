/**
 * The web console's memory and CPU figures in a real browser (as
 * console.test.ts), on this machine's real cgroups (v1 here, as root; see
 * resourceLimits.test.ts): a process holding 40 MiB under a memory limit
 * shows about that, a busy one's CPU time grows at the page's refreshes, an
 * exited one shows its peak and total, and a process in no cgroup of its own
 * shows a dash. At 800×600, every figure is inside its card and the
 * viewport. With EXEC_SERVER_SCREENSHOTS=DIR the page is saved there as a PNG.
 */
import { mkdirSync } from "node:fs"
import * as Path from "node:path"
import type { Browser, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { launchBrowser, logIn } from "../support/browser.js"
import { type InProcessWebSocketServer, startInProcessWebSocketServer } from "../support/InProcessServer.js"
import { WAIT_MS } from "../support/waiting.js"
import { RawWebSocketClient } from "../support/WebSocketClient.js"
import { pipeProcess } from "../support/WireClient.js"

const MiB = 1 << 20

let browser: Browser
let server: InProcessWebSocketServer
let client: RawWebSocketClient

const start = async (processId: string, argv: ReadonlyArray<string>, extra: Record<string, unknown> = {}) => {
  const answer = await client.request("process/start", pipeProcess(processId, argv, extra))
  if (answer.error !== undefined) throw new Error(`${processId}: ${answer.error.message}`)
}

beforeAll(async () => {
  ;[browser, server] = await Promise.all([launchBrowser(), startInProcessWebSocketServer(["--console"])])
  client = await RawWebSocketClient.connectReady(server.url)
  // 40 MiB written (so the pages are the process's), then held until the test ends.
  await start("holder", ["python3", "-c", "import time; b = b'x' * (40 << 20); print('held', flush=True); time.sleep(600)"], {
    resources: { memoryBytes: 256 * MiB }
  })
  // Busy, at a quarter of a CPU (the machine is shared): its CPU time grows by about 250 ms a second.
  await start("busy", ["sh", "-c", "while :; do :; done"], { resources: { memoryBytes: 64 * MiB, cpu: 0.25 } })
  // No limits: in no cgroup of its own, so nothing to show.
  await start("plain", ["sleep", "600"])
  await start("ended", ["python3", "-c", "b = b'x' * (24 << 20)"], { resources: { memoryBytes: 128 * MiB } })
  await Promise.all([
    client.outputContains("holder", "held\n"),
    client.waitFor((m) => m.method === "process/closed" && m.params.processId === "ended")
  ])
})
afterAll(async () => {
  client?.socket.close()
  await browser?.close()
  await server?.stop()
})

/** The figure a card shows for `fact` (`memory` or `cpu`): its value's text. */
const figure = async (page: Page, processId: string, fact: "memory" | "cpu"): Promise<string> =>
  (await page.locator(`[data-process="${processId}"] .fact.${fact} .value`).textContent()) ?? ""

/** Bytes from the page's `12.3 MiB`. */
const bytesOf = (text: string): number => {
  const match = /^(\d+(?:\.\d)?) (B|KiB|MiB|GiB)$/.exec(text)
  if (match === null) throw new Error(`not a size: ${JSON.stringify(text)}`)
  return Number(match[1]) * 1024 ** ["B", "KiB", "MiB", "GiB"].indexOf(match[2]!)
}

/** Milliseconds from the page's `1.24 s` or `2m 05s`. */
const cpuMsOf = (text: string): number => {
  const seconds = /^(\d+\.\d\d) s$/.exec(text)
  if (seconds !== null) return Number(seconds[1]) * 1000
  const minutes = /^(\d+)m (\d\d)s$/.exec(text)
  if (minutes !== null) return (Number(minutes[1]) * 60 + Number(minutes[2])) * 1000
  throw new Error(`not a CPU time: ${JSON.stringify(text)}`)
}

/** Waits until the card of `processId` shows a `fact` whose text matches `pattern`. */
const waitForFigure = (page: Page, processId: string, fact: "memory" | "cpu", pattern: RegExp) =>
  page.locator(`[data-process="${processId}"] .fact.${fact} .value`, { hasText: pattern }).waitFor()

const screenshots = process.env.EXEC_SERVER_SCREENSHOTS

describe("web console in a browser: memory and CPU", () => {
  it("shows a live process's memory and growing CPU time, an exited one's peak and total, and a dash where nothing is measured", async () => {
    const context = await browser.newContext({ viewport: { width: 800, height: 600 } })
    try {
      const page = await context.newPage()
      page.setDefaultTimeout(WAIT_MS)
      await logIn(page, server.url)

      // The 40 MiB it holds, and the interpreter's own few MiB (the limit is 256 MiB).
      await waitForFigure(page, "holder", "memory", /MiB$/)
      const held = bytesOf(await figure(page, "holder", "memory"))
      expect(held).toBeGreaterThanOrEqual(40 * MiB)
      expect(held).toBeLessThan(256 * MiB)

      // Busy: its CPU time, once shown above zero, is larger at a later refresh.
      await waitForFigure(page, "busy", "cpu", /^(?!0\.00 s$)\d/)
      const first = cpuMsOf(await figure(page, "busy", "cpu"))
      expect(first).toBeGreaterThan(0)
      await page.waitForFunction(({ first }) => {
        const text = document.querySelector('[data-process="busy"] .fact.cpu .value')?.textContent ?? ""
        const seconds = /^(\d+\.\d\d) s$/.exec(text)
        const minutes = /^(\d+)m (\d\d)s$/.exec(text)
        const ms = seconds !== null ? Number(seconds[1]) * 1000 : minutes !== null ? (Number(minutes[1]) * 60 + Number(minutes[2])) * 1000 : -1
        return ms > first
      }, { first })
      expect(cpuMsOf(await figure(page, "busy", "cpu"))).toBeGreaterThan(first)

      // Exited: the most it held (its 24 MiB at least) and its CPU time in all, from its process/exited.
      const ended = page.locator('[data-process="ended"]')
      await ended.locator(".status.ended").waitFor()
      expect(await ended.locator(".fact.memory .label").textContent()).toBe("peak memory")
      expect(bytesOf(await figure(page, "ended", "memory"))).toBeGreaterThanOrEqual(24 * MiB)
      expect(cpuMsOf(await figure(page, "ended", "cpu"))).toBeGreaterThanOrEqual(0)

      // In no cgroup of its own: a dash, and the card says why.
      expect(await figure(page, "plain", "memory")).toBe("—")
      expect(await figure(page, "plain", "cpu")).toBe("—")
      expect(await page.locator('[data-process="plain"] .fact.memory').getAttribute("title")).toMatch(/cgroup of its own/)

      if (screenshots !== undefined) {
        mkdirSync(screenshots, { recursive: true })
        await page.screenshot({ path: Path.join(screenshots, "resources-800x600.png"), fullPage: true })
      }
      // Every figure on the screen, inside its card: nothing pushed out or wider than 800 pixels.
      const outside = await page.evaluate(() =>
        Array.from(document.querySelectorAll<HTMLElement>(".fact.memory, .fact.cpu")).flatMap((fact) => {
          const card = fact.closest<HTMLElement>("[data-process]")!.getBoundingClientRect()
          const box = fact.getBoundingClientRect()
          const name = `${fact.closest<HTMLElement>("[data-process]")!.dataset.process} ${fact.className}`
          return box.width === 0 || box.left < card.left || box.right > card.right || box.right > window.innerWidth ? [name] : []
        }))
      expect(outside).toEqual([])
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(800)
    } finally {
      await context.close()
    }
  })
})
