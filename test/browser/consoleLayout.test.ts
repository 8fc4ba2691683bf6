/**
 * The web console's layout in a real browser (as console.test.ts) at three
 * sizes, a desktop, a small laptop and a phone: every process's actions
 * are on the screen without scrolling sideways, inside its card, and
 * nothing is wider than the viewport; the Watch view shows no cursor and
 * sends nothing typed into it. With EXEC_SERVER_SCREENSHOTS=DIR the pages
 * are saved there as PNGs, for a person to look at.
 */
import { mkdirSync } from "node:fs"
import * as Path from "node:path"
import type { Browser, BrowserContextOptions, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { launchBrowser, logIn, terminalShows } from "../support/browser.js"
import { launchOf } from "../support/networkProxy.js"
import { type InProcessWebSocketServer, startInProcessWebSocketServer } from "../support/InProcessServer.js"
import { WAIT_MS } from "../support/waiting.js"
import { RawWebSocketClient } from "../support/WebSocketClient.js"

let browser: Browser
let server: InProcessWebSocketServer
/** The session that stays attached: its `cat` is watched, and what reaches its stdin comes back as output. */
let owner: RawWebSocketClient
/** What the owner wrote to the watched `cat`, in order. */
let written = ""
/** The session left detached: its running processes offer Attach. */
let detachedSession: string

/** A command line longer than any screen, as operators start them. */
const LONG_ARGV = [
  "/usr/bin/env", "LC_ALL=C.UTF-8", "sh", "-c",
  "while :; do sleep 600; done # a-rather-long-command-line-that-does-not-fit-on-any-phone --with-flags=and-values /srv/data/some/deeply/nested/path/to/a/file.txt",
  "extra-argument-one", "extra-argument-two"
]

const SIZES: ReadonlyArray<{ readonly name: string; readonly options: BrowserContextOptions }> = [
  { name: "1280x800", options: { viewport: { width: 1280, height: 800 } } },
  { name: "800x600", options: { viewport: { width: 800, height: 600 } } },
  { name: "390x844", options: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3 } }
]

const screenshots = process.env.EXEC_SERVER_SCREENSHOTS
const screenshot = async (page: Page, name: string) => {
  if (screenshots === undefined) return
  mkdirSync(screenshots, { recursive: true })
  await page.screenshot({ path: Path.join(screenshots, `${name}.png`), fullPage: true })
}

const start = (client: RawWebSocketClient, processId: string, argv: ReadonlyArray<string>, extra: Record<string, unknown> = {}) =>
  client.request("process/start", { processId, argv, env: {}, tty: false, ...extra }).then((answer) => {
    if (answer.error !== undefined) throw new Error(`${processId}: ${answer.error.message}`)
  })

/** Writes to the watched `cat` as its owner, noting what was written. */
const writeToWatched = async (text: string) => {
  written += text
  await owner.request("process/write", { processId: "watched", chunk: Buffer.from(text).toString("base64") })
}

beforeAll(async () => {
  ;[browser, server] = await Promise.all([launchBrowser(), startInProcessWebSocketServer(["--console"])])
  // A session left detached, so its running processes offer every action (Watch, Attach, Signal, Terminate).
  const detached = await RawWebSocketClient.connect(server.url)
  detachedSession = (await detached.request("initialize", { clientName: "a client with a long name of its own", detachTtlMs: 600_000 })).result.sessionId
  detached.send({ method: "initialized", params: {} })
  await start(detached, "build-and-serve-the-whole-project", LONG_ARGV)
  await start(detached, "wide-tty", ["sh", "-c", "exec sleep 600"], { tty: true, size: { rows: 40, cols: 120 } })
  // A managed proxy with a refusal: its network fact (a count of refusals) and its decisions are shown.
  const refused = detached.waitFor((m) => m.method === "process/output" && m.params.processId === "proxied")
  await start(detached, "proxied", ["sh", "-c", "curl -s -o /dev/null -x \"$HTTP_PROXY\" http://bad.test/; echo asked; exec sleep 600"], {
    networkProxy: launchOf({ domains: { "bad.test": "deny" } })
  })
  await refused
  // In a cgroup of its own (a memory limit): its card shows its memory and CPU time.
  await start(detached, "limited", ["sleep", "600"], { resources: { memoryBytes: 64 << 20 } })
  await start(detached, "ended", ["sh", "-c", "exit 3"])
  await detached.waitFor((m) => m.method === "process/closed" && m.params.processId === "ended")
  detached.socket.close()

  owner = await RawWebSocketClient.connectReady(server.url)
  await start(owner, "watched", ["cat"], { pipeStdin: true })
  await writeToWatched("first line\n")
})
afterAll(async () => {
  owner?.socket.close()
  await browser?.close()
  await server?.stop()
})

