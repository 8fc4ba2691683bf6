/**
 * The web console in a real browser (as console.test.ts): a process started
 * with a managed network proxy shows how many of its recent requests were
 * allowed and refused, and its decisions expand in its card and stay
 * expanded through the lists' refreshes.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import * as Readline from "node:readline"
import type { Browser, BrowserContext } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { launchBrowser, logIn } from "../support/browser.js"
import { launchOf } from "../support/networkProxy.js"
import { type InProcessWebSocketServer, startInProcessWebSocketServer } from "../support/InProcessServer.js"
import { RawWebSocketClient } from "../support/WebSocketClient.js"

let browser: Browser
let server: InProcessWebSocketServer
let context: BrowserContext | undefined
/**
 * The loopback HTTP server the process is allowed to reach, in a child of
 * the test's (the proxies never connect to a listener of the server's own
 * process): prints its port, then `reached` for each request.
 */
const TARGET = "const s = require('node:http').createServer((q, r) => { console.log('reached'); r.end('ok') }); s.listen(0, '127.0.0.1', () => console.log(s.address().port))"
let target: ChildProcessWithoutNullStreams | undefined
let port = 0
let reached = 0

const startTarget = (): Promise<void> => {
  const child = spawn(process.execPath, ["-e", TARGET])
  target = child
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the target ended (${code}) before listening`)))
    Readline.createInterface({ input: child.stdout }).on("line", (line) => {
      if (line === "reached") reached++
      else {
        port = Number(line)
        resolve()
      }
    })
  })
}

beforeAll(async () => {
  ;[browser, server] = await Promise.all([launchBrowser(), startInProcessWebSocketServer(["--console"]), startTarget()])
})
afterAll(async () => {
  await context?.close()
  await browser?.close()
  await server?.stop()
  if (target?.exitCode === null) target.kill()
})

const networkProxy = launchOf({ domains: { localhost: "allow", "bad.test": "deny" } })

/** Marks an element, to tell later whether a refresh kept it or built another. */
const mark = (node: Element) => {
  ;(node as unknown as { kept?: boolean }).kept = true
}
const marked = (node: Element) => (node as unknown as { kept?: boolean }).kept === true

describe("web console in a browser: network decisions", () => {
  it("counts a proxied process's allowed and refused requests, and shows them newest first through refreshes", async () => {
    const owner = await RawWebSocketClient.connectReady(server.url)
    const script = `curl -s -o /dev/null -x "$HTTP_PROXY" http://localhost:${port}/; curl -s -o /dev/null -x "$HTTP_PROXY" http://bad.test/; sleep 30`
    const started = await owner.request("process/start", { processId: "proxied", argv: ["sh", "-c", script], env: {}, tty: false, networkProxy })
    expect(started.error).toBeUndefined()
    await owner.request("process/start", { processId: "unproxied", argv: ["sleep", "30"], env: {}, tty: false })
    const other = await RawWebSocketClient.connectReady(server.url)
    await other.request("process/start", { processId: "elsewhere", argv: ["sleep", "30"], env: {}, tty: false })

    context = await browser.newContext({ viewport: { width: 1200, height: 520 } })
    const page = await context.newPage()
    await logIn(page, server.url)
    const card = page.locator('li[data-process="proxied"]')
    const toggle = card.locator("[data-action=network]")
    await toggle.filter({ hasText: "1 allowed, 1 refused" }).waitFor()
    expect(await toggle.getAttribute("aria-expanded")).toBe("false")
    expect(await card.locator(".network").isVisible()).toBe(true)
    // Without a proxy, no network fact, in its session or another.
    for (const processId of ["unproxied", "elsewhere"]) {
      const plain = page.locator(`li[data-process="${processId}"]`)
      expect(await plain.locator(".network").textContent()).toBe("")
      expect(await plain.locator(".network").isHidden()).toBe(true)
      expect(await plain.locator("[data-action=network]").count()).toBe(0)
    }

    await toggle.click()
    const details = page.locator('[data-decisions="proxied"]')
    const decisions = details.locator("table.decisions tbody tr")
    await decisions.nth(1).waitFor()
    expect(await decisions.count()).toBe(2)
    const cells = (index: number) => decisions.nth(index).locator("td").allTextContents()
    // Newest first: the refusal, marked as one.
    const [time, decision, host, protocol, method, reason, source] = await cells(0)
    expect(time).toMatch(/^\d{2}:\d{2}:\d{2}$/)
    expect([decision, host, protocol, method, reason, source]).toEqual(["denied", "bad.test:80", "HTTP", "GET", "denied", "policy"])
    expect(await decisions.nth(0).getAttribute("class")).toBe("refused")
    expect((await cells(1)).slice(1)).toEqual(["allowed", `localhost:${port}`, "HTTP", "GET", "allow", "policy"])
    expect(await decisions.nth(1).getAttribute("class")).toBe("allowed")
    // The target says so on its stdout, which may come after the page.
    await expect.poll(() => reached).toBe(1)
    // The details sit in their process's card, after its actions.
    expect(await card.evaluate((element) => element.lastElementChild?.getAttribute("data-decisions"))).toBe("proxied")

    // Refreshed twice more: still expanded, the same card and button (focus and selection kept).
    await card.evaluate(mark)
    await toggle.evaluate(mark)
    await details.evaluate(mark)
    const refreshes = Number(await page.locator(".lists").getAttribute("data-refreshes"))
    await page.waitForFunction((count) => Number(document.querySelector(".lists")?.getAttribute("data-refreshes")) >= count + 2, refreshes)
    expect(await toggle.getAttribute("aria-expanded")).toBe("true")
    expect(await decisions.count()).toBe(2)
    for (const element of [card, toggle, details]) expect(await element.evaluate(marked)).toBe(true)
    // To look at the page: EXEC_SERVER_CONSOLE_SCREENSHOT=/tmp/console-network.png
    const screenshot = process.env.EXEC_SERVER_CONSOLE_SCREENSHOT
    if (screenshot !== undefined) {
      await page.mouse.move(0, 0) // no hover underline on the count
      await page.screenshot({ path: screenshot })
    }

    // Hidden again at once (no waiting for a refresh), and stays hidden.
    await toggle.click()
    expect(await details.count()).toBe(0)
    expect(await toggle.getAttribute("aria-expanded")).toBe("false")
    await page.waitForFunction((count) => Number(document.querySelector(".lists")?.getAttribute("data-refreshes")) >= count + 3, refreshes)
    expect(await details.count()).toBe(0)
    owner.socket.close()
    other.socket.close()
  })
})
