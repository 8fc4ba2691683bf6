/**
 * The web console in a real browser (as console.test.ts) against hostile
 * data: a client whose name, process ids and command lines carry markup,
 * bidi overrides, zero-width and control characters and 100,000 characters,
 * and processes whose output is aimed at the viewer (links to dangerous
 * schemes, clipboard writes, titles, queries the terminal answers, counts
 * that would hold the page's thread, a 10 MB line). Every page is trapped:
 * a script that runs sets `window.__pwned`, and dialogs, new pages, page
 * errors, CSP refusals and clipboard writes are recorded.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import type { Browser, BrowserContext, Page } from "playwright-core"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { launchBrowser, logIn, terminalLines, terminalShows, terminalSize } from "../support/browser.js"
import { originOf } from "../support/consoleLogin.js"
import { launchOf } from "../support/networkProxy.js"
import { eventually } from "../support/waiting.js"
import { type InProcessWebSocketServer, startInProcessWebSocketServer } from "../support/InProcessServer.js"
import { RawWebSocketClient } from "../support/WebSocketClient.js"

let browser: Browser
let server: InProcessWebSocketServer
let contexts: Array<BrowserContext> = []
let clients: Array<RawWebSocketClient> = []
const files = mkdtempSync(Path.join(tmpdir(), "exec-server-console-hostile-"))

beforeAll(async () => {
  ;[browser, server] = await Promise.all([launchBrowser(), startInProcessWebSocketServer(["--console"])])
})
afterAll(async () => {
  await browser?.close()
  await server?.stop()
  rmSync(files, { recursive: true, force: true })
})
afterEach(async () => {
  for (const client of clients) client.socket.close()
  clients = []
  await Promise.all(contexts.map((context) => context.close()))
  contexts = []
})

const ESC = "\x1b"
/** Markup that runs a script wherever it is parsed as HTML (or followed as a link). */
const MARKUP = `<script>window.__pwned="script"</script><img src=x onerror="window.__pwned='img'">"'>` +
  `<svg/onload=window.__pwned='svg'><a href="javascript:window.__pwned='href'">x</a>`
/** Markup short enough for one line of a terminal. */
const OUTPUT_MARKUP = `<img src=x onerror="window.__pwned='output'">`
/** What the page must never draw as is: a character that shows nothing or turns the text around it. */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u

/** In the page, before its own script: clipboard writes recorded instead of made. */
const trapClipboard = () => {
  const writes: Array<string> = []
  ;(window as unknown as { __clipboardWrites: Array<string> }).__clipboardWrites = writes
  if (navigator.clipboard !== undefined) {
    navigator.clipboard.writeText = (text: string) => Promise.resolve(void writes.push(`writeText ${text}`))
    navigator.clipboard.write = () => Promise.resolve(void writes.push("write"))
  }
  const execCommand = document.execCommand.bind(document)
  document.execCommand = (command: string, ...rest: Array<never>) => {
    if (/^(copy|cut)$/i.test(command)) writes.push(`execCommand ${command}`)
    return execCommand(command, ...rest)
  }
  document.addEventListener("copy", () => writes.push("copy event"), true)
}

/** A trapped page in a fresh browser context, and what it has met: dialogs, new pages, page errors, CSP refusals. */
const newPage = async (): Promise<{ readonly page: Page; readonly met: Array<string> }> => {
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 } })
  contexts.push(context)
  await context.addInitScript(trapClipboard)
  const met: Array<string> = []
  const page = await context.newPage()
  context.on("page", (opened) => met.push(`page ${opened.url()}`))
  page.on("dialog", (dialog) => {
    met.push(`${dialog.type()}: ${dialog.message()}`)
    void dialog.dismiss()
  })
  page.on("pageerror", (error) => met.push(`error: ${error.message}`))
  page.on("console", (message) => {
    if (/Content Security Policy/.test(message.text())) met.push(`csp: ${message.text()}`)
  })
  return { page, met }
}

/** Whether a script of the attacker's ran, and what the clipboard was asked to take. */
const pwned = (page: Page) => page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)
const clipboardWrites = (page: Page) => page.evaluate(() => (window as unknown as { __clipboardWrites: Array<string> }).__clipboardWrites)

