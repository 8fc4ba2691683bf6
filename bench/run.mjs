#!/usr/bin/env node
/**
 * Side-by-side benchmark of exec-server implementations over stdio, driven
 * the way a client drives them. Prints a table and JSON.
 *
 *   npm run bench                  (node --expose-gc bench/run.mjs)
 *   npm run bench -- --compare "/path/to/codex exec-server --listen stdio://" --compare-dialect codex
 *
 * Options: --rounds N (default 3), --compare CMD, --compare-dialect ours|codex,
 * --json FILE (also write the JSON there), --quick (smaller workloads),
 * --only pipe,pty,spawn,loginShell,sandboxedSpawn,fanOut,roundTrip,pipelined,fanOutScale,liveProcesses,idle,shortProcesses,wsPipe,wsIdle,wsPipelined,wsConnections,wsConnectionsWarm,cliSlowReader,flood,coldStart,
 *   natsRoundTrip,natsPipe,natsSpawn,natsIdleStreams,natsStreams,longConnection,burst,sessionCgroups
 *   (a subset of the workloads; shortProcesses, longConnection and burst run only when named
 *   (longConnection and burst: bench/memory.mjs, on A only); the nats* ones,
 *   a remote executor over its WebSocket and through NATS, run when nats-server is on PATH),
 * --concurrent-requests N (requests in flight in `pipelined`, default 64),
 * --server CMD (measure this command as A instead of the built binary).
 * After the table, issue 72's targets: against bare Node, against bounds of
 * their own, and against B's figures when B is the reference
 * (--compare-dialect codex) or the floor (--compare "node bench/bareWsServer.mjs").
 */
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { cpus, tmpdir } from "node:os"
import * as Path from "node:path"
import { WebSocket } from "ws"
import { args, launchServer, mainScriptIndex, option, root, threadCpuSeconds } from "./common.mjs"
import { runMemoryWorkloads } from "./memory.mjs"
import { distOf, hasNatsServer, openTransport, startCluster } from "./nats.mjs"

const rounds = Number(option("rounds", "3"))
const quick = args.includes("--quick")
const compare = option("compare", undefined)
const compareDialect = option("compare-dialect", "ours")
const jsonFile = option("json", undefined)
const only = option("only", undefined)?.split(",")
const serverCommand = option("server", undefined)
const concurrentRequests = Number(option("concurrent-requests", "64"))

const MiB = 1024 * 1024
const sizes = {
  pipeBytes: (quick ? 8 : 32) * MiB,
  ptyBytes: (quick ? 2 : 8) * MiB,
  spawns: quick ? 30 : 150,
  loginShells: quick ? 10 : 30,
  fanOut: quick ? 50 : 200,
  fanOutLines: 200,
  roundTrips: quick ? 300 : 2000,
  roundTripWarmUps: quick ? 50 : 300,
  pipelinedRequests: quick ? 5000 : 20000,
  warmUpRequests: quick ? 10000 : 40000,
  fanOutScale: quick ? [100, 500] : [100, 500, 1000, 2000],
  shortProcesses: quick ? 2000 : 20000,
  wsConnections: quick ? 10 : 50,
  warmUpConnections: quick ? 100 : 1000,
  idleStreams: quick ? 30 : 100,
  concurrentStreams: quick ? 30 : 100,
  natsPipeWarmUps: quick ? 1 : 3
}

/** The suffix of `natsPipe`'s figures taken after its warm-up transfers. */
const natsPipeWarm = `, warm (after ${(sizes.natsPipeWarmUps + 1) * sizes.pipeBytes / MiB} MiB)`
/** The suffix of `wsPipelined`'s figures taken after its warm-up requests. */
const wsPipelinedWarm = `, warm (after ${sizes.warmUpRequests.toLocaleString("en-US")})`

/** Workloads that take minutes: run only when named in --only. */
const longWorkloads = new Set(["shortProcesses", "longConnection", "burst"])
/** What a server keeps over time (bench/memory.mjs): minutes each, and on A only. */
const memoryWorkloads = ["longConnection", "burst"]

const splitCommand = (command) => command.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g).map((part) => part.replace(/^["']|["']$/g, ""))

// The binary as users run it: its launcher, which starts it from the startup
// snapshot built on install (or its modules, with the same V8 flags).
// Our server limits a session to 256 live processes by default, and all of them to 256 per CPU: the fan-out at scale needs more.
// Another build of ours (`--compare-dialect ours`) gets them too: the limits
// cost the WebSocket request path a few percent, which an A/B of two builds
// must not count (it read 0.91× warm throughput between equal sources).
const OUR_LIMITS = ["--max-processes", "4096", "--max-live-processes", "4096"]
const servers = [{
  name: "effect-exec-server",
  command: serverCommand === undefined ? [Path.join(root, "dist/cli/exec-server"), ...OUR_LIMITS] : splitCommand(serverCommand),
  dialect: "ours"
}]
if (compare !== undefined) {
  servers.push({
    name: "compare",
    command: [...splitCommand(compare), ...(compareDialect === "ours" && serverCommand === undefined ? OUR_LIMITS : [])],
    dialect: compareDialect
  })
}

const work = mkdtempSync(Path.join(tmpdir(), "exec-server-bench-"))
const pipeFile = Path.join(work, "random.bin")
writeFileSync(pipeFile, randomBytes(sizes.pipeBytes))
// Printable text for the PTY (a terminal rewrites control bytes and newlines).
const ptyFile = Path.join(work, "text.txt")
writeFileSync(ptyFile, Buffer.alloc(sizes.ptyBytes, "abcdefghijklmnopqrstuvwxyz0123456789"))

/** Processes whose /proc stat field (counted after the command name: 1 = parent pid, 2 = group) equals `value`. */
const pidsWhere = (field, value) =>
  readdirSync("/proc").filter((entry) => /^\d+$/.test(entry)).filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
      return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[field]) === value
    } catch {
      return false
    }
  })
/** Processes in the server's process group (the server and its own helpers, not the processes it runs). */
const groupPids = (pgid) => pidsWhere(2, pgid)
/** The server's own child processes (at idle: its helpers, such as our reaper, which leads its own group). */
const childPids = (parent) => pidsWhere(1, parent)
/** The server's helpers among its children (our reaper names itself in its command line). */
const helperPids = (parent) =>
  childPids(parent).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("exec-server-reaper")
    } catch {
      return false
    }
  })
/**
 * CPU seconds of one process. /proc/PID/stat counts every thread the process
 * ever had, in 10 ms ticks; the threads' schedstat counts nanoseconds but only
 * of the threads alive now. The nanoseconds are used when they agree with the
 * ticks (no thread that worked has gone), the ticks otherwise.
 */
const processCpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")
  const ticks = (Number(fields[11]) + Number(fields[12])) / 100
  try {
    const threads = [...threadCpuSeconds(pid).values()].reduce((total, seconds) => total + seconds, 0)
    return Math.abs(threads - ticks) <= 0.02 ? threads : ticks
  } catch {
    return ticks
  }
}
/** CPU seconds of the server's process group (its pid) and of its helpers, which lead groups of their own. */
const cpuSeconds = (pgid) =>
  [...groupPids(pgid), ...helperPids(pgid)].reduce((total, pid) => {
    try {
      return total + processCpuSeconds(pid)
    } catch {
      return total
    }
  }, 0)
