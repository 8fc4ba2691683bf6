/**
 * The web console in a real browser (Debian's headless Chromium, driven by
 * playwright-core) against a server on 127.0.0.1 in the test's process (the
 * page is the run's build: test/support/sourcesBuild.ts): logging in, the
 * refusals a browser meets, a shell, sizes, exits, a reload in the middle
 * of output, watching another client's process, attaching to a detached
 * session, a flood stopped by Ctrl-C, and output beyond what is retained.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import * as Http from "node:http"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import type { AddressInfo } from "node:net"
import type { Browser, BrowserContext, Page } from "playwright-core"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { launchBrowser, logIn, terminalLines, terminalShows, terminalSize } from "../support/browser.js"
import { linkSecret, originOf } from "../support/consoleLogin.js"
import { startCuttableProxy } from "../support/CuttableProxy.js"
import { type InProcessWebSocketServer, startInProcessWebSocketServer as startWebSocketServer } from "../support/InProcessServer.js"
import { eventually } from "../support/waiting.js"
import { httpRequest, RawWebSocketClient, upgradeStatus } from "../support/WebSocketClient.js"

let browser: Browser
let server: InProcessWebSocketServer
let contexts: Array<BrowserContext> = []
/** Where the shells of these tests leave files that say they are done. */
const markers = mkdtempSync(Path.join(tmpdir(), "exec-server-console-browser-"))

beforeAll(async () => {
  ;[browser, server] = await Promise.all([
    launchBrowser(),
    // A small retained ring, so a test can outrun it.
    startWebSocketServer(["--console", "--retained-output-bytes", String(1024 * 1024), "--allow-host", "insecure.test"])
  ])
})
afterAll(async () => {
  await browser?.close()
  await server?.stop()
  rmSync(markers, { recursive: true, force: true })
})
afterEach(async () => {
  await Promise.all(contexts.map((context) => context.close()))
  contexts = []
})

/** A page in a fresh browser context (its own cookies and storage). */
const newPage = async (viewport = { width: 1000, height: 600 }): Promise<Page> => {
  const context = await browser.newContext({ viewport })
  contexts.push(context)
  return context.newPage()
}