/** A client of the JSON-RPC endpoint that names itself `clientName`, its session kept 60 s when it leaves. */
const hostileClient = async (clientName: string): Promise<RawWebSocketClient> => {
  const client = await RawWebSocketClient.connect(server.url)
  clients.push(client)
  const init = await client.requestUnchecked("initialize", { clientName, detachTtlMs: 60_000 })
  expect(init.error).toBeUndefined()
  client.send({ method: "initialized", params: {} })
  return client
}

const start = async (client: RawWebSocketClient, params: Record<string, unknown>): Promise<void> => {
  const answer = await client.requestUnchecked("process/start", { env: {}, tty: false, ...params })
  expect(answer.error).toBeUndefined()
}

/** What a process's card (found by its id, whatever it holds) shows in `selector`: its text and marks of hidden characters, and the card's height. */
const cardPart = (page: Page, processId: string, selector: string) =>
  page.evaluate(([id, part]) => {
    const card = Array.from(document.querySelectorAll<HTMLElement>("li.process")).find((element) => element.dataset.process === id)
    const element = card?.querySelector<HTMLElement>(part)
    if (card === undefined || element === null || element === undefined) return undefined
    const box = card.getBoundingClientRect()
    return {
      text: element.textContent ?? "",
      marks: Array.from(element.querySelectorAll(".hidden-char")).map((mark) => mark.textContent),
      cardHeight: box.height
    }
  }, [processId, selector] as const)

const screenshot = async (page: Page, name: string) => {
  const dir = process.env.EXEC_SERVER_SCREENSHOTS
  if (dir !== undefined) await page.screenshot({ path: Path.join(dir, `console-hostile-${name}.png`) })
}

/** The text a process's session block draws, its text nodes joined (what is drawn, whatever its CSS). */
const drawnText = (page: Page, processId: string) =>
  page.locator("section.session").filter({ has: page.locator(`li[data-process="${processId}"]`) }).evaluate((element) => {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT)
    const texts: Array<string> = []
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) texts.push(node.textContent ?? "")
    return texts.join("")
  })

