/**
 * Side by side with the reference: the same requests to this server and to
 * `codex exec-server` 0.169 (when installed: CODEX_BIN, or
 * /opt/codex/node_modules/.bin/codex), on the same temporary tree, and the
 * shape of each answer compared (keys and value types; values too where they
 * do not depend on the server). Without the reference it prints our answers.
 * Run: npx tsx scratch/compare-reference.ts
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from "node:child_process"
import * as Http from "node:http"
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { ClientTransport } from "../src/index.js"

interface Server {
  readonly request: (method: string, params?: unknown) => Promise<unknown>
  readonly stop: () => void
}

const startServer = (command: string, args: ReadonlyArray<string>): Promise<Server> =>
  new Promise((resolve) => {
    const child: ChildProcessWithoutNullStreams = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] })
    child.stderr.resume()
    const waiting = new Map<number, (answer: unknown) => void>()
    let buffer = ""
    let nextId = 1
    child.stdout.setEncoding("utf8")
    child.stdout.on("data", (text: string) => {
      buffer += text
      for (let end = buffer.indexOf("\n"); end !== -1; end = buffer.indexOf("\n")) {
        const message = JSON.parse(buffer.slice(0, end)) as { id?: number; result?: unknown; error?: unknown }
        buffer = buffer.slice(end + 1)
        if (typeof message.id === "number") waiting.get(message.id)?.(message.error !== undefined ? { error: message.error } : message.result)
      }
    })
    const request = (method: string, params?: unknown) =>
      new Promise<unknown>((answer) => {
        const id = nextId++
        waiting.set(id, answer)
        child.stdin.write(JSON.stringify({ id, method, ...(params === undefined ? {} : { params }) }) + "\n")
      })
    void request("initialize", { clientName: "compare" }).then(() => {
      child.stdin.write(JSON.stringify({ method: "initialized", params: {} }) + "\n")
      resolve({ request, stop: () => child.kill("SIGKILL") })
    })
  })

/** The shape of a value: its keys and the types of its leaves; arrays by their first element. */
const shapeOf = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.length === 0 ? "[]" : [shapeOf(value[0])]
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, shapeOf((value as Record<string, unknown>)[key])]))
  }
  return value === null ? "null" : typeof value
}

// A tree like the one the reference was probed on: hidden entries, links, a loop, a FIFO.
const root = realpathSync(mkdtempSync(Path.join(tmpdir(), "compare-reference-")))
for (const dir of [".hidden/inner", "a/b/c", "z"]) mkdirSync(Path.join(root, dir), { recursive: true })
for (const file of [".hf", "B.txt", "a/f1", "a/b/f2", "top.txt"]) writeFileSync(Path.join(root, file), "hello")
symlinkSync(root, Path.join(root, "z/loop"))
symlinkSync(Path.join(root, "a"), Path.join(root, "linkdir"))
symlinkSync(Path.join(root, "nonexist"), Path.join(root, "dangling"))
execFileSync("mkfifo", [Path.join(root, "fifo")])
const uri = (path: string) => pathToFileURL(Path.join(root, path)).href
const walkOptions = { maxDepth: 64, maxDirectories: 100, maxEntries: 1000, followDirectorySymlinks: true }

/** Requests whose answers must match the reference's whole, not only in shape. */
const sameValue = new Set(["fs/watchMissing", "fs/watchMissing stale", "fs/walk", "fs/walk links", "fs/canonicalize", "fs/readBlock"])
/** Fields the reference may leave out, which this server does leave out. */
const optional = new Set([
  "providerId",
  "prependPathDirs",
  "linuxRootWritePreservesDevices",
  "linuxApprovedRootWritePreservesRestrictions"
])

