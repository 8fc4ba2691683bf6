/**
 * Debian's headless Chromium driven by playwright-core (no browser
 * download): `chromium-headless-shell`, or `chromium`, or the executable
 * named by `EXEC_SERVER_CHROMIUM`. `.ci/run` installs the package.
 */
import { existsSync } from "node:fs"
import type { IBuffer } from "@xterm/xterm"
import { type Browser, chromium, type Page } from "playwright-core"
import { linkSecret, originOf } from "./consoleLogin.js"
import { WAIT_MS } from "./waiting.js"

const CANDIDATES = [
  process.env.EXEC_SERVER_CHROMIUM,
  "/usr/lib/chromium/chromium-headless-shell",
  "/usr/bin/chromium"
]

/** The browser's executable; a missing one is a clear failure, not a skipped test. */
export const chromiumPath = (): string => {
  const found = CANDIDATES.find((path) => path !== undefined && existsSync(path))
  if (found === undefined) {
    throw new Error("no Chromium: apt-get install chromium-headless-shell (or set EXEC_SERVER_CHROMIUM)")
  }
  return found
}

/**
 * A headless Chromium where `rebound.test` (a name the server does not know:
 * DNS rebinding) and `insecure.test` (one it is told to allow: a page over
 * plain http from it is not a secure context) resolve to 127.0.0.1.
 */
export const launchBrowser = (): Promise<Browser> =>
  chromium.launch({
    executablePath: chromiumPath(),
    args: [
      // As root the sandbox must be off; the machine has no network for the rest.
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--host-resolver-rules=MAP rebound.test 127.0.0.1, MAP insecure.test 127.0.0.1"
    ]
  })

/** Opens a fresh login link in `page` and waits for the console. */
export const logIn = async (page: Page, serverUrl: string): Promise<string> => {
  const secret = await linkSecret(serverUrl)
  await page.goto(`${originOf(serverUrl)}/console/#${secret}`)
  await page.waitForSelector("[data-testid=new-shell]")
  return secret
}

/** The lines of the terminal the page shows, read through xterm's buffer API (trailing spaces and empty lines dropped). */
export const terminalLines = (page: Page): Promise<Array<string>> =>
  page.evaluate(() => {
    const view = (globalThis as unknown as { consoleTerminal?: { term: { buffer: { active: IBuffer } } } }).consoleTerminal
    if (view === undefined) return []
    const buffer = view.term.buffer.active
    const lines: Array<string> = []
    for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? "")
    while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop()
    return lines
  })

/** Waits until the terminal's text matches. */
export const terminalShows = async (page: Page, pattern: RegExp, timeoutMs = WAIT_MS): Promise<Array<string>> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const lines = await terminalLines(page)
    if (pattern.test(lines.join("\n"))) return lines
    if (Date.now() > deadline) throw new Error(`the terminal never showed ${pattern}:\n${lines.slice(-20).join("\n")}`)
    await page.waitForTimeout(50)
  }
}

/** The terminal's size in cells. */
export const terminalSize = (page: Page): Promise<{ cols: number; rows: number }> =>
  page.evaluate(() => {
    const term = (globalThis as unknown as { consoleTerminal: { term: { cols: number; rows: number } } }).consoleTerminal.term
    return { cols: term.cols, rows: term.rows }
  })