/** A field of /proc/PID/status in MiB (VmHWM, VmRSS); throws once the process has gone. */
const statusMiB = (pid, field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024
/** The sum of a status field over the server's process group (or `pids`), MiB. */
const memoryMiB = (pgid, field, pids = groupPids(pgid)) =>
  pids.reduce((total, pid) => {
    try {
      return total + statusMiB(pid, field)
    } catch {
      return total
    }
  }, 0)

/** A server and a JSON-RPC client on its stdio. */
class Server {
  constructor(spec) {
    this.dialect = spec.dialect
    this.child = spawn(spec.command[0], spec.command.slice(1), {
      stdio: ["pipe", "pipe", process.env.BENCH_STDERR ? "inherit" : "ignore"],
      detached: true,
      env: spec.env ?? process.env
    })
    this.pgid = this.child.pid
    this.nextId = 1
    this.pending = new Map()
    this.listeners = new Set()
    this.buffer = ""
    this.child.stdout.setEncoding("utf8")
    this.child.stdout.on("data", (text) => {
      this.buffer += text
      let newline
      while ((newline = this.buffer.indexOf("\n")) !== -1) {
        const message = JSON.parse(this.buffer.slice(0, newline))
        this.buffer = this.buffer.slice(newline + 1)
        if (message.method !== undefined) for (const listener of this.listeners) listener(message)
        else {
          const resolve = this.pending.get(message.id)
          this.pending.delete(message.id)
          resolve?.(message)
        }
      }
    })
  }
  request(method, params) {
    const id = this.nextId++
    return new Promise((resolve) => {
      this.pending.set(id, resolve)
      this.child.stdin.write(JSON.stringify({ id, method, params }) + "\n")
    })
  }
  /** `initialize` answered; a server that exits before it answers (a Node it refuses, say) fails the run instead of hanging it. */
  async initialize() {
    let onExit
    const exited = new Promise((_, reject) => {
      onExit = (code) => reject(new Error(`${this.child.spawnfile} exited (${code}) before answering initialize (BENCH_STDERR=1 shows why)`))
      this.child.once("exit", onExit)
    })
    try {
      await Promise.race([this.request("initialize", { clientName: "bench" }), exited])
    } finally {
      this.child.off("exit", onExit)
    }
  }
  async start() {
    await this.initialize()
    this.child.stdin.write(JSON.stringify({ method: "initialized", params: {} }) + "\n")
  }
  params(processId, argv, tty = false) {
    return { processId, argv, cwd: this.dialect === "codex" ? `file://${work}` : work, env: { PATH: process.env.PATH }, tty }
  }
  /** Resolves on the first notification for `processId` with `method`; counts output bytes meanwhile. */
  until(processId, method, onOutput) {
    return new Promise((resolve) => {
      const listener = (message) => {
        if (message.params?.processId !== processId) return
        if (message.method === "process/output" && onOutput) onOutput(message.params.chunk)
        if (message.method === method) {
          this.listeners.delete(listener)
          resolve(message)
        }
      }
      this.listeners.add(listener)
    })
  }
  /** Closes the server's stdin (a server ends with its connection), then kills what is left of its group. */
  async stop() {
    const exited = new Promise((resolve) => this.child.once("exit", resolve))
    this.child.stdin.end()
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))])
    try {
      process.kill(-this.pgid, "SIGKILL")
    } catch {}
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
const percentile = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]
const base64Bytes = (chunk) => Buffer.byteLength(chunk, "base64")

const withServer = async (spec, run) => {
  // The client's own garbage from the last workload (tens of MB of parsed
  // JSON) must not be collected on the next server's time: collect it now
  // (with --expose-gc, as `npm run bench` runs this) and let the machine settle.
  globalThis.gc?.()
  await new Promise((resolve) => setTimeout(resolve, 100))
  const server = new Server(spec)
  try {
    await server.start()
    return await run(server)
  } finally {
    await server.stop()
  }
}

/**
 * A JSON-RPC connection whose messages go out with `sendText`; what comes in
 * is handed to its `receive`. It has `request`, `until` and `params` as the
 * stdio client has.
 */
const jsonRpcConnection = (dialect, sendText, close) => {
  const connection = {
    dialect,
    pending: new Map(),
    listeners: new Set(),
    nextId: 1,
    request(method, params) {
      const id = this.nextId++
      return new Promise((resolve) => {
        this.pending.set(id, resolve)
        sendText(JSON.stringify({ id, method, params }))
      })
    },
    receive(text) {
      const message = JSON.parse(text)
      if (message.method !== undefined) for (const listener of connection.listeners) listener(message)
      else {
        const resolve = connection.pending.get(message.id)
        connection.pending.delete(message.id)
        resolve?.(message)
      }
    },
    until: Server.prototype.until,
    params: Server.prototype.params,
    close
  }
  return connection
}

/**
 * `initialize` and `initialized`: the connection is then ready for requests.
 * Our dialect says `detachTtlMs: 0`, as this package's clients do, so that a
 * closed connection's session ends with it (unasked, a server keeps a
 * WebSocket's session 75 s, as the reference does, and a thousand warm-up
 * connections would fill `--max-sessions`).
 */
const handshake = async (connection, sendText) => {
  await connection.request("initialize", { clientName: "bench", ...(connection.dialect === "codex" ? {} : { detachTtlMs: 0 }) })
  sendText(JSON.stringify({ method: "initialized", params: {} }))
  return connection
}

/**
 * A server listening on WebSocket (`--listen ws://127.0.0.1:0`, after its
 * command and `extraArgs`), and connections to it.
 */
class WsServer {
  constructor(spec, extraArgs = []) {
    this.spec = spec
    this.dialect = spec.dialect
    const command = spec.command.join(" ").includes("--listen")
      ? spec.command.map((part) => part === "stdio://" ? "ws://127.0.0.1:0" : part)
      : [...spec.command, "--listen", "ws://127.0.0.1:0"]
    const server = launchServer([...command, ...extraArgs])
    this.child = server.child
    this.pgid = server.pgid
    /** The first match of `pattern` in what the server printed; fails if it exits first. */
    this.announced = server.announced
    this.url = server.url
    this.server = server
  }
  /** A connection that has completed the handshake. */
  async connect() {
    const socket = new WebSocket(await this.url)
    await new Promise((resolve, reject) => {
      socket.once("open", resolve)
      socket.once("error", reject)
    })
    const sendText = (text) => socket.send(text)
    const connection = jsonRpcConnection(this.dialect, sendText, () => socket.terminate())
    // A workload that paces its reading pauses the socket.
    connection.socket = socket
    socket.on("message", (data) => connection.receive(String(data)))
    return handshake(connection, sendText)
  }
  async stop() {
    await this.server.stop()
  }
}

/**
 * Our servers get room for the workloads' one client (wsConnections: 50 at
 * once from 127.0.0.1): a client holds at most three quarters of
 * `--max-connections` (64 by default), and these measure connections, not
 * that share.
 */
const wsServerArgs = (spec) => spec.dialect === "ours" ? ["--max-connections", "128"] : []

const withWsServer = async (spec, run) => {
  globalThis.gc?.()
  await new Promise((resolve) => setTimeout(resolve, 100))
  const server = new WsServer(spec, wsServerArgs(spec))
  try {
    await server.url
    return await run(server)
  } finally {
    await server.stop()
  }
}

/** What Codex sends with `-s workspace-write`, the workspace being the bench's directory. */
const workspaceWriteSandbox = {
  permissions: {
    type: "managed",
    file_system: {
      type: "restricted",
      entries: [
        { path: { type: "special", value: { kind: "root" } }, access: "read" },
        { path: { type: "special", value: { kind: "project_roots" } }, access: "write" },
        { path: { type: "special", value: { kind: "slash_tmp" } }, access: "write" }
      ]
    },
    network: "restricted"
  },
  cwd: `file://${work}`,
  workspaceRoots: [`file://${work}`],
  windowsSandboxLevel: "disabled"
}

/** Start-to-exit times of `true`, one process at a time. */
const spawnLatencies = async (server, prefix, sandbox, tty = false, count = sizes.spawns, extra = {}) => {
  const latencies = []
  for (let i = 0; i < count; i++) {
    const id = `${prefix}-${i}`
    const exited = server.until(id, "process/exited")
    const startedAt = performance.now()
    const response = await server.request("process/start", { ...server.params(id, ["true"], tty), ...(sandbox ? { sandbox } : {}), ...extra })
    if (response.error) throw new Error(`${prefix}: ${JSON.stringify(response.error)}`)
    await exited
    latencies.push(performance.now() - startedAt)
  }
  return latencies
}

/**
 * `cat` of the random file through `client` (a stdio server or a WebSocket
 * connection), start to `closed`: the seconds it took and the server's CPU
 * seconds; fails unless every byte arrived.
 */
const catPipeFile = async (workload, client, pgid, id = "cat") => {
  let bytes = 0
  const cpuBefore = cpuSeconds(pgid)
  const closed = client.until(id, "process/closed", (chunk) => (bytes += base64Bytes(chunk)))
  const startedAt = performance.now()
  await client.request("process/start", client.params(id, ["cat", pipeFile]))
  await closed
  const seconds = (performance.now() - startedAt) / 1000
  if (bytes !== sizes.pipeBytes) throw new Error(`${workload}: received ${bytes} of ${sizes.pipeBytes} bytes`)
  return { seconds, cpu: cpuSeconds(pgid) - cpuBefore }
}