/** Opens a New shell and waits for its prompt. */
const newShell = async (page: Page): Promise<void> => {
  await page.click("[data-testid=new-shell]")
  await page.waitForFunction(() => (globalThis as unknown as { consoleTerminal?: unknown }).consoleTerminal !== undefined)
  await terminalShows(page, /[$#] ?$/m)
}

/** Makes the page believe its tab is hidden (or shown again), as a browser says it. */
const setHidden = (page: Page, hidden: boolean) =>
  page.evaluate(`(() => {
    Object.defineProperty(document, "hidden", { configurable: true, get: () => ${hidden} })
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "${hidden ? "hidden" : "visible"}" })
    document.dispatchEvent(new Event("visibilitychange"))
  })()`)

/** Types a line into the terminal. */
const typeLine = (page: Page, line: string) => page.keyboard.type(`${line}\n`)

describe("web console in a browser: login", () => {
  it("leaves no credential in the URL or the history, and a link works once", async () => {
    const page = await newPage()
    const secret = await logIn(page, server.url)
    expect(page.url()).toBe(`${originOf(server.url)}/console/`)
    const cdp = await page.context().newCDPSession(page)
    const { entries } = await cdp.send("Page.getNavigationHistory")
    expect(entries.map((entry) => entry.url).join(" ")).not.toContain(secret)
    expect(await page.evaluate("document.cookie")).toBe("") // HttpOnly: the page's script cannot read it

    const again = await newPage()
    await again.goto(`${originOf(server.url)}/console/#${secret}`)
    await again.waitForSelector("[data-testid=login-message]")
    expect(await again.textContent("[data-testid=login-message]")).toMatch(/cannot be used/)
    expect(again.url()).not.toContain(secret)
  })

  it("refuses another origin, a name the server does not know, and the cookie on the JSON-RPC endpoint", async () => {
    const page = await newPage()
    await logIn(page, server.url)
    const port = new URL(server.url).port
    // The console's own page may not use its cookie (nor its key) on `/`.
    const opens = (target: string) =>
      page.evaluate((url) =>
        new Promise<boolean>((resolve) => {
          const socket = new WebSocket(url, ["exec-server-console", `exec-server-console-key.${localStorage.getItem("exec-server-console-key")}`])
          socket.onopen = () => {
            socket.close()
            resolve(true)
          }
          socket.onerror = () => resolve(false)
        }), target)
    expect(await opens(`ws://127.0.0.1:${port}/console/ws`)).toBe(true)
    expect(await opens(`ws://127.0.0.1:${port}/`)).toBe(false)

    // Another origin on the same host (SameSite does not tell ports apart): the cookie goes, the Origin check refuses.
    const other = Http.createServer((_request, response) => response.end("<!doctype html><title>other</title>"))
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve))
    try {
      const otherPort = (other.address() as AddressInfo).port
      const sameBrowser = await page.context().newPage()
      await sameBrowser.goto(`http://127.0.0.1:${otherPort}/`)
      const fromOther = (target: string) =>
        sameBrowser.evaluate((url) =>
          new Promise<boolean>((resolve) => {
            const socket = new WebSocket(url)
            socket.onopen = () => resolve(true)
            socket.onerror = () => resolve(false)
          }), target)
      expect(await fromOther(`ws://127.0.0.1:${port}/console/ws`)).toBe(false)
      expect(await fromOther(`ws://127.0.0.1:${port}/`)).toBe(false)
    } finally {
      other.close()
    }
    expect(server.stderr()).toMatch(/console: origin http:\/\/127\.0\.0\.1:\d+ is not the console's/)

    // DNS rebinding: the server's address under another name is not served.
    const rebound = await page.context().newPage()
    const response = await rebound.goto(`http://rebound.test:${port}/console/`)
    expect(response?.status()).toBe(421)
  })

  it("binds a login to its server: two consoles on two ports stay logged in side by side, and the cookies another local web server receives open neither", async () => {
    const second = await startWebSocketServer(["--console"])
    const other = Http.createServer((request, response) => {
      received.push(request.headers.cookie ?? "")
      response.end("<!doctype html><title>other</title>")
    })
    const received: Array<string> = []
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve))
    try {
      const first = await newPage()
      await logIn(first, server.url)
      const secondPage = await first.context().newPage()
      await logIn(secondPage, second.url)
      // Another web server on this host, visited in the same browser: it is sent both consoles' cookies (cookies have no port).
      const otherPort = (other.address() as AddressInfo).port
      const visit = await first.context().newPage()
      await visit.goto(`http://127.0.0.1:${otherPort}/console/`)
      const stolen = received.at(-1)!
      expect(stolen).toMatch(/exec_server_console/)
      // Replayed with each console's own Origin, as a program can: neither opens.
      for (const url of [server.url, second.url]) {
        expect(await upgradeStatus(`${url}/console/ws`, { cookie: stolen, origin: originOf(url) })).toBe(401)
        expect((await httpRequest(url, "/console/session", { headers: { cookie: stolen } })).status).toBe(401)
      }
      // Each console has a cookie of its own name, so one login does not overwrite the other's.
      for (const url of [server.url, second.url]) expect(stolen).toContain(`exec_server_console_${new URL(url).port}=`)
      // Nor can the other server's page read either console's key: that lives in each console's own origin.
      expect(await visit.evaluate(() => localStorage.getItem("exec-server-console-key"))).toBeNull()
      // Both pages are still logged in, each to its own server: a shell runs in each.
      for (const page of [first, secondPage]) {
        await page.reload()
        await newShell(page)
        await typeLine(page, "echo $((40 + 2))")
        await terminalShows(page, /^42$/m)
      }
    } finally {
      other.close()
      await second.stop()
    }
  })
})