describe("web console in a browser: hostile names", () => {
  it("shows markup in a client's name, ids and command lines as text, and every hidden character (bidi override, zero-width, NUL, ESC) as its code point", async () => {
    const cwd = Path.join(files, `${MARKUP.replaceAll("/", "|")}CWD-MARKER`)
    mkdirSync(cwd)
    const owner = await hostileClient(`${MARKUP}\u202Eevil`)
    await start(owner, {
      processId: MARKUP,
      argv: ["sleep", "600", MARKUP],
      cwd,
      env: { [`HOSTILE_${MARKUP.replace(/=/g, "")}`]: `${MARKUP}ENV-MARKER` }
    })
    // Reads "bidiexe.png" and "safe rm -rf" unless the overrides show.
    await start(owner, { processId: "bidi\u202Egnp.exe", argv: ["sh", "-c", "sleep 600", "safe \u202Efr- mr\u202C", "zero\u200Bwidth\uFEFF"] })
    await start(owner, { processId: "ctl\u0000\u0001\u0007\u001b[31mred\u0085\u2028", argv: ["sleep", "600"] })
    await start(owner, { processId: "plain", argv: ["sh", "-c", "echo plain-output; sleep 600"] })

    const { met, page } = await newPage()
    await logIn(page, server.url)
    await page.locator('li[data-process="plain"]').waitFor()
    await screenshot(page, "names")

    // Nothing ran, nothing was parsed as markup, nothing the server was not asked for is drawn (cwd, env).
    expect(await pwned(page)).toBeUndefined()
    expect(met).toEqual([])
    expect(await page.locator("#app img, #app svg, #app script, #app iframe, .lists a:not([data-action])").count()).toBe(0)
    expect(await page.locator(".lists").innerText()).not.toMatch(/CWD-MARKER|ENV-MARKER/)
    // Every character drawn is visible: the hidden ones are marks, their code points.
    expect(await drawnText(page, "plain")).not.toMatch(HIDDEN)
    expect(await page.locator("section.session h2 .client").filter({ hasText: "evil" }).textContent()).toBe(`${MARKUP}U+202Eevil`)
    expect(await cardPart(page, MARKUP, "code.id")).toMatchObject({ text: MARKUP, marks: [] })
    expect(await cardPart(page, "bidi\u202Egnp.exe", "code.id")).toMatchObject({ text: "bidiU+202Egnp.exe", marks: ["U+202E"] })
    expect(await cardPart(page, "bidi\u202Egnp.exe", "code.argv")).toMatchObject({
      text: "sh -c sleep 600 safe U+202Efr- mrU+202C zeroU+200BwidthU+FEFF",
      marks: ["U+202E", "U+202C", "U+200B", "U+FEFF"]
    })
    expect(await cardPart(page, "ctl\u0000\u0001\u0007\u001b[31mred\u0085\u2028", "code.id")).toMatchObject({
      text: "ctlU+0000U+0001U+0007U+001B[31mredU+0085U+2028",
      marks: ["U+0000", "U+0001", "U+0007", "U+001B", "U+0085", "U+2028"]
    })

    // The page goes on: another process of the session is watched.
    await page.locator('li[data-process="plain"] [data-action=watch]').click()
    await terminalShows(page, /^plain-output$/m)
    expect(await pwned(page)).toBeUndefined()
    expect(met).toEqual([])
  })

  it("cuts a client's name, a process id and an argument of 100,000 characters, the rest counted, nothing out of its card", async () => {
    const owner = await hostileClient("N".repeat(100_000))
    await start(owner, { processId: "L".repeat(100_000), argv: ["sleep", "600", "A".repeat(100_000)] })
    await start(owner, { processId: "short", argv: ["sh", "-c", "echo short-output; sleep 600"] })

    const { met, page } = await newPage()
    await logIn(page, server.url)
    await page.locator('li[data-process="short"]').waitFor()
    await screenshot(page, "long-names")
    const long = await cardPart(page, "L".repeat(100_000), "code.id")
    expect(long?.text).toBe(`${"L".repeat(200)}… (99800 more characters)`)
    // A few lines high, not thousands: the next process is on the screen.
    expect(long?.cardHeight).toBeLessThan(300)
    expect(await page.locator('li[data-process="short"]').isVisible()).toBe(true)
    expect((await cardPart(page, "L".repeat(100_000), "code.argv"))?.text).toBe(`sleep 600 ${"A".repeat(1000)}… (99000 more characters)`)
    const heading = await page.locator("section.session").filter({ has: page.locator('li[data-process="short"]') }).evaluate((element) => {
      const name = element.querySelector("h2 .client")!
      return { overflow: name.getBoundingClientRect().right - element.getBoundingClientRect().right, text: name.textContent }
    })
    expect(heading).toEqual({ overflow: expect.any(Number), text: `${"N".repeat(200)}… (99800 more characters)` })
    expect(heading.overflow).toBeLessThanOrEqual(0)
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true)
    await page.locator('li[data-process="short"] [data-action=watch]').click()
    await terminalShows(page, /^short-output$/m)
    expect(met).toEqual([])
  })
})

describe("web console in a browser: hostile network decisions", () => {
  it("shows a host name a process asked its SOCKS5 proxy for (markup, ESC, NUL) as text with its hidden characters marked", async () => {
    // SOCKS5 takes a host name as raw bytes: this one is markup, an escape sequence and a NUL.
    const asker = [
      "import os, socket, struct, urllib.parse",
      "u = urllib.parse.urlsplit(os.environ['ALL_PROXY'])",
      "s = socket.create_connection((u.hostname, u.port))",
      "s.sendall(b'\\x05\\x01\\x02'); s.recv(2)",
      "user, password = urllib.parse.unquote(u.username).encode(), urllib.parse.unquote(u.password).encode()",
      "s.sendall(bytes([1, len(user)]) + user + bytes([len(password)]) + password); s.recv(2)",
      "host = b\"<img src=x onerror=window.__pwned='host'>\\x1b[31m\\x00.test\"",
      "s.sendall(b'\\x05\\x01\\x00\\x03' + bytes([len(host)]) + host + struct.pack('>H', 443)); print('answered', s.recv(10)[1], flush=True)"
    ].join("\n")
    const owner = await hostileClient("socks")
    const networkProxy = launchOf({ enableSocks5: true, domains: { "allowed.test": "allow" } })
    await start(owner, { processId: "socks", argv: ["python3", "-c", `${asker}\nimport time; time.sleep(600)`], networkProxy })
    await owner.outputContains("socks", "answered")

    const { met, page } = await newPage()
    await logIn(page, server.url)
    const card = page.locator('li[data-process="socks"]')
    await card.locator("[data-action=network]").filter({ hasText: "1 refused" }).click()
    const host = card.locator("table.decisions tbody tr td.host")
    await host.waitFor()
    expect(await host.textContent()).toBe("<img src=x onerror=window.__pwned='host'>U+001B[31mU+0000.test:443")
    expect(await host.locator(".hidden-char").allTextContents()).toEqual(["U+001B", "U+0000"])
    expect(await page.locator("#app img").count()).toBe(0)
    expect(await pwned(page)).toBeUndefined()
    expect(met).toEqual([])
  })
})