/** `process/terminate` of an unknown id, `concurrentRequests` in flight on `client`, until `pipelinedRequests` are answered. */
const pipelinedRequests = async (client, pgid, total = sizes.pipelinedRequests) => {
  const latencies = []
  let sent = 0
  const cpuBefore = cpuSeconds(pgid)
  const startedAt = performance.now()
  const lane = async () => {
    while (sent < total) {
      sent++
      const requestedAt = performance.now()
      await client.request("process/terminate", { processId: "no-such-process" })
      latencies.push(performance.now() - requestedAt)
    }
  }
  await Promise.all(Array.from({ length: concurrentRequests }, lane))
  const seconds = (performance.now() - startedAt) / 1000
  return { perSecond: total / seconds, p99: percentile(latencies, 0.99), cpuPerRequest: (cpuSeconds(pgid) - cpuBefore) / total * 1e6 }
}

/** A HOME whose .bashrc takes a while, as one that loads a version manager and completions does. */
const heavyHome = (() => {
  let home
  return () => {
    if (home !== undefined) return home
    home = mkdtempSync(Path.join(tmpdir(), "bench-home-"))
    writeFileSync(Path.join(home, ".bash_profile"), ". ~/.bashrc\n")
    writeFileSync(
      Path.join(home, ".bashrc"),
      "export FROM_RC=1\nfor i in $(seq 1 20000); do heavy_$((i % 50))() { :; }; done\nalias ll='ls -l'\nshopt -s globstar\n"
    )
    process.on("exit", () => rmSync(home, { recursive: true, force: true }))
    return home
  }
})()

/** Start-to-exit times of `bash -lc true` under the heavy HOME, with or without a shell snapshot of one scope. */
const loginShellLatencies = async (server, prefix, snapshot) => {
  const latencies = []
  for (let i = 0; i < sizes.loginShells; i++) {
    const id = `${prefix}-${i}`
    const exited = server.until(id, "process/exited")
    const startedAt = performance.now()
    const params = server.params(id, ["/bin/bash", "-lc", "test \"$FROM_RC\" = 1"])
    const response = await server.request("process/start", {
      ...params,
      env: { ...params.env, HOME: heavyHome() },
      ...(snapshot ? { shellSnapshot: { scopeId: "bench", shell: { name: "bash", path: "/bin/bash" } } } : {})
    })
    if (response.error) throw new Error(`${prefix}: ${JSON.stringify(response.error)}`)
    await exited
    latencies.push(performance.now() - startedAt)
  }
  return latencies
}

const workloads = {
  async pipe(server) {
    const { seconds, cpu } = await catPipeFile("pipe", server, server.pgid)
    return {
      "pipe MB/s": sizes.pipeBytes / MiB / seconds,
      "pipe server CPU s": cpu,
      "pipe peak RSS MiB": memoryMiB(server.pgid, "VmHWM")
    }
  },
  // The server's first terminal (ours loads node-pty then), and its second, on the same server.
  async pty(server) {
    const transfer = async (id) => {
      let bytes = 0
      const closed = server.until(id, "process/closed", (chunk) => (bytes += base64Bytes(chunk)))
      const startedAt = performance.now()
      await server.request("process/start", server.params(id, ["cat", ptyFile], true))
      await closed
      const seconds = (performance.now() - startedAt) / 1000
      if (bytes < sizes.ptyBytes) throw new Error(`pty: received ${bytes} of ${sizes.ptyBytes} bytes`)
      return sizes.ptyBytes / MiB / seconds
    }
    const first = await transfer("tty")
    return { "PTY MB/s": first, "PTY MB/s, second terminal": await transfer("tty-2") }
  },
  async spawn(server) {
    const latencies = await spawnLatencies(server, "true", undefined)
    return { "spawn median ms": median(latencies), "spawn p99 ms": percentile(latencies, 0.99) }
  },
  // A login shell whose .bashrc is slow, each time, and from a snapshot of it (shellSnapshot; the first start captures).
  async loginShell(server) {
    const plain = await loginShellLatencies(server, "login", false)
    const snapshot = await loginShellLatencies(server, "snapshot", true)
    return { "bash -lc, heavy .bashrc, median ms": median(plain), "the same from a shell snapshot, median ms": median(snapshot.slice(1)) }
  },
  // The same under the sandbox Codex asks for with -s workspace-write.
  async sandboxedSpawn(server) {
    const latencies = await spawnLatencies(server, "boxed", workspaceWriteSandbox)
    return { "sandboxed spawn median ms": median(latencies), "sandboxed spawn p99 ms": percentile(latencies, 0.99) }
  },
  async fanOut(server) {
    const ids = Array.from({ length: sizes.fanOut }, (_, i) => `fan-${i}`)
    const closed = ids.map((id) => server.until(id, "process/closed"))
    const startedAt = performance.now()
    await Promise.all(ids.map((id) => server.request("process/start", server.params(id, ["seq", "1", String(sizes.fanOutLines)]))))
    await Promise.all(closed)
    return {
      "fan-out wall ms": performance.now() - startedAt,
      "fan-out peak RSS MiB": memoryMiB(server.pgid, "VmHWM")
    }
  },
  async roundTrip(server) {
    // Untimed first: after the idle workload's 12 s, whichever server of a round
    // came first answered about 1.5 × slower than the second, whichever that was.
    for (let i = 0; i < sizes.roundTripWarmUps; i++) await server.request("process/terminate", { processId: "no-such-process" })
    const times = []
    for (let i = 0; i < sizes.roundTrips; i++) {
      const startedAt = performance.now()
      await server.request("process/terminate", { processId: "no-such-process" })
      times.push((performance.now() - startedAt) * 1000)
    }
    return { "RPC median µs": median(times), "RPC p99 µs": percentile(times, 0.99) }
  },
  // Cheap requests with N in flight on one connection: throughput, tail
  // latency and the server's CPU per request (a server that answers one at a
  // time still gets them pipelined).
  async pipelined(server) {
    const figures = await pipelinedRequests(server, server.pgid)
    return {
      [`pipelined req/s (${concurrentRequests} in flight)`]: figures.perSecond,
      "pipelined p99 ms": figures.p99,
      "server CPU µs per request": figures.cpuPerRequest
    }
  },
  // Fan-out at growing sizes: the peak RSS a live process costs (the slope
  // between the smallest and the largest), and the CPU per spawn.
  async fanOutScale(server) {
    const peaks = []
    let spawns = 0
    const cpuBefore = cpuSeconds(server.pgid)
    for (const size of sizes.fanOutScale) {
      const ids = Array.from({ length: size }, (_, i) => `scale-${size}-${i}`)
      const closed = ids.map((id) => server.until(id, "process/closed"))
      const answers = await Promise.all(ids.map((id) => server.request("process/start", server.params(id, ["sleep", "0.5"]))))
      const refused = answers.find((answer) => answer.error !== undefined)
      if (refused !== undefined) throw new Error(`fanOutScale: ${JSON.stringify(refused.error)}`)
      peaks.push(memoryMiB(server.pgid, "VmRSS"))
      await Promise.all(closed)
      spawns += size
    }
    const smallest = sizes.fanOutScale[0]
    const largest = sizes.fanOutScale.at(-1)
    return {
      "RSS KiB per live process": (peaks.at(-1) - peaks[0]) * 1024 / (largest - smallest),
      "server CPU ms per spawn": (cpuSeconds(server.pgid) - cpuBefore) / spawns * 1000
    }
  },
  // Many short processes kept for the default retention: the memory they hold.
  async shortProcesses(server) {
    const total = sizes.shortProcesses
    let next = 0
    const lane = async () => {
      while (next < total) {
        const id = `short-${next++}`
        const closed = server.until(id, "process/closed")
        await server.request("process/start", server.params(id, ["true"]))
        await closed
      }
    }
    const cpuBefore = cpuSeconds(server.pgid)
    await Promise.all(Array.from({ length: 8 }, lane))
    return {
      [`${total} short processes: peak RSS MiB`]: memoryMiB(server.pgid, "VmHWM"),
      [`${total} short processes: server CPU s`]: cpuSeconds(server.pgid) - cpuBefore
    }
  },
  // Processes that stay alive and quiet (100, then 1,900 more `sleep`): the
  // resident memory each one holds once started, without the garbage of
  // processes starting and ending around the sample (as in fanOutScale).
  async liveProcesses(server) {
    const startAll = async (prefix, count) => {
      const answers = await Promise.all(Array.from({ length: count }, (_, i) =>
        server.request("process/start", server.params(`${prefix}-${i}`, ["sleep", "15"]))))
      const refused = answers.find((answer) => answer.error !== undefined)
      if (refused !== undefined) throw new Error(`liveProcesses: ${JSON.stringify(refused.error)}`)
      await new Promise((resolve) => setTimeout(resolve, 300))
      return memoryMiB(server.pgid, "VmRSS")
    }
    const first = await startAll("live-a", 100)
    const second = await startAll("live-b", 1900)
    return { "RSS KiB per idle live process": (second - first) * 1024 / 1900 }
  },
  async idle(server) {
    const [soon, later] = await idleRss(server.pgid)
    return { "idle RSS MiB": soon, "idle RSS MiB after 12 s": later }
  }
}