/**
 * Why each action of each process's card is not fully on the screen: out
 * of the viewport's width, out of its card, or cut off by an ancestor that
 * clips or scrolls sideways. Empty when all are.
 */
const hiddenActions = (page: Page, width: number): Promise<Array<string>> =>
  page.evaluate((width) => {
    const problems: Array<string> = []
    for (const card of Array.from(document.querySelectorAll<HTMLElement>("[data-process]"))) {
      const box = card.getBoundingClientRect()
      const actions = card.querySelectorAll<HTMLElement>("[data-action], select")
      if (actions.length === 0) problems.push(`${card.dataset.process}: no actions`)
      for (const action of Array.from(actions)) {
        const name = `${card.dataset.process} ${action.dataset.action ?? action.tagName.toLowerCase()}`
        const rect = action.getBoundingClientRect()
        if (rect.width === 0 || rect.height === 0) problems.push(`${name}: not drawn`)
        if (rect.left < 0 || rect.right > width) problems.push(`${name}: ${rect.left}..${rect.right} outside the viewport's 0..${width}`)
        if (rect.left < box.left || rect.right > box.right || rect.top < box.top || rect.bottom > box.bottom) {
          problems.push(`${name}: outside its card`)
        }
        for (let parent = action.parentElement; parent !== null; parent = parent.parentElement) {
          if (getComputedStyle(parent).overflowX === "visible") continue
          const clip = parent.getBoundingClientRect()
          if (rect.left < clip.left || rect.right > clip.right) problems.push(`${name}: cut off by ${parent.tagName.toLowerCase()}.${parent.className}`)
        }
      }
    }
    return problems
  }, width)

/**
 * A page wider than the screen (`width`: a phone's browser then lays it out
 * wider and zooms out), or elements in it, other than under `except`, that
 * scroll sideways (a scrollbar a touch screen never shows) or clip content
 * without an ellipsis.
 */
const sidewaysScrolls = (page: Page, width: number, except: string): Promise<Array<string>> =>
  page.evaluate(({ width, except }) => {
    const problems: Array<string> = []
    const root = document.documentElement
    if (window.innerWidth !== width) problems.push(`the page is laid out ${window.innerWidth} wide on a screen ${width} wide`)
    if (root.scrollWidth > window.innerWidth) problems.push(`the page is ${root.scrollWidth} wide in ${window.innerWidth}`)
    for (const element of Array.from(document.querySelectorAll<HTMLElement>("body *"))) {
      if (element.closest(except) !== null || element.scrollWidth <= element.clientWidth) continue
      const style = getComputedStyle(element)
      if (style.overflowX === "visible" || style.textOverflow === "ellipsis") continue
      problems.push(`${element.tagName.toLowerCase()}.${element.className} (overflow ${style.overflowX}): ${element.scrollWidth} wide in ${element.clientWidth}`)
    }
    return problems
  }, { width, except })

/**
 * The terminal's cursor as the page paints it: for each cell xterm marks as
 * the cursor, the colours it is drawn in (background, outline, bar, underline)
 * other than the terminal's own background. Empty when no cursor is seen.
 */
const paintedCursor = (page: Page): Promise<Array<string>> =>
  page.evaluate(() => {
    const viewport = document.querySelector(".xterm-viewport")
    const screen = document.querySelector(".xterm-screen")
    const background = getComputedStyle(viewport ?? screen ?? document.body).backgroundColor
    const seen = (color: string) => color !== background && !/^rgba\(.*, 0\)$|^transparent$/.test(color)
    const painted: Array<string> = []
    for (const cell of Array.from(document.querySelectorAll<HTMLElement>(".xterm-rows .xterm-cursor"))) {
      const style = getComputedStyle(cell)
      if (seen(style.backgroundColor)) painted.push(`background ${style.backgroundColor}`)
      if (style.outlineStyle !== "none" && style.outlineWidth !== "0px" && seen(style.outlineColor)) painted.push(`outline ${style.outlineColor}`)
      if (style.boxShadow !== "none" && seen(style.boxShadow.replace(/\)\s.*$/, ")"))) painted.push(`bar ${style.boxShadow}`)
      if (style.borderBottomStyle !== "none" && style.borderBottomWidth !== "0px" && seen(style.borderBottomColor)) {
        painted.push(`underline ${style.borderBottomColor}`)
      }
    }
    return painted
  })