describe("web console in a browser: output aimed at the viewer", () => {
  it("draws links to javascript: and file: as text, opens an https link only when the user confirms its address, writes no clipboard or title", async () => {
    const output = `${OUTPUT_MARKUP}\r\n` +
      `links ${ESC}]8;;javascript:window.__pwned='osc8'${ESC}\\CLICK-JS${ESC}]8;;${ESC}\\ ` +
      `${ESC}]8;;file:///etc/passwd${ESC}\\CLICK-FILE${ESC}]8;;${ESC}\\ ` +
      `${ESC}]8;;https://example.invalid/${ESC}\\CLICK-HTTPS${ESC}]8;;${ESC}\\\r\n` +
      // A clipboard write, window titles with markup, a sixel image (DCS), a cursor far out, bracketed paste, the alternate screen.
      `${ESC}]52;c;${Buffer.from("rm -rf ~\n").toString("base64")}\x07${ESC}]0;<img src=x onerror=window.__pwned='title'>\x07` +
      `${ESC}]2;${MARKUP}${ESC}\\${ESC}Pq#0;2;0;0;0#1;2;100;100;0#1~~@@vv@@~~$-${ESC}\\` +
      `${ESC}[2147483647;2147483647H${ESC}[2;1H${ESC}[?2004h${ESC}[?1049halternate${ESC}[?1049l\r\nend-of-output\r\n`
    writeFileSync(Path.join(files, "viewer.bin"), output)
    const owner = await hostileClient("viewer")
    await start(owner, { processId: "viewer", argv: ["sh", "-c", "cat viewer.bin; sleep 600"], cwd: files, tty: true })

    const { met, page } = await newPage()
    await logIn(page, server.url)
    await page.locator('li[data-process="viewer"] [data-action=watch]').click()
    const lines = await terminalShows(page, /^end-of-output$/m)
    expect(lines.slice(0, 3)).toEqual([OUTPUT_MARKUP, "links CLICK-JS CLICK-FILE CLICK-HTTPS", "end-of-output"])
    await screenshot(page, "viewer")

    // Over each word, then clicked: only the https one is a link (a pointer), and it asks first, naming its address.
    const screen = (await page.locator(".xterm-screen").boundingBox())!
    const { cols, rows } = await terminalSize(page)
    const at = (column: number) => ({ x: screen.x + (column + 0.5) * (screen.width / cols), y: screen.y + 1.5 * (screen.height / rows) })
    const cursors: Array<string> = []
    for (const column of ["links ".length + 2, "links CLICK-JS ".length + 2, "links CLICK-JS CLICK-FILE ".length + 2]) {
      await page.mouse.move(at(column).x, at(column).y)
      // xterm finds links on hover, after the mouse stops: the last word is one once its cursor is a pointer.
      if (cursors.length === 2) await page.waitForFunction(() => getComputedStyle(document.querySelector(".xterm-screen")!).cursor === "pointer")
      cursors.push(await page.evaluate(() => getComputedStyle(document.querySelector(".xterm-screen")!).cursor))
      await page.mouse.click(at(column).x, at(column).y)
    }
    expect(cursors.slice(0, 2)).not.toContain("pointer")
    await expect.poll(() => met.length).toBe(1)
    expect(met).toEqual(["confirm: Do you want to navigate to https://example.invalid/?\n\nWARNING: This link could potentially be dangerous"])
    expect(page.context().pages()).toHaveLength(1)
    expect(await page.title()).toBe("exec-server console")
    expect(await clipboardWrites(page)).toEqual([])
    expect(await pwned(page)).toBeUndefined()
    expect(await page.locator("#app img, #app svg").count()).toBe(0)
  })

  it("types no answer to the queries of replayed output into the process, only what the user types, and answers live ones", async () => {
    // Device attributes (primary, secondary), status and cursor reports, DECRQSS, a colour query, a mode query.
    writeFileSync(
      Path.join(files, "queries.bin"),
      `queries${ESC}[c${ESC}[>c${ESC}[5n${ESC}[6n${ESC}P$qm${ESC}\\${ESC}]11;?\x07${ESC}[?1$p ready\r\n`
    )
    const typed = (name: string) => {
      const path = Path.join(files, name)
      return existsSync(path) ? readFileSync(path, "latin1") : undefined
    }
    // Raw, so every byte the terminal sends reaches the process at once: the first goes to typed1, then a live query, the rest to typed2.
    const script = "stty raw -echo; cat queries.bin; dd bs=1 count=1 of=typed1.bin 2>/dev/null; printf '\\033[c'; exec cat > typed2.bin"
    const owner = await hostileClient("asker")
    await start(owner, { processId: "asker", argv: ["sh", "-c", script], cwd: files, tty: true })
    await owner.outputContains("asker", "ready")
    // Its client leaves: the session waits, detached, with the queries in its retained output.
    owner.socket.close()

    const { met, page } = await newPage()
    await logIn(page, server.url)
    const card = page.locator('li[data-process="asker"]')
    await card.locator("[data-action=watch]").click()
    await terminalShows(page, /ready$/m)
    await page.goto(`${originOf(server.url)}/console/#/`)
    // The watch view's terminal is gone: the next one shown is the attached one.
    await page.evaluate(() => delete (globalThis as unknown as { consoleTerminal?: unknown }).consoleTerminal)
    await card.locator("[data-action=attach]").click()
    await terminalShows(page, /ready$/m)
    await page.keyboard.type("x")
    expect(await eventually(() => typed("typed1.bin") !== undefined && typed("typed2.bin") !== undefined, 15_000)).toBe(true)
    expect(typed("typed1.bin")).toBe("x")
    // The query the process makes now, live, is answered, as any terminal does; then what the user types.
    expect(await eventually(() => typed("typed2.bin") === `${ESC}[?1;2c`, 15_000)).toBe(true)
    await page.keyboard.type("y")
    expect(await eventually(() => typed("typed2.bin") === `${ESC}[?1;2cy`, 15_000)).toBe(true)
    expect(met).toEqual([])
  })

  it("ignores counts beyond the screen (REP, scrolls, inserted lines, tabs) and stays responsive", async () => {
    const counts = `x${ESC}[99999999b${ESC}[2147483647S${ESC}[2147483647T${ESC}[2147483647L${ESC}[2147483647M${ESC}[2147483647I${ESC}[2147483647Z`
    writeFileSync(Path.join(files, "counts.bin"), `before\n${counts}\nafter-counts\n`)
    const owner = await hostileClient("counter")
    await start(owner, { processId: "counter", argv: ["sh", "-c", "cat counts.bin; sleep 600"], cwd: files })
    await start(owner, { processId: "neighbour", argv: ["sleep", "600"] })
    await owner.outputContains("counter", "after-counts")

    const { met, page } = await newPage()
    await logIn(page, server.url)
    await page.locator('li[data-process="counter"] [data-action=watch]').click()
    await terminalShows(page, /^after-counts$/m)
    expect(await terminalLines(page)).toEqual(["before", "x", "after-counts"])
    // Responsive: the lists come back, with the other process.
    await page.goto(`${originOf(server.url)}/console/#/`)
    await page.locator('li[data-process="neighbour"]').waitFor()
    expect(met).toEqual([])
  })

  it("shows a 10 MB line and the output after it, the page's heap bounded", async () => {
    const owner = await hostileClient("liner")
    const script = "read go; head -c 10000000 /dev/zero | tr '\\0' x; printf '\\nafter-the-line\\n'; sleep 600"
    await start(owner, { processId: "liner", argv: ["sh", "-c", script], pipeStdin: true })
    const { met, page } = await newPage()
    await logIn(page, server.url)
    await page.locator('li[data-process="liner"] [data-action=watch]').click()
    await page.waitForFunction(() => (globalThis as unknown as { consoleTerminal?: unknown }).consoleTerminal !== undefined)
    await owner.request("process/write", { processId: "liner", chunk: Buffer.from("go\n").toString("base64") })
    await terminalShows(page, /^after-the-line$/m, 120_000)
    const cdp = await page.context().newCDPSession(page)
    const heap = await cdp.send("Runtime.getHeapUsage")
    expect(heap.usedSize).toBeLessThan(64 * 1024 * 1024)
    expect(met).toEqual([])
  }, 180_000)
})