describe("web console in a browser: the end of a login", () => {
  it("says so when the server restarts, and after logging out", async () => {
    const own = await startWebSocketServer(["--console"])
    let restarted: InProcessWebSocketServer | undefined
    try {
      const page = await newPage()
      await logIn(page, own.url)
      await page.waitForSelector("section.session")
      await own.stop()
      restarted = await startWebSocketServer(["--console", "--listen", own.url])
      await page.waitForSelector("[data-testid=login-message]", { timeout: 15_000 })
      expect(await page.textContent("[data-testid=login-message]")).toMatch(/server restarted/)

      await logIn(page, restarted.url)
      await page.click("[data-testid=logout]")
      expect(await page.textContent("[data-testid=login-message]")).toBe("Logged out.")
      await page.reload()
      expect(await page.textContent("[data-testid=login-message]")).toBe("Not logged in.")
    } finally {
      await own.stop()
      await restarted?.stop()
    }
  })
})

describe("web console in a browser: a shell", () => {
  it("runs a New shell that computes 42", async () => {
    const page = await newPage()
    await logIn(page, server.url)
    await newShell(page)
    await typeLine(page, "echo $((6*7))")
    const lines = await terminalShows(page, /^42$/m)
    expect(lines.some((line) => line.includes("echo $((6*7))"))).toBe(true)
  })

  it("works from a name that is not a secure context (plain http, not localhost)", async () => {
    const page = await newPage()
    const { port } = new URL(server.url)
    await page.goto(`http://insecure.test:${port}/console/#${await linkSecret(server.url)}`)
    await page.waitForSelector("[data-testid=new-shell]")
    expect(await page.evaluate(() => (globalThis as unknown as { isSecureContext: boolean }).isSecureContext)).toBe(false)
    await newShell(page)
    await typeLine(page, "echo $((6*7))")
    await terminalShows(page, /^42$/m)
  })

  it("resizes the PTY with the viewport", async () => {
    const page = await newPage({ width: 1000, height: 600 })
    await logIn(page, server.url)
    await newShell(page)
    await typeLine(page, "echo cols=$(tput cols)")
    const before = await terminalSize(page)
    await terminalShows(page, new RegExp(`^cols=${before.cols}$`, "m"))
    await page.setViewportSize({ width: 640, height: 480 })
    await page.waitForFunction((cols) =>
      (globalThis as unknown as { consoleTerminal: { term: { cols: number } } }).consoleTerminal.term.cols < cols, before.cols)
    const after = await terminalSize(page)
    await typeLine(page, "echo cols=$(tput cols)")
    await terminalShows(page, new RegExp(`^cols=${after.cols}$`, "m"))
    expect(after.cols).toBeLessThan(before.cols)
  })

  it("shows an exit code and a SIGKILL where they happened", async () => {
    const page = await newPage()
    await logIn(page, server.url)
    await newShell(page)
    await typeLine(page, "exit 3")
    await terminalShows(page, /\[process exited with code 3\]/)
    await expect.poll(() => page.textContent("[data-testid=status]")).toBe("exited with code 3")

    await newShell(page)
    const processId = decodeURIComponent(page.url().split("/").at(-1)!)
    await page.goto(`${originOf(server.url)}/console/#/`)
    const row = page.locator(`li[data-process="${processId}"]`)
    await row.locator("select").selectOption("SIGKILL")
    await row.locator("[data-action=signal]").click()
    await page.locator(`li[data-process="${processId}"] .status.ended`).waitFor()
    expect(await row.locator(".status.ended").textContent()).toBe("killed by SIGKILL")
    await row.locator("[data-action=watch]").click()
    await terminalShows(page, /\[process killed by SIGKILL\]/)
  })

  it("keeps every line once through a reload in the middle of output", async () => {
    const page = await newPage()
    await logIn(page, server.url)
    await newShell(page)
    // The end waits for a line the test types after the reload: under load seq may be through before the
    // page shows its first lines, and the reload still comes before the end.
    await typeLine(page, "seq 1 100000; read go; echo done-$((1+1))")
    await terminalShows(page, /^\d{3,}$/m)
    await page.reload()
    await terminalShows(page, /^100000$/m, 60_000)
    await typeLine(page, "go")
    const lines = await terminalShows(page, /^done-2$/m, 60_000)
    const numbers = lines.filter((line) => /^\d+$/.test(line)).map(Number)
    // The scrollback holds the last 10,000 lines: those must run without a gap or a repeat up to the end.
    expect(numbers.length).toBeGreaterThan(5_000)
    expect(numbers.at(-1)).toBe(100_000)
    for (let i = 1; i < numbers.length; i++) expect(numbers[i]).toBe(numbers[i - 1]! + 1)
  }, 90_000)

  it("goes on from the last line shown when the connection drops, nothing lost or doubled", async () => {
    const proxy = await startCuttableProxy(server.url)
    try {
      const page = await newPage()
      // The page reaches the server through the proxy: its origin and Host are the proxy's.
      const secret = await linkSecret(server.url)
      await page.goto(`${originOf(proxy.url)}/console/#${secret}`)
      await page.waitForSelector("[data-testid=new-shell]")
      await newShell(page)
      await typeLine(page, "i=1; while [ $i -le 3000 ]; do echo line-$i; [ $((i % 30)) = 0 ] && sleep 0.02; i=$((i+1)); done; echo end-$((1+2))")
      await terminalShows(page, /^line-200$/m)
      await page.evaluate(() => {
        ;(globalThis as unknown as { consoleTerminal: { keptThroughTheCut?: boolean } }).consoleTerminal.keptThroughTheCut = true
      })
      proxy.cut()
      expect((await terminalLines(page)).includes("end-3")).toBe(false)
      const lines = await terminalShows(page, /^end-3$/m, 60_000)
      const numbers = lines.filter((line) => /^line-\d+$/.test(line)).map((line) => Number(line.slice(5)))
      expect(numbers).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1))
      expect(lines.filter((line) => line.includes("while [ $i -le 3000 ]")).length).toBe(1)
      // The same terminal went on: it was not built again.
      expect(await page.evaluate(() =>
        (globalThis as unknown as { consoleTerminal: { keptThroughTheCut?: boolean } }).consoleTerminal.keptThroughTheCut)).toBe(true)
      expect(proxy.accepted()).toBeGreaterThan(1)
    } finally {
      await proxy.close()
    }
  }, 90_000)

  it("lets a shell run on while the tab is hidden, and catches up when it is shown", async () => {
    const marker = Path.join(markers, `hidden-${Date.now()}`)
    const page = await newPage()
    await logIn(page, server.url)
    await newShell(page)
    await typeLine(page, `i=1; while [ $i -le 2000 ]; do echo v-$i; [ $((i % 50)) = 0 ] && sleep 0.02; i=$((i+1)); done; echo fin-$((3+4)); : > ${marker}`)
    await terminalShows(page, /^v-100$/m)
    await setHidden(page, true)
    expect(await eventually(() => existsSync(marker), 20_000)).toBe(true)
    // Hidden, nothing was drawn since: the end is not on the screen yet.
    expect((await terminalLines(page)).includes("fin-7")).toBe(false)
    await setHidden(page, false)
    const lines = await terminalShows(page, /^fin-7$/m)
    const numbers = lines.filter((line) => /^v-\d+$/.test(line)).map((line) => Number(line.slice(2)))
    expect(numbers).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1))
  })

  it("stops a flood with Ctrl-C, and the page's memory stays bounded", async () => {
    const page = await newPage()
    await logIn(page, server.url)
    await newShell(page)
    await typeLine(page, "yes flood")
    await terminalShows(page, /^flood$/m)
    // Let it run: the page acknowledges what xterm draws, so the server holds the rest back.
    await page.waitForTimeout(3_000)
    const cdp = await page.context().newCDPSession(page)
    const heap = await cdp.send("Runtime.getHeapUsage")
    expect(heap.usedSize).toBeLessThan(64 * 1024 * 1024)
    const interruptedAt = Date.now()
    await page.keyboard.press("Control+C")
    // Typed once the prompt is back, as a person does: typed ahead, the line is
    // echoed by the terminal where the flood stopped and the shell then reads it
    // without redrawing it, its output beside the prompt ("# after-4").
    await terminalShows(page, /[$#] ?$/m, 10_000)
    await typeLine(page, "echo after-$((2+2))")
    await terminalShows(page, /^after-4$/m, 10_000)
    const stoppedMs = Date.now() - interruptedAt
    expect(stoppedMs).toBeLessThan(5_000)
    process.stderr.write(`[console] yes stopped ${stoppedMs} ms after Ctrl-C; page heap ${(heap.usedSize / 1048576).toFixed(1)} MiB\n`)
  })
})