/**
 * A server's RSS with its helpers, half a second after its client's
 * handshake and again at 12 s, once V8's memory reducer has had its turn
 * (it shrinks the heap about 8 s after allocation stops): what a server
 * that stays idle holds.
 */
const idleRss = async (pgid) => {
  const rss = async (afterMs) => {
    await new Promise((resolve) => setTimeout(resolve, afterMs))
    const pids = [...new Set([...groupPids(pgid), ...childPids(pgid)])]
    return memoryMiB(pgid, "VmRSS", pids)
  }
  return [await rss(500), await rss(11_500)]
}

/** Fresh starts per round of `coldStart`: a start is a few hundred ms, and its spread is wide. */
const coldStarts = quick ? 3 : 9

/** Runs `command` to its end, through `sh`; its wall ms. */
const timedRun = async (command) => {
  const quoted = command.map((part) => `'${part.replaceAll("'", "'\\''")}'`).join(" ")
  const startedAt = performance.now()
  const child = spawn("sh", ["-c", `${quoted} >/dev/null 2>&1`], { stdio: "ignore" })
  await new Promise((resolve) => child.once("exit", resolve))
  return { wall: performance.now() - startedAt }
}

/**
 * Bare Node's CPU ms from its spawn to running a script, by its threads'
 * nanosecond counters: the same clock as a server's CPU in `coldStart`, and
 * measured the same way, while the process lives (the ticks of a process
 * that ended counted in 10 ms steps, down: 40 for about 47).
 */
const bareStartCpu = async () => {
  const child = spawn(process.execPath, ["-e", "process.stdout.write('up\\n'); setTimeout(() => {}, 5000)"], {
    stdio: ["ignore", "pipe", "ignore"]
  })
  try {
    await new Promise((resolve, reject) => {
      child.once("error", reject)
      child.stdout.once("data", resolve)
    })
    return [...threadCpuSeconds(child.pid).values()].reduce((total, seconds) => total + seconds, 0) * 1000
  } finally {
    child.kill("SIGKILL")
    await new Promise((resolve) => child.once("exit", resolve))
  }
}

/** The command that prints a server's version: ours (launcher or main.js), or the binary, with `--version`. */
const versionCommand = (command) => {
  const main = mainScriptIndex(command)
  return main === -1 ? [command[0], "--version"] : [...command.slice(0, main + 1), "--version"]
}

/**
 * A server command as a client starts it for one session: ours with no
 * arguments (the other workloads' `--max-processes` is for fan-out at
 * scale), the reference as given (it needs `--listen stdio://`).
 */
const plainCommand = (command) => {
  const main = mainScriptIndex(command)
  return main === -1 ? command : command.slice(0, main + 1)
}

/**
 * The Effect 4 floor of the cold start (bench/floor/effectStdioServer.mjs,
 * built once a run as the server's snapshot is, and started with the glibc
 * tunables our launcher sets): spawn → its `initialize` answer, and its CPU
 * ms by then.
 */
let effectFloor
const effectFloorWall = "Effect 4 floor: spawn → initialize answer ms"
const effectFloorCpu = "Effect 4 floor: CPU ms to the initialize answer"
const effectFloorStart = async () => {
  effectFloor ??= await (await import("./floor/effectStdioFloor.mjs")).buildEffectStdioFloor()
  const startedAt = performance.now()
  // Under the glibc tunables our launcher gives Node (src/cli/exec-server.sh), as ours runs.
  const floor = new Server({ command: effectFloor.command, dialect: "ours", env: { ...process.env, GLIBC_TUNABLES: "glibc.malloc.hugetlb=1" } })
  try {
    await floor.initialize()
    const wall = performance.now() - startedAt
    return { wall, cpu: cpuSeconds(floor.pgid) * 1000 }
  } finally {
    await floor.stop()
  }
}

/**
 * What an agent session pays before its first command runs (issues 33, 48
 * and 72): each a fresh process, beside bare Node and the Effect 4 floor
 * measured in the same round.
 */
const coldWorkloads = {
  async coldStart(given) {
    const spec = { ...given, command: plainCommand(given.command) }
    const figures = {
      initialize: [], initializeCpu: [], firstClosed: [], secondClosed: [], firstCpu: [], cpu: [], version: [], listening: [], bareWall: [], bareCpu: [],
      floorWall: [], floorCpu: []
    }
    for (let i = 0; i < coldStarts; i++) {
      const bare = await timedRun([process.execPath, "-e", ""])
      figures.bareWall.push(bare.wall)
      figures.bareCpu.push(await bareStartCpu())
      figures.version.push((await timedRun(versionCommand(spec.command))).wall)
      const floor = await effectFloorStart()
      figures.floorWall.push(floor.wall)
      figures.floorCpu.push(floor.cpu)

      const startedAt = performance.now()
      const server = new Server(spec)
      try {
        await server.request("initialize", { clientName: "bench" })
        figures.initialize.push(performance.now() - startedAt)
        figures.initializeCpu.push(cpuSeconds(server.pgid) * 1000)
        server.child.stdin.write(JSON.stringify({ method: "initialized", params: {} }) + "\n")
        const first = server.until("cold-true", "process/closed")
        await server.request("process/start", server.params("cold-true", ["true"]))
        await first
        figures.firstClosed.push(performance.now() - startedAt)
        // The bench's own time reading /proc is not the server's: the second process's wall time leaves it out.
        const readingFrom = performance.now()
        figures.firstCpu.push(cpuSeconds(server.pgid) * 1000)
        const reading = performance.now() - readingFrom
        const second = server.until("cold-echo", "process/closed")
        await server.request("process/start", server.params("cold-echo", ["echo", "hi"]))
        await second
        figures.secondClosed.push(performance.now() - startedAt - reading)
        figures.cpu.push(cpuSeconds(server.pgid) * 1000)
      } finally {
        await server.stop()
      }

      const listeningFrom = performance.now()
      const wsServer = new WsServer(spec)
      try {
        await wsServer.url
        figures.listening.push(performance.now() - listeningFrom)
      } finally {
        await wsServer.stop()
      }
    }
    return {
      "cold: spawn → initialize answer ms": median(figures.initialize),
      "cold: server CPU to the initialize answer ms": median(figures.initializeCpu),
      "cold: spawn → first process closed ms": median(figures.firstClosed),
      "cold: spawn → second process closed ms": median(figures.secondClosed),
      "cold: server CPU to the first closed ms": median(figures.firstCpu),
      "cold: server CPU to the second closed ms": median(figures.cpu),
      "cold: --version ms": median(figures.version),
      "cold: WebSocket spawn → listening ms": median(figures.listening),
      "bare node -e '': spawn → exit ms": median(figures.bareWall),
      "bare node: CPU ms to running a script": median(figures.bareCpu),
      [effectFloorWall]: median(figures.floorWall),
      [effectFloorCpu]: median(figures.floorCpu)
    }
  }
}

/**
 * What putting every process in its session's cgroup costs a spawn (issue
 * 85): ours by default against `--no-session-cgroups`, two servers side by
 * side, taking turns in short runs (a busy machine drifts), pipes (the
 * addon's child joins its groups itself) and terminals (through the
 * launcher), and a pipe process with a memory limit of its own (a leaf
 * cgroup made and removed per process) on the first. Each ratio is the
 * median of the runs' ratios.
 */
