/**
 * Renders the screenshots of docs/CONSOLE.md: a server with --console, a
 * few clients' sessions (one detached), the lists page (also on a phone),
 * a shell and a watched process, in Debian's headless Chromium.
 *
 *   node scripts/console-screenshots.mjs [docs/images]
 */
import { execFileSync, spawn } from "node:child_process"
import { chromium } from "playwright-core"
import { WebSocket } from "ws"

const outdir = process.argv[2] ?? "docs/images"
const server = spawn("dist/cli/exec-server", ["--listen", "ws://127.0.0.1:0", "--console"], { stdio: ["ignore", "ignore", "pipe"] })
const url = await new Promise((resolve) => {
  let text = ""
  server.stderr.on("data", (chunk) => {
    text += chunk
    const match = /listening on (ws:\/\/\S+)/.exec(text)
    if (match) resolve(match[1])
  })
})

/** A client of the server: initialize, then requests. */
const client = async (clientName, detachTtlMs) => {
  const socket = new WebSocket(url)
  await new Promise((resolve) => socket.once("open", resolve))
  let id = 0
  const pending = new Map()
  socket.on("message", (data) => {
    const message = JSON.parse(String(data))
    pending.get(message.id)?.(message)
  })
  const request = (method, params) => new Promise((resolve) => {
    pending.set(++id, resolve)
    socket.send(JSON.stringify({ id, method, params }))
  })
  await request("initialize", { clientName, ...(detachTtlMs ? { detachTtlMs } : {}) })
  socket.send(JSON.stringify({ method: "initialized", params: {} }))
  return { request, close: () => socket.close() }
}

const agent = await client("codex-cli 0.169.0")
// Limited (a cgroup of its own, where the server has cgroups): their cards show memory and CPU time.
const limited = { resources: { memoryBytes: 512 * 1024 * 1024 } }
await agent.request("process/start", { processId: "build-1", argv: ["sh", "-c", "for i in $(seq 1 400); do echo \"compiling unit $i\"; sleep 0.05; done"], env: {}, tty: false, ...limited })
await agent.request("process/start", { processId: "tests-1", argv: ["sh", "-c", "echo running 12 tests; exit 1"], env: {}, tty: false, ...limited })
const leaver = await client("ide-terminal", 300_000)
await leaver.request("process/start", { processId: "vim-1", argv: ["top", "-b", "-d", "1"], env: {}, tty: true, size: { rows: 30, cols: 100 } })
leaver.close()

const link = execFileSync("dist/cli/exec-server", ["console-url", url], { encoding: "utf8" }).trim()
const browser = await chromium.launch({
  executablePath: "/usr/lib/chromium/chromium-headless-shell",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
})
const page = await browser.newPage({ viewport: { width: 1200, height: 560 } })
await page.goto(link)
await page.click("[data-testid=new-shell]")
await page.waitForFunction(() => window.consoleTerminal !== undefined)
await page.waitForTimeout(500)
await page.keyboard.type("ls --color=always -l /usr | head -12; echo $((6*7))\n")
await page.waitForTimeout(800)
await page.screenshot({ path: `${outdir}/console-shell.png` })
await page.goto(link.replace(/#.*/, "#/"))
await page.waitForSelector("section.session")
await page.waitForTimeout(2500)
await page.screenshot({ path: `${outdir}/console-sessions.png` })
await page.click('li[data-process="build-1"] [data-action=watch]')
await page.waitForTimeout(2000)
await page.screenshot({ path: `${outdir}/console-watch.png` })
// The lists on a phone: each process's actions under its facts.
const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })
await phone.goto(execFileSync("dist/cli/exec-server", ["console-url", url], { encoding: "utf8" }).trim())
await phone.waitForSelector("li.process")
await phone.waitForTimeout(1500)
await phone.screenshot({ path: `${outdir}/console-phone.png` })
await browser.close()
agent.close()
server.kill("SIGTERM")