describe("web console in a browser: other sessions", () => {
  it("watches another client's process live, and ignores typing", async () => {
    const owner = await RawWebSocketClient.connectReady(server.url)
    await owner.request("process/start", { processId: "watched", argv: ["cat"], env: {}, tty: false, pipeStdin: true })
    const write = (text: string) => owner.request("process/write", { processId: "watched", chunk: Buffer.from(text).toString("base64") })
    await write("first line\n")
    const page = await newPage()
    await logIn(page, server.url)
    await page.locator('li[data-process="watched"] [data-action=watch]').first().click()
    await terminalShows(page, /^first line$/m)
    await write("second line\n")
    await terminalShows(page, /^second line$/m)
    await page.keyboard.type("typed by the watcher\n")
    await write("third line\n")
    await terminalShows(page, /^third line$/m)
    // The owner's own connection may hear it after the watcher's page shows it.
    await owner.outputContains("watched", "third line\n")
    expect(owner.outputOf("watched")).toBe("first line\nsecond line\nthird line\n")
    // Terminate from the lists: the owner sees its process end by SIGTERM.
    await page.goto(`${originOf(server.url)}/console/#/`)
    await page.locator('li[data-process="watched"] [data-action=terminate]').first().click()
    const exited = await owner.waitFor((m) => m.method === "process/exited" && m.params.processId === "watched")
    expect(exited.params.signal).toBe("SIGTERM")
    owner.socket.close()
  })

  it("keeps the lists' cards in place while they refresh: a chosen signal stays chosen, and is sent", async () => {
    const owner = await RawWebSocketClient.connectReady(server.url)
    await owner.request("process/start", { processId: "signalled", argv: ["sleep", "600"], env: {}, tty: false })
    const page = await newPage()
    await logIn(page, server.url)
    const row = page.locator('li[data-process="signalled"]').first()
    await row.locator("select").selectOption("SIGUSR1")
    // The card, and its pid (text an operator may have selected), are the same elements after refreshes.
    for (const element of [row, row.locator(".pid")]) {
      await element.evaluate((node) => {
        ;(node as unknown as { keptThroughRefreshes?: boolean }).keptThroughRefreshes = true
      })
    }
    const refreshes = async () => Number(await page.locator(".lists").getAttribute("data-refreshes"))
    const after = await refreshes()
    await page.waitForFunction((count) => Number(document.querySelector(".lists")?.getAttribute("data-refreshes")) >= count + 2, after)
    expect(await row.locator("select").inputValue()).toBe("SIGUSR1")
    expect(await row.locator(".pid").evaluate((node) => (node as unknown as { keptThroughRefreshes?: boolean }).keptThroughRefreshes)).toBe(true)
    await row.locator("[data-action=signal]").click()
    const exited = await owner.waitFor((m) => m.method === "process/exited" && m.params.processId === "signalled")
    expect(exited.params.signal).toBe("SIGUSR1")
    // The same row goes on, showing how it ended.
    await row.locator(".status.ended", { hasText: "killed by SIGUSR1" }).waitFor()
    expect(await row.evaluate((element) => (element as unknown as { keptThroughRefreshes?: boolean }).keptThroughRefreshes)).toBe(true)
    owner.socket.close()
  })

  it("attaches to a detached session's process", async () => {
    const owner = await RawWebSocketClient.connect(server.url)
    const init = await owner.request("initialize", { clientName: "detacher", detachTtlMs: 60_000 })
    owner.send({ method: "initialized", params: {} })
    await owner.request("process/start", { processId: "left-cat", argv: ["cat"], env: {}, tty: true })
    await owner.request("process/write", { processId: "left-cat", chunk: Buffer.from("before\n").toString("base64") })
    await owner.outputContains("left-cat", "before")
    owner.socket.close()
    const page = await newPage()
    await logIn(page, server.url)
    const session = page.locator(`section[data-session="${init.result.sessionId}"]`)
    await session.locator(".tag.detached").waitFor()
    await session.locator('li[data-process="left-cat"] [data-action=attach]').click()
    // Its retained output first, then what is typed now goes to cat and comes back.
    await terminalShows(page, /^before$/m)
    await typeLine(page, "from the browser")
    await terminalShows(page, /^from the browser\n(.*\n)?from the browser$/m)
  })

  it("takes an attached session over again after a dropped connection, from the last line shown, with what was typed meanwhile", async () => {
    const proxy = await startCuttableProxy(server.url)
    try {
      const owner = await RawWebSocketClient.connect(server.url)
      const init = await owner.request("initialize", { clientName: "dropper", detachTtlMs: 60_000 })
      owner.send({ method: "initialized", params: {} })
      await owner.request("process/start", { processId: "drop-cat", argv: ["cat"], env: {}, tty: true })
      owner.socket.close()
      const page = await newPage()
      await page.goto(`${originOf(proxy.url)}/console/#${await linkSecret(server.url)}`)
      const session = page.locator(`section[data-session="${init.result.sessionId}"]`)
      await session.locator(".tag.detached").waitFor()
      await session.locator('li[data-process="drop-cat"] [data-action=attach]').click()
      await page.waitForFunction(() => (globalThis as unknown as { consoleTerminal?: unknown }).consoleTerminal !== undefined)
      await typeLine(page, "before the cut")
      await terminalShows(page, /^before the cut\n(.*\n)?before the cut$/m)
      await page.evaluate(() => {
        ;(globalThis as unknown as { consoleTerminal: { keptThroughTheCut?: boolean } }).consoleTerminal.keptThroughTheCut = true
      })
      // Cut, and kept down while a line is typed: it goes once the terminal follows the process again.
      proxy.refuse(true)
      proxy.cut()
      await page.locator(".banner", { hasText: "reconnecting" }).waitFor()
      await typeLine(page, "typed while down")
      expect(await page.locator('[data-testid=terminal][data-connections="1"]').count()).toBe(1)
      proxy.refuse(false)
      await page.locator('[data-testid=terminal][data-connections="2"]').waitFor({ timeout: 15_000 })
      await terminalShows(page, /^typed while down\n(.*\n)?typed while down$/m)
      await typeLine(page, "after the cut")
      const lines = await terminalShows(page, /^after the cut\n(.*\n)?after the cut$/m)
      // Each once (the tty's echo and cat's copy): nothing replayed or typed twice.
      expect(lines.filter((line) => line === "before the cut").length).toBe(2)
      expect(lines.filter((line) => line === "typed while down").length).toBe(2)
      expect(lines.filter((line) => line === "after the cut").length).toBe(2)
      // The same terminal went on: it was not built again.
      expect(await page.evaluate(() =>
        (globalThis as unknown as { consoleTerminal: { keptThroughTheCut?: boolean } }).consoleTerminal.keptThroughTheCut)).toBe(true)
    } finally {
      await proxy.close()
    }
  })

  it("says when earlier output is no longer retained", async () => {
    // A ring of 256 KiB and 1 MB of output in lines of 100 bytes: what is retained fits the terminal's scrollback.
    const small = await startWebSocketServer(["--console", "--retained-output-bytes", String(256 * 1024)])
    try {
      const owner = await RawWebSocketClient.connectReady(small.url)
      const closed = owner.waitFor((m) => m.method === "process/closed" && m.params.processId === "long", 30_000)
      const script = "i=1; while [ $i -le 10000 ]; do printf '%06d %093d\\n' $i 0; i=$((i+1)); done"
      await owner.request("process/start", { processId: "long", argv: ["sh", "-c", script], env: {}, tty: false })
      await closed
      const page = await newPage()
      await logIn(page, small.url)
      await page.locator('li[data-process="long"] [data-action=watch]').first().click()
      const lines = await terminalShows(page, /\[process exited with code 0\]/, 30_000)
      expect(lines[0]).toBe("[earlier output is no longer retained by the server]")
      const numbers = lines.filter((line) => /^\d{6} 0+$/.test(line)).map((line) => Number(line.slice(0, 6)))
      expect(numbers.at(-1)).toBe(10_000)
      expect(numbers[0]).toBeGreaterThan(1)
      for (let i = 1; i < numbers.length; i++) expect(numbers[i]).toBe(numbers[i - 1]! + 1)
      owner.socket.close()
    } finally {
      await small.stop()
    }
  }, 90_000)
})