const sessionCgroupWorkloads = {
  async sessionCgroups(given) {
    const spec = { ...given, command: plainCommand(given.command) }
    const ways = { cgroup: new Server(spec), none: new Server({ ...spec, command: [...spec.command, "--no-session-cgroups"] }) }
    const runs = quick ? 4 : 10
    const perRun = Math.max(10, Math.round(sizes.spawns / 5))
    const latencies = { pipe: { cgroup: [], none: [] }, pty: { cgroup: [], none: [] }, limited: [] }
    const ratios = { pipe: [], pty: [], limited: [] }
    const limited = { resources: { memoryBytes: 512 * 1024 * 1024 } }
    try {
      for (const server of Object.values(ways)) {
        await server.request("initialize", { clientName: "bench" })
        server.child.stdin.write(JSON.stringify({ method: "initialized", params: {} }) + "\n")
      }
      for (let run = 0; run < runs; run++) {
        for (const kind of ["pipe", "pty"]) {
          const medians = {}
          for (const way of run % 2 === 0 ? ["cgroup", "none"] : ["none", "cgroup"]) {
            const measured = await spawnLatencies(ways[way], `${kind}-${way}-${run}`, undefined, kind === "pty", perRun)
            latencies[kind][way].push(...measured)
            medians[way] = median(measured)
          }
          ratios[kind].push(medians.cgroup / medians.none)
          if (kind === "pipe") {
            const measured = await spawnLatencies(ways.cgroup, `limited-${run}`, undefined, false, perRun, limited)
            latencies.limited.push(...measured)
            ratios.limited.push(median(measured) / medians.none)
          }
        }
      }
    } finally {
      for (const server of Object.values(ways)) await server.stop()
    }
    return {
      "pipe spawn median ms, session cgroups (default)": median(latencies.pipe.cgroup),
      "pipe spawn median ms, --no-session-cgroups": median(latencies.pipe.none),
      "pipe spawn, session cgroup / none": median(ratios.pipe),
      "pipe spawn median ms, a memory limit of its own": median(latencies.limited),
      "pipe spawn, limited / none": median(ratios.limited),
      "PTY spawn median ms, session cgroups (default)": median(latencies.pty.cgroup),
      "PTY spawn median ms, --no-session-cgroups": median(latencies.pty.none),
      "PTY spawn, session cgroup / none": median(ratios.pty)
    }
  }
}

/** The command-line client of the build a server command runs (the `exec-server` launcher beside its main.js). */
const clientOf = (spec) => Path.join(distOf(spec.command), "cli", "exec-server")

/**
 * `exec-server exec URL -- ARGV` with its stdout read by `reader` (`everyBytes`
 * then a pause of `pauseMs`, as a slow consumer takes it): its exit status,
 * the bytes read and its peak RSS. The kernel keeps the high-water mark
 * (VmHWM) but drops it with the process's memory when it exits, before the
 * exit can be reaped: it is read every 10 ms and on each chunk (the last one
 * after the last byte, the client still alive), and the largest kept.
 */
const runClient = (spec, url, argv, reader = {}) =>
  new Promise((resolve, reject) => {
    const child = spawn(clientOf(spec), ["exec", url, "--", ...argv], { stdio: ["ignore", "pipe", "pipe"] })
    let peak = 0
    const look = () => {
      try {
        peak = Math.max(peak, statusMiB(child.pid, "VmHWM"))
      } catch {
        // Gone: the last look stands.
      }
    }
    const looking = setInterval(look, 10)
    let bytes = 0
    let sinceBreak = 0
    let stderr = ""
    child.stderr.setEncoding("utf8").on("data", (text) => (stderr += text))
    child.stdout.on("data", (chunk) => {
      bytes += chunk.length
      look()
      sinceBreak += chunk.length
      if (reader.everyBytes !== undefined && sinceBreak >= reader.everyBytes) {
        sinceBreak = 0
        child.stdout.pause()
        setTimeout(() => child.stdout.resume(), reader.pauseMs)
      }
    })
    child.once("error", reject)
    child.once("close", (status) => {
      clearInterval(looking)
      resolve({ status, bytes, peakMiB: peak, stderr })
    })
  })

/** The lines of `seq 1 N` and the rate at which `flood` reads them (the backpressure test's: 256 MiB at 20 MiB/s). */
const floodLines = 31_100_000
const floodBytesPerSecond = 20 * MiB

/**
 * Follows the output of `seq 1 N` chunk by chunk, a byte at a time (no
 * string per line: 31 million of them would cost this process seconds of
 * CPU beside the server it measures): each line must be the next number.
 */
const seqFollower = () => {
  const follower = { bytes: 0, counted: 0, wrong: undefined }
  let current = 0
  let digits = 0
  follower.push = (buffer) => {
    follower.bytes += buffer.length
    for (let i = 0; i < buffer.length; i++) {
      const byte = buffer[i]
      if (byte !== 10) {
        current = current * 10 + byte - 48
        digits++
        continue
      }
      if ((digits === 0 || current !== follower.counted + 1) && follower.wrong === undefined) {
        follower.wrong = `line ${follower.counted + 1} read as ${current}`
      }
      follower.counted++
      current = 0
      digits = 0
    }
  }
  return follower
}

/** Workloads over WebSocket: they get a `WsServer`. */
const wsWorkloads = {
  // The pipe workload over a WebSocket: throughput and the server's CPU.
  async wsPipe(server) {
    const connection = await server.connect()
    const { seconds, cpu } = await catPipeFile("wsPipe", connection, server.pgid)
    connection.close()
    return { "WebSocket pipe MB/s": sizes.pipeBytes / MiB / seconds, "WebSocket pipe server CPU s": cpu }
  },
  // `idle` for a WebSocket server with one connection.
  async wsIdle(server) {
    const connection = await server.connect()
    const [soon, later] = await idleRss(server.pgid)
    connection.close()
    return { "WebSocket idle RSS MiB": soon, "WebSocket idle RSS MiB after 12 s": later }
  },
  // `pipelined` over one WebSocket connection: the request path a remote Codex uses.
  async wsPipelined(server) {
    const connection = await server.connect()
    const figures = await pipelinedRequests(connection, server.pgid)
    // Then warm, as a server that has served a while: V8 has optimized the request path.
    await pipelinedRequests(connection, server.pgid, sizes.warmUpRequests - sizes.pipelinedRequests)
    const warm = await pipelinedRequests(connection, server.pgid, sizes.warmUpRequests)
    connection.close()
    return {
      [`WebSocket pipelined req/s (${concurrentRequests} in flight)`]: figures.perSecond,
      "WebSocket pipelined p99 ms": figures.p99,
      "WebSocket server CPU µs per request": figures.cpuPerRequest,
      [`WebSocket pipelined req/s${wsPipelinedWarm}`]: warm.perSecond,
      [`WebSocket pipelined p99 ms${wsPipelinedWarm}`]: warm.p99,
      [`WebSocket server CPU µs per request${wsPipelinedWarm}`]: warm.cpuPerRequest
    }
  },
  // M connections at once, each running 5 processes of 1,000 lines: the server's CPU and memory per connection.
  async wsConnections(server) {
    const figures = await activeConnections(server, sizes.wsConnections)
    return {
      "server CPU ms per active connection": figures.cpuPerConnection,
      "peak RSS KiB per active connection": figures.peakRssPerConnection
    }
  },
  // The same on a warm server: after it has served many connections as clients use them.
  async wsConnectionsWarm(server) {
    for (let served = 0; served < sizes.warmUpConnections; served += 20) {
      await Promise.all(Array.from({ length: Math.min(20, sizes.warmUpConnections - served) }, async (_, c) => {
        const connection = await server.connect()
        const ids = Array.from({ length: 5 }, (_, i) => `warm-${served + c}-${i}`)
        await runSeqs(connection, ids)
        connection.close()
      }))
    }
    const figures = await activeConnections(server, sizes.wsConnections)
    return { [`server CPU ms per active connection, warm (after ${sizes.warmUpConnections})`]: figures.cpuPerConnection }
  },
  // The command-line client of the server's own build, its stdout read 1 MiB
  // every 50 ms as a slow consumer would (the client must not read the
  // connection ahead of it): its peak RSS; and the client running `true`,
  // what it holds at all. 200 MB even with --quick: the target is about it.
  async cliSlowReader(server) {
    const url = await server.url
    const idle = await runClient(server.spec, url, ["true"])
    if (idle.status !== 0) throw new Error(`cliSlowReader: \`exec … true\` exited ${idle.status}: ${idle.stderr.slice(-2000)}`)
    const total = 200 * 1000 * 1000
    const slow = await runClient(server.spec, url, ["head", "-c", String(total), "/dev/zero"], { everyBytes: MiB, pauseMs: 50 })
    if (slow.status !== 0 || slow.bytes !== total) {
      throw new Error(`cliSlowReader: exit ${slow.status}, ${slow.bytes} of ${total} bytes: ${slow.stderr.slice(-2000)}`)
    }
    return { "CLI client peak RSS MiB, slow reader of 200 MB": slow.peakMiB, "CLI client peak RSS MiB, `exec … true`": idle.peakMiB }
  },
  // 256 MiB of `seq` to a client reading at 20 MiB/s (pausing its socket):
  // the server's RSS, sampled every 100 ms, above its baseline after a 16 MiB
  // warm-up (which sizes V8's young generation and compiles the output path:
  // what is measured is what the flood adds). Full size even with --quick.
  async flood(server) {
    const connection = await server.connect()
    const warmUp = connection.until("warm-up", "process/closed")
    await connection.request("process/start", connection.params("warm-up", ["head", "-c", String(16 * MiB), "/dev/zero"]))
    await warmUp
    await new Promise((resolve) => setTimeout(resolve, 500))
    const baseline = memoryMiB(server.pgid, "VmRSS")
    let peak = baseline
    const sampler = setInterval(() => {
      peak = Math.max(peak, memoryMiB(server.pgid, "VmRSS"))
    }, 100)
    const follower = seqFollower()
    let paused = false
    const startedAt = performance.now()
    const closed = connection.until("flood", "process/closed", (chunk) => {
      follower.push(Buffer.from(chunk, "base64"))
      // Read no faster than the rate: past it, stop reading the socket until the clock catches up.
      const ahead = follower.bytes / floodBytesPerSecond * 1000 - (performance.now() - startedAt)
      if (ahead > 5 && !paused) {
        paused = true
        connection.socket.pause()
        setTimeout(() => {
          paused = false
          connection.socket.resume()
        }, ahead)
      }
    })
    const answer = await connection.request("process/start", connection.params("flood", ["seq", "1", String(floodLines)]))
    if (answer.error !== undefined) throw new Error(`flood: ${JSON.stringify(answer.error)}`)
    await closed
    clearInterval(sampler)
    peak = Math.max(peak, memoryMiB(server.pgid, "VmRSS"))
    connection.close()
    if (follower.wrong !== undefined) throw new Error(`flood: ${follower.wrong}`)
    if (follower.counted !== floodLines || follower.bytes < 256 * MiB) {
      throw new Error(`flood: ${follower.counted} of ${floodLines} lines, ${follower.bytes} bytes`)
    }
    return { "flood: server peak RSS − baseline MiB": peak - baseline, "flood: baseline RSS MiB": baseline }
  }
}