/** After the page's next frame is drawn (xterm redraws the cursor's row in one). */
const nextFrame = (page: Page) =>
  page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))))

describe("web console in a browser: layout", () => {
  for (const { name, options } of SIZES) {
    const width = options.viewport!.width
    const inContext = async (test: (page: Page) => Promise<void>) => {
      const context = await browser.newContext(options)
      try {
        const page = await context.newPage()
        // Each wait as long as the suite's others (WAIT_MS), not playwright's 30 s: a loaded machine took longer.
        page.setDefaultTimeout(WAIT_MS)
        await logIn(page, server.url)
        await test(page)
      } finally {
        await context.close()
      }
    }

    it(`at ${name}, shows every process's actions on the screen and in its card, nothing scrolling sideways`, () =>
      inContext(async (page) => {
        const detached = page.locator(`section[data-session="${detachedSession}"]`)
        await detached.locator('[data-process="ended"] .ended').waitFor()
        await detached.locator('[data-process="proxied"] [data-action=network]', { hasText: "1 refused" }).waitFor()
        await page.locator('[data-process="watched"]').waitFor()
        await detached.locator('[data-process="limited"] .fact.memory .value', { hasText: /B$/ }).waitFor()
        // The proxied process's decisions shown too: the widest the lists get.
        await detached.locator('[data-process="proxied"] [data-action=network]').click()
        await page.locator('[data-decisions="proxied"] table.decisions').waitFor()
        await screenshot(page, `lists-${name}`)
        expect(await page.locator("[data-process]").count()).toBeGreaterThanOrEqual(6)
        expect(await hiddenActions(page, width)).toEqual([])
        expect(await sidewaysScrolls(page, width, ".terminal")).toEqual([])
      }))

    it(`at ${name}, watches a process without a cursor, and sends nothing typed into it`, () =>
      inContext(async (page) => {
        // Every frame the page sends: none may write to a process from the Watch view.
        const sent: Array<string> = []
        page.on("websocket", (socket) => socket.on("framesent", ({ payload }) => sent.push(String(payload))))
        // A command line longer than the header: cut short there, not pushing the page wider.
        await page.locator('[data-process="build-and-serve-the-whole-project"] [data-action=watch]').click()
        await page.locator("header .argv", { hasText: "extra-argument-two" }).waitFor()
        expect(await sidewaysScrolls(page, width, ".terminal")).toEqual([])
        await page.goBack()
        await page.locator('[data-process="watched"] [data-action=watch]').click()
        await terminalShows(page, /^first line$/m)
        await nextFrame(page)
        await screenshot(page, `watch-${name}`)
        expect(await sidewaysScrolls(page, width, ".terminal")).toEqual([])
        expect(await paintedCursor(page)).toEqual([])
        // Touched or clicked, as to select text: still no cursor, and what is typed goes nowhere.
        if (options.hasTouch === true) await page.tap("[data-testid=terminal]")
        else await page.click("[data-testid=terminal]")
        await page.locator(".xterm.focus").waitFor()
        await nextFrame(page)
        // Focused, xterm marks the cursor's cell: there is one, painted only in the background's colour.
        expect(await page.locator(".xterm-rows .xterm-cursor").count()).toBe(1)
        expect(await paintedCursor(page)).toEqual([])
        await page.keyboard.type(`typed at ${name}\n`)
        await page.keyboard.press("Control+D")
        const marker = `after typing at ${name}`
        await writeToWatched(`${marker}\n`)
        await terminalShows(page, new RegExp(`^${marker}$`, "m"))
        expect(await paintedCursor(page)).toEqual([])
        expect(sent.filter((frame) => frame.includes("process/write"))).toEqual([])
        expect(owner.outputOf("watched")).toBe(written)
      }))
  }
})