/** Whether `ours` has every field of `theirs` (but the optional ones), with the same shape, at every level. */
const covers = (ours: unknown, theirs: unknown): boolean => {
  if (theirs === null || typeof theirs !== "object" || Array.isArray(theirs)) return JSON.stringify(ours) === JSON.stringify(theirs)
  if (ours === null || typeof ours !== "object") return false
  return Object.entries(theirs).every(([key, shape]) =>
    optional.has(key) || covers((ours as Record<string, unknown>)[key], shape))
}
const requests: Array<readonly [string, string, unknown]> = [
  ["environment/info", "environment/info", {}],
  ["environment/status", "environment/status", {}],
  ["fs/canonicalize", "fs/canonicalize", { path: uri("linkdir/b/../f1") }],
  ["fs/walk", "fs/walk", { path: uri(""), options: walkOptions }],
  ["fs/walk links", "fs/walk", { path: uri(""), options: { ...walkOptions, followDirectorySymlinks: false, pruneHiddenDirectories: true } }],
  ["fs/walk limits", "fs/walk", { path: uri(""), options: { ...walkOptions, maxEntries: 0 } }],
  ["fs/open", "fs/open", { handleId: "h", path: uri("top.txt") }],
  ["fs/readBlock", "fs/readBlock", { handleId: "h", offset: 1, len: 3 }],
  ["fs/close", "fs/close", { handleId: "h" }],
  ["fs/open replace", "fs/open", { handleId: "w", path: uri("written.txt"), mode: "replace" }],
  ["fs/writeBlock", "fs/writeBlock", { handleId: "w", offset: 0, chunk: Buffer.from("abc").toString("base64") }],
  ["fs/close replace", "fs/close", { handleId: "w" }],
  ["fs/watchMissing", "fs/watchMissing", { watchId: 1, missing: [uri("nonexist")], present: uri("top.txt") }],
  ["fs/watchMissing stale", "fs/watchMissing", { watchId: 1, missing: [uri("nonexist")] }],
  ["fs/getMetadata missing", "fs/getMetadata", { path: uri("nonexist") }],
  ["process/start", "process/start", { processId: "p", argv: ["true"], cwd: pathToFileURL(root).href, env: {}, tty: false }]
]

const main = async () => {
  // An HTTP server for http/request: a body, and a redirect to it.
  const upstream = Http.createServer((request, response) => {
    if (request.url === "/moved") response.writeHead(302, { location: "/body" }).end()
    else response.writeHead(200, { "content-type": "text/plain", "x-fixed": "1" }).end("hello")
  })
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve))
  const base = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`
  requests.push(
    ["http/request", "http/request", { method: "GET", url: `${base}/moved`, requestId: "r1" }],
    ["http/request stop", "http/request", { method: "GET", url: `${base}/moved`, requestId: "r2", redirectPolicy: "stop" }],
    ["http/request bad scheme", "http/request", { method: "GET", url: "ftp://x/", requestId: "r3" }]
  )
  const reference = process.env.CODEX_BIN ?? "/opt/codex/node_modules/.bin/codex"
  const [node, ...args] = ClientTransport.localServerCommand()
  const ours = await startServer(node!, args)
  const theirs = existsSync(reference) ? await startServer(reference, ["exec-server", "--listen", "stdio://"]) : undefined
  let differences = 0
  for (const [label, method, params] of requests) {
    const a = await ours.request(method, params)
    if (theirs === undefined) {
      console.log(`${label}: ${JSON.stringify(a).slice(0, 160)}`)
      continue
    }
    const b = await theirs.request(method, params)
    const errorCode = (answer: unknown) => (answer as { error?: { code?: number } }).error?.code
    const same = errorCode(b) !== undefined
      // An error: the same code (the messages are each server's own).
      ? errorCode(a) === errorCode(b)
      : sameValue.has(label)
      ? JSON.stringify(a) === JSON.stringify(b)
      // Ours may add fields of its own: every field of the reference's answer must be there, with its type.
      : covers(shapeOf(a), shapeOf(b))
    if (!same) differences++
    console.log(`${same ? "same " : "DIFF "} ${label}`)
    if (!same) console.log(`  ours:      ${JSON.stringify(a).slice(0, 400)}\n  reference: ${JSON.stringify(b).slice(0, 400)}`)
  }
  ours.stop()
  theirs?.stop()
  upstream.close()
  rmSync(root, { recursive: true, force: true })
  if (theirs === undefined) console.log("(the reference is not installed: only our answers are shown)")
  else console.log(`${requests.length - differences} of ${requests.length} answers have the reference's shape`)
  process.exit(differences === 0 ? 0 : 1)
}

void main()