/** Starts `seq 1 1000` as each of `ids` on `connection` and waits until all are closed. */
const runSeqs = async (connection, ids) => {
  const closed = ids.map((id) => connection.until(id, "process/closed"))
  await Promise.all(ids.map((id) => connection.request("process/start", connection.params(id, ["seq", "1", "1000"]))))
  await Promise.all(closed)
}

/** `count` connections at once, each running 5 processes of 1,000 lines: the server's CPU and peak memory per connection. */
const activeConnections = async (server, count) => {
  const rssBefore = memoryMiB(server.pgid, "VmRSS")
  const cpuBefore = cpuSeconds(server.pgid)
  const connections = await Promise.all(Array.from({ length: count }, () => server.connect()))
  let peak = memoryMiB(server.pgid, "VmRSS")
  const sampler = setInterval(() => {
    peak = Math.max(peak, memoryMiB(server.pgid, "VmRSS"))
  }, 20)
  await Promise.all(connections.map((connection, c) => runSeqs(connection, Array.from({ length: 5 }, (_, i) => `ws-${c}-${i}`))))
  clearInterval(sampler)
  const cpu = cpuSeconds(server.pgid) - cpuBefore
  for (const connection of connections) connection.close()
  return { cpuPerConnection: cpu / count * 1000, peakRssPerConnection: (peak - rssBefore) * 1024 / count }
}

/**
 * An executor of the NATS cluster `cluster` that listens on a WebSocket too
 * (`--connect … --environment-id … --listen ws://127.0.0.1:0`), and
 * connections to it either way, through the package's client transports.
 * On a 3-node cluster the executor dials the last node and the clients the
 * first, so every frame crosses a route.
 */
let executors = 0
const withExecutor = async (spec, cluster, run) => {
  globalThis.gc?.()
  await new Promise((resolve) => setTimeout(resolve, 100))
  // An id per executor: the registry may still hold the last one's record.
  const environmentId = `bench-${process.pid}-${executors++}`
  const executor = new WsServer(spec, [
    "--connect", cluster.nodes.at(-1).url, "--environment-id", environmentId, "--max-connections", "1024"
  ])
  // The gateway (`exec-server gateway`) on the clients' node: WebSocket clients reach the executor through it by path.
  const main = mainScriptIndex(spec.command)
  const gateway = main === -1 ? undefined : new WsServer({ ...spec, command: [spec.command[main], "gateway", "--connect", cluster.nodes[0].url] })
  try {
    await Promise.all([executor.url, executor.announced(/exec-server serving nats:\/\/\S+/), gateway?.url])
    const dist = distOf(spec.command)
    const targets = {
      direct: { url: await executor.url },
      nats: { servers: [cluster.nodes[0].url], environmentId },
      ...(gateway === undefined ? {} : { gateway: { url: `${await gateway.url}/env/${environmentId}` } })
    }
    executor.ways = Object.keys(targets)
    /** A handshaken connection over `way` (direct, nats or gateway). */
    executor.open = async (way) => {
      const transport = await openTransport(dist, targets[way])
      const connection = jsonRpcConnection(executor.dialect, transport.send, transport.close)
      transport.listen((text) => connection.receive(text))
      return handshake(connection, transport.send)
    }
    return await run(executor)
  } finally {
    await gateway?.stop()
    await executor.stop()
  }
}

/** Opens `count` connections over `way`, some at a time (as many clients would). */
const openMany = async (executor, way, count) => {
  const connections = []
  for (let start = 0; start < count; start += 20) {
    connections.push(...await Promise.all(Array.from({ length: Math.min(20, count - start) }, () => executor.open(way))))
  }
  return connections
}

/** Runs `seq 1 1000` on `connection` and says whether all of its output came. */
const seqServed = async (connection, id) => {
  let bytes = 0
  const closed = connection.until(id, "process/closed", (chunk) => (bytes += base64Bytes(chunk)))
  const answer = await connection.request("process/start", connection.params(id, ["seq", "1", "1000"]))
  if (answer.error !== undefined) return false
  await closed
  return bytes === 3893 // the digits and newlines of 1 … 1000
}

/**
 * Workloads of a remote executor: each runs once over the direct WebSocket
 * and once through NATS on the same executor (`way`), and returns the
 * figures of that way.
 */
const natsWorkloads = {
  async natsRoundTrip(executor, way) {
    const connection = await executor.open(way)
    const cpuBefore = cpuSeconds(executor.pgid)
    const figures = await workloads.roundTrip(connection)
    const cpu = cpuSeconds(executor.pgid) - cpuBefore
    await connection.close()
    return { ...figures, "executor CPU µs per request": cpu / sizes.roundTrips * 1e6 }
  },
  // The CPU a MiB costs who pays for it: the executor, and the client (this
  // process, which does nothing else meanwhile). Twice: the first transfer on
  // the way, then one after `natsPipeWarmUps` more, once the executor has
  // compiled its path (it keeps compiling through the first 100 MiB or so;
  // an executor serves for long, so the second figure is its cost per MiB).
  async natsPipe(executor, way) {
    const connection = await executor.open(way)
    let transfers = 0
    const measured = async () => {
      const clientBefore = process.cpuUsage()
      const { seconds, cpu } = await catPipeFile("natsPipe", connection, executor.pgid, `cat-${transfers++}`)
      const client = process.cpuUsage(clientBefore)
      const megabytes = sizes.pipeBytes / MiB
      const clientCpu = (client.user + client.system) / 1e6
      return { seconds, megabytes, cpu, clientCpu }
    }
    const first = await measured()
    for (let i = 0; i < sizes.natsPipeWarmUps; i++) await catPipeFile("natsPipe", connection, executor.pgid, `cat-${transfers++}`)
    const warm = await measured()
    await connection.close()
    const figures = (run, suffix) => ({
      [`pipe MB/s${suffix}`]: run.megabytes / run.seconds,
      [`pipe executor + client CPU ms per MiB${suffix}`]: (run.cpu + run.clientCpu) / run.megabytes * 1000,
      [`pipe executor CPU ms per MiB${suffix}`]: run.cpu / run.megabytes * 1000,
      [`pipe client CPU ms per MiB${suffix}`]: run.clientCpu / run.megabytes * 1000
    })
    return { ...figures(first, ""), ...figures(warm, natsPipeWarm) }
  },
  async natsSpawn(executor, way) {
    const connection = await executor.open(way)
    const latencies = await spawnLatencies(connection, `spawn-${way}`, undefined)
    await connection.close()
    return { "spawn → exit median ms": median(latencies), "spawn → exit p99 ms": percentile(latencies, 0.99) }
  },
  // Connections (sessions) that stay open and quiet: the executor's resident memory each holds.
  async natsIdleStreams(executor, way) {
    await new Promise((resolve) => setTimeout(resolve, 300))
    const before = memoryMiB(executor.pgid, "VmRSS")
    const connections = await openMany(executor, way, sizes.idleStreams)
    await new Promise((resolve) => setTimeout(resolve, 500))
    const after = memoryMiB(executor.pgid, "VmRSS")
    await Promise.all(connections.map((connection) => connection.close()))
    return { "executor RSS KiB per idle stream": (after - before) * 1024 / sizes.idleStreams }
  },
  // N clients at once, each opening its stream, running one process of 1,000 lines and reading all of it.
  async natsStreams(executor, way) {
    const startedAt = performance.now()
    const outcomes = await Promise.all(Array.from({ length: sizes.concurrentStreams }, async (_, i) => {
      const connection = await executor.open(way)
      const served = await seqServed(connection, `streams-${i}`)
      return { connection, served }
    }))
    const wall = performance.now() - startedAt
    await Promise.all(outcomes.map(({ connection }) => connection.close()))
    return {
      [`${sizes.concurrentStreams} concurrent streams: wall ms`]: wall,
      [`${sizes.concurrentStreams} concurrent streams: served`]: outcomes.filter(({ served }) => served).length
    }
  }
}

/** The workloads also measured through the gateway (`exec-server gateway`, ws://…/env/ID). */
const gatewayWorkloads = new Set(["natsRoundTrip", "natsPipe", "natsSpawn"])

/** The issue's targets for NATS against direct (by the medians of the rounds' differences and ratios), by metric. */
const natsTargets = {
  "RPC median µs": { text: "≤ direct + 300 µs", met: (row) => row.difference <= 300 },
  "pipe MB/s": { text: "≥ 0.5 × direct", met: (row) => row.ratio >= 0.5 },
  "pipe executor + client CPU ms per MiB": { text: "≤ 2 × direct", met: (row) => row.ratio <= 2 },
  [`pipe executor + client CPU ms per MiB${natsPipeWarm}`]: { text: "≤ 2 × direct", met: (row) => row.ratio <= 2 },
  "spawn → exit median ms": { text: "≤ direct + 1 ms", met: (row) => row.difference <= 1 },
  [`${sizes.concurrentStreams} concurrent streams: served`]: { text: `all ${sizes.concurrentStreams}`, met: (row) => row.nats === sizes.concurrentStreams }
}

/** Before the measured run: both ways' code warmed up on the executor (a fresh server's first compiles are not the transport). */
const warmUp = async (executor) => {
  for (const way of executor.ways) {
    const connection = await executor.open(way)
    for (let i = 0; i < 200; i++) await connection.request("process/terminate", { processId: "no-such-process" })
    await seqServed(connection, `warm-${way}`)
    await connection.close()
  }
}

/** Lower is better for these. */
const lowerIsBetter = (metric) => !metric.includes("MB/s") && !metric.includes("req/s")

/** Whether a server command is the floor, bench/bareWsServer.mjs (it answers `initialize` and nothing else). */
const isFloor = (spec) => spec.command.some((part) => Path.basename(part) === "bareWsServer.mjs")
/** What the floor serves: a WebSocket, `initialize`, and an answer to any other request; no processes. */
const FLOOR_WORKLOADS = new Set(["wsIdle", "wsPipelined"])
/** Why a workload does not run on a server (undefined: it runs). */
const notRunOn = (name, spec) =>
  isFloor(spec) && !FLOOR_WORKLOADS.has(name)
    ? "the floor runs no processes"
    : name === "cliSlowReader" && spec.dialect !== "ours"
    ? "the reference has no command-line client"
    : name === "sessionCgroups" && spec.dialect !== "ours"
    ? "the reference has no session cgroups"
    : undefined

const natsNames = Object.keys(natsWorkloads)
const wanted = (name) => only !== undefined ? only.includes(name) : !longWorkloads.has(name)
let natsWanted = natsNames.some(wanted)
if (natsWanted && !hasNatsServer()) {
  if (only !== undefined && natsNames.some((name) => only.includes(name))) throw new Error("the NATS workloads need nats-server on PATH")
  process.stderr.write("bench: no nats-server on PATH, the NATS workloads (remote executors) are skipped\n")
  natsWanted = false
}
const clusterSizes = [1, 3]
/** Per server, per metric (`1-node …`, `3-node …`): each round's figure over each way. */
const natsResults = servers.map(() => ({}))
const clusters = new Map()

const results = servers.map(() => ({}))
try {
  if (natsWanted) for (const size of clusterSizes) clusters.set(size, await startCluster(size))
  for (let round = 0; round < rounds; round++) {
    // A B in one round, B A in the next: whatever the first or second run of
    // a pair gains from its position (a settling machine) cancels out.
    const order = round % 2 === 0 ? servers.map((_, s) => s) : servers.map((_, s) => servers.length - 1 - s)
    for (
      const [name, workload] of [
        ...Object.entries(workloads),
        ...Object.entries(wsWorkloads),
        ...Object.entries(coldWorkloads),
        ...Object.entries(sessionCgroupWorkloads)
      ]
    ) {
      if (!wanted(name)) continue
      // A cold workload (and sessionCgroups) starts its own processes.
      const launch = name in coldWorkloads || name in sessionCgroupWorkloads ? (spec, run) => run(spec) : name in wsWorkloads ? withWsServer : withServer
      for (const s of order) {
        const why = notRunOn(name, servers[s])
        if (why !== undefined) {
          if (round === 0) process.stderr.write(`bench: ${name} is not run on ${servers[s].name}: ${why}\n`)
          continue
        }
        const figures = await launch(servers[s], workload)
        for (const [metric, value] of Object.entries(figures)) (results[s][metric] ??= []).push(value)
        process.stderr.write(`round ${round + 1} ${name} ${servers[s].name}: ${JSON.stringify(figures)}\n`)
      }
    }
    if (!natsWanted) continue
    for (const [name, workload] of Object.entries(natsWorkloads)) {
      if (!wanted(name)) continue
      for (const size of clusterSizes) {
        // Only ours has executor mode (`--connect`): the reference is not measured here.
        for (const s of order.filter((s) => servers[s].dialect === "ours")) {
          const figures = await withExecutor(servers[s], clusters.get(size), async (executor) => {
            await warmUp(executor)
            // Direct first in one round, last in the next, as A and B take turns; the gateway only where it is measured.
            const ways = executor.ways.filter((way) => way !== "gateway" || gatewayWorkloads.has(name))
            const byWay = {}
            for (const way of round % 2 === 0 ? ways : [...ways].reverse()) byWay[way] = await workload(executor, way)
            return byWay
          })
          for (const [way, byMetric] of Object.entries(figures)) {
            for (const [metric, value] of Object.entries(byMetric)) ((natsResults[s][`${size}-node ${metric}`] ??= {})[way] ??= []).push(value)
          }
          process.stderr.write(`round ${round + 1} ${name} ${size}-node ${servers[s].name}: ${JSON.stringify(figures)}\n`)
        }
      }
    }
  }
} finally {
  for (const cluster of clusters.values()) await cluster.stop()
}
rmSync(work, { recursive: true, force: true })
if (effectFloor !== undefined) rmSync(effectFloor.dir, { recursive: true, force: true })

// A workload that does not run on one of the servers leaves its metrics to the other.
const metrics = [...new Set(results.flatMap((byMetric) => Object.keys(byMetric)))]
const table = metrics.map((metric) => {
  const [ofA, ofB] = results.map((byMetric) => byMetric[metric])
  const a = ofA && median(ofA)
  const b = ofB && median(ofB)
  // The ratio of each round's pair, then their median: the machine's speed
  // drifts over a run, and a pair ran within seconds of each other.
  const ratio = ofA && ofB ? median(ofA.map((value, round) => value / ofB[round])) : undefined
  return { metric, a, b, ratio, lowerIsBetter: lowerIsBetter(metric) }
})
const format = (value) => value === undefined ? "" : Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(2)
console.log(`machine: ${cpus()[0]?.model ?? "?"} × ${cpus().length}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}, ${rounds} rounds (medians; A/B is the median of the rounds' ratios)`)
if (metrics.length > 0) {
  const header = ["metric", servers[0].name, ...(servers[1] ? [servers[1].name, "A/B"] : [])]
  console.log(header.join(" | "))
  console.log(header.map(() => "---").join(" | "))
  for (const row of table) {
    console.log([row.metric, format(row.a), ...(servers[1] ? [format(row.b), format(row.ratio)] : [])].join(" | "))
  }
}

/**
 * Issue 72's targets: A's `metric` against a bound, against another of A's
 * figures (`base`, shown as `baseName`; beside a bound it is only shown),
 * or against B by the median of the rounds' A/B (`against`: "reference",
 * B run with `--compare-dialect codex`, or "floor", B bench/bareWsServer.mjs;
 * listed only when B is that server). `met` gets the value (A/B for a
 * ratio) and the base's.
 */
const bareWall = "bare node -e '': spawn → exit ms"
const bareCpu = "bare node: CPU ms to running a script"
const issue72Targets = [
  { metric: "cold: spawn → initialize answer ms", base: bareWall, baseName: "bare Node", text: "≤ bare Node + 25 ms", met: (value, bare) => value - bare <= 25 },
  { metric: "cold: server CPU to the first closed ms", base: bareCpu, baseName: "bare Node", text: "≤ 1.5 × bare Node's", met: (value, bare) => value <= 1.5 * bare },
  { metric: "cold: server CPU to the initialize answer ms", base: bareCpu, baseName: "bare Node", text: "≤ 2 × bare Node's", met: (value, bare) => value <= 2 * bare },
  { metric: "cold: spawn → initialize answer ms", base: effectFloorWall, baseName: "the Effect 4 floor", text: "≤ the Effect 4 floor's + 25 ms", met: (value, floor) => value - floor <= 25 },
  { metric: "cold: server CPU to the initialize answer ms", base: effectFloorCpu, baseName: "the Effect 4 floor", text: "≤ 1.5 × the Effect 4 floor's", met: (value, floor) => value <= 1.5 * floor },
  { metric: "CLI client peak RSS MiB, slow reader of 200 MB", base: "CLI client peak RSS MiB, `exec … true`", baseName: "`exec … true`", text: "≤ 64 MiB", met: (value) => value <= 64 },
  { metric: "flood: server peak RSS − baseline MiB", base: "flood: baseline RSS MiB", baseName: "baseline", text: "≤ baseline + 64 MiB", met: (value) => value <= 64 },
  { metric: "pipe MB/s", against: "reference", text: "≥ 2 × the reference's", met: (ratio) => ratio >= 2 },
  { metric: "PTY MB/s", against: "reference", text: "≥ 1.2 × the reference's", met: (ratio) => ratio >= 1.2 },
  { metric: "spawn median ms", against: "reference", text: "≤ 0.3 × the reference's", met: (ratio) => ratio <= 0.3 },
  { metric: "fan-out wall ms", against: "reference", text: "≤ 0.5 × the reference's", met: (ratio) => ratio <= 0.5 },
  { metric: "RPC median µs", against: "reference", text: "≤ 0.9 × the reference's", met: (ratio) => ratio <= 0.9 },
  { metric: "idle RSS MiB", against: "reference", text: "≤ 1.2 × the reference's", met: (ratio) => ratio <= 1.2 },
  { metric: `WebSocket server CPU µs per request${wsPipelinedWarm}`, against: "floor", text: "≤ 1.1 × the floor's", met: (ratio) => ratio <= 1.1 },
  { metric: "WebSocket server CPU µs per request", against: "floor", text: "≤ 1.5 × the floor's", met: (ratio) => ratio <= 1.5 },
  { metric: `WebSocket pipelined req/s${wsPipelinedWarm}`, against: "floor", text: "≥ 0.9 × the floor's", met: (ratio) => ratio >= 0.9 },
  { metric: `WebSocket pipelined req/s (${concurrentRequests} in flight)`, against: "floor", text: "≥ 0.9 × the floor's", met: (ratio) => ratio >= 0.9 },
  { metric: `WebSocket pipelined p99 ms${wsPipelinedWarm}`, against: "floor", text: "≤ 1.5 × the floor's", met: (ratio) => ratio <= 1.5 },
  { metric: "WebSocket pipelined p99 ms", against: "floor", text: "≤ 1.5 × the floor's", met: (ratio) => ratio <= 1.5 },
  { metric: "WebSocket idle RSS MiB", against: "floor", text: "≤ 1.2 × the floor's", met: (ratio) => ratio <= 1.2 }
]
/** What B is, for the targets against it. */
const compareIs = servers[1] === undefined ? undefined : isFloor(servers[1]) ? "floor" : servers[1].dialect === "codex" ? "reference" : undefined
const targetRows = issue72Targets.filter((target) => target.against === undefined || target.against === compareIs).map((target) => {
  const row = table.find((row) => row.metric === target.metric)
  const base = target.base === undefined ? undefined : table.find((row) => row.metric === target.base)?.a
  const value = target.against === undefined ? row?.a : row?.ratio
  if (value === undefined) return { metric: target.metric, target: target.text }
  return {
    // A ratio says so: the value is A/B.
    metric: target.against === undefined ? target.metric : `${target.metric}, A/B`,
    value,
    comparedWith: target.against !== undefined ? `A ${format(row.a)}, the ${target.against} ${format(row.b)}` : base !== undefined ? `${target.baseName} ${format(base)}` : "",
    target: target.text,
    met: target.met(value, base)
  }
})
if (targetRows.some((row) => row.value !== undefined)) {
  console.log(`\nissue 72's targets for ${servers[0].name} (medians of the rounds; A/B the median of the rounds' ratios)`)
  console.log("metric | value | compared with | target")
  console.log("--- | --- | --- | ---")
  for (const row of targetRows) {
    console.log(row.value === undefined
      ? `${row.metric} | not measured | | ${row.target}`
      : `${row.metric} | ${format(row.value)} | ${row.comparedWith} | ${row.target}: ${row.met ? "met" : "missed"}`)
  }
}

/**
 * Remote executors: each metric over the direct WebSocket and through NATS,
 * their difference and ratio (the medians of the rounds' own, as for A/B),
 * and the issue's target where it sets one.
 */
/** Each metric measured over `way` and directly: both medians, and the medians of the rounds' differences and ratios. */
const compared = (byMetric, way) =>
  Object.entries(byMetric).flatMap(([metric, figures]) => {
    const direct = figures.direct
    const other = figures[way]
    if (direct === undefined || other === undefined) return []
    return [{
      metric,
      direct: median(direct),
      [way]: median(other),
      difference: median(other.map((value, round) => value - direct[round])),
      ratio: median(other.map((value, round) => value / direct[round]))
    }]
  })
const natsTables = natsResults.map((byMetric) =>
  compared(byMetric, "nats").map((row) => {
    const target = natsTargets[row.metric.replace(/^\d-node /, "")]
    return target === undefined ? row : { ...row, target: target.text, met: target.met(row) }
  }))
const gatewayTables = natsResults.map((byMetric) => compared(byMetric, "gateway"))
for (const [s, rows] of natsTables.entries()) {
  if (rows.length === 0) continue
  console.log(`\nremote executor (NATS)${servers.length > 1 ? `, ${servers[s].name}` : ""}: the same executor over its WebSocket (direct) and through NATS`)
  console.log("metric | direct | via NATS | NATS − direct | NATS / direct | target")
  console.log("--- | --- | --- | --- | --- | ---")
  for (const row of rows) {
    const target = row.target === undefined ? "" : `${row.target}: ${row.met ? "met" : "missed"}`
    console.log([row.metric, format(row.direct), format(row.nats), format(row.difference), format(row.ratio), target].join(" | "))
  }
}
for (const [s, rows] of gatewayTables.entries()) {
  if (rows.length === 0) continue
  console.log(`\nthrough the gateway${servers.length > 1 ? `, ${servers[s].name}` : ""}: the same executor over its WebSocket (direct) and at the gateway's ws://…/env/ID`)
  console.log("metric | direct | via gateway | gateway − direct | gateway / direct")
  console.log("--- | --- | --- | --- | ---")
  for (const row of rows) console.log([row.metric, format(row.direct), format(row.gateway), format(row.difference), format(row.ratio)].join(" | "))
}
const json = { date: new Date().toISOString(), node: process.version, cpus: cpus().length, rounds, sizes, servers: servers.map((s) => s.name), table, targets: targetRows, natsTables, gatewayTables }
console.log(JSON.stringify(json))
if (jsonFile !== undefined) writeFileSync(jsonFile, JSON.stringify(json, null, 2))
// What a server keeps over time: its own tables, after the others'.
const memoryWanted = memoryWorkloads.filter(wanted)
if (memoryWanted.length > 0) await runMemoryWorkloads(memoryWanted, servers[0].command)
