/**
 * What a server keeps over time (issue 81): one long connection over
 * stdio, over WebSocket and through NATS, and a burst of connections.
 *
 *   npm run bench -- --only longConnection,burst      (through bench/run.mjs)
 *   node --expose-gc bench/memory.mjs [--only longConnection|burst] [--processes N] [--transports stdio,websocket,nats] [--server CMD]
 *
 * longConnection: one connection starts short processes (`sh -c "echo N"`,
 * every other one in a terminal), 4 at a time, each waited to
 * `process/closed`. At 2,000 and at the last (20,000) it stops, waits 35 s
 * (past the 30 s retention of closed processes), reads the resident size,
 * then collects through the inspector (full collections, the last one
 * V8's memory-reducing one) and reads RSS, heapUsed and heapTotal.
 * Targets: RSS growth between the two ≤ 16 MiB; RSS 35 s after the last ≤
 * 2 × the idle server's (12 s after its handshake).
 *
 * burst: 9 WebSocket connections at once run 300 processes each (200 KB of
 * output each, every third in a terminal, 4 at a time per connection) and
 * close. RSS before, at its peak, and 2 minutes after the last connection
 * closed. Target: 2 minutes after, ≤ 1.5 × before.
 */
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { WebSocket } from "ws"
import { args, option, root } from "./common.mjs"
import { distOf, hasNatsServer, openTransport, startCluster } from "./nats.mjs"

const MiB = 1024 * 1024
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const format = (value) => value.toFixed(1)
const rssMiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024

/**
 * Our server, started with Node's inspector on a free loopback port (its
 * collections and heap figures are read through it), on `listen`, with
 * `extraArgs`. `stdio` is the connection itself when it listens on stdio.
 */
const startServer = (command, listen, extraArgs = []) => {
  const child = spawn(command[0], [...command.slice(1), "--listen", listen, ...extraArgs], {
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
    env: { ...process.env, NODE_OPTIONS: "--inspect=127.0.0.1:0" }
  })
  let stderr = ""
  const waiters = new Set()
  /** The server's "memory released" lines: its resident MiB before and after each. */
  const releases = []
  child.stderr.setEncoding("utf8").on("data", (text) => {
    for (const [, before, after] of text.matchAll(/message="memory released" rssBeforeBytes=(\d+) rssAfterBytes=(\d+)/g)) {
      releases.push([Number(before) / MiB, Number(after) / MiB])
    }
    stderr += text
    if (stderr.length > 1_000_000) stderr = stderr.slice(-500_000)
    for (const waiter of waiters) waiter()
  })
  const gone = new Promise((_, reject) => child.once("exit", (code, signal) => reject(new Error(`the server exited (${code ?? signal}): ${stderr.slice(-2000)}`))))
  gone.catch(() => {})
  /** The first match of `pattern` on the server's stderr. */
  const announced = (pattern) =>
    Promise.race([gone, new Promise((resolve) => {
      const waiter = () => {
        const match = pattern.exec(stderr)
        if (match === null) return
        waiters.delete(waiter)
        resolve(match)
      }
      waiters.add(waiter)
      waiter()
    })])
  return {
    child,
    pid: child.pid,
    releases,
    announced,
    inspector: announced(/Debugger listening on (ws:\/\/\S+)/).then((match) => match[1]),
    async stop() {
      try {
        process.kill(-child.pid, "SIGTERM")
      } catch {}
      await Promise.race([new Promise((resolve) => child.once("exit", resolve)), sleep(5000)])
      try {
        process.kill(-child.pid, "SIGKILL")
      } catch {}
    }
  }
}

/** Sends `method` to the inspector at `url`, resolves with its result. */
const inspect = (url, calls) =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(url)
    const results = []
    let next = 0
    const send = () => socket.send(JSON.stringify({ id: next + 1, ...calls[next] }))
    socket.on("open", send)
    socket.on("message", (data) => {
      const message = JSON.parse(String(data))
      if (message.id !== next + 1) return
      if (message.error !== undefined) return reject(new Error(JSON.stringify(message.error)))
      results.push(message.result)
      if (++next < calls.length) return send()
      socket.close()
      resolve(results)
    })
    socket.on("error", reject)
  })

/**
 * Full collections through the inspector (two, then V8's memory-reducing
 * one, which also lets go of the pages V8 pools), then the server's
 * resident size and heap.
 */
const afterFullGc = async (server) => {
  const url = await server.inspector
  const [, , , evaluated] = await inspect(url, [
    { method: "HeapProfiler.collectGarbage" },
    { method: "HeapProfiler.collectGarbage" },
    { method: "Runtime.evaluate", params: { expression: "globalThis.gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' })" } },
    { method: "Runtime.evaluate", params: { expression: "JSON.stringify(process.memoryUsage())", returnByValue: true } }
  ])
  await sleep(500)
  const usage = JSON.parse(evaluated.result.value)
  return { rss: rssMiB(server.pid), heapUsed: usage.heapUsed / MiB, heapTotal: usage.heapTotal / MiB }
}

/** A JSON-RPC client on `send`; feed it each message's text with `receive`. */
const rpcClient = (send) => {
  let nextId = 1
  const pending = new Map()
  const closedWaiters = new Map()
  const outputs = new Map()
  return {
    receive(text) {
      const message = JSON.parse(text)
      if (message.method === undefined) {
        pending.get(message.id)?.(message)
        pending.delete(message.id)
      } else if (message.method === "process/output") {
        const id = message.params.processId
        if (outputs.has(id)) outputs.set(id, outputs.get(id) + Buffer.byteLength(message.params.chunk, "base64"))
      } else if (message.method === "process/closed") {
        const id = message.params.processId
        closedWaiters.get(id)?.(outputs.get(id))
        closedWaiters.delete(id)
        outputs.delete(id)
      }
    },
    request(method, params) {
      const id = nextId++
      return new Promise((resolve) => {
        pending.set(id, resolve)
        send(JSON.stringify({ id, method, params }))
      })
    },
    notify(method, params) {
      send(JSON.stringify({ method, params }))
    },
    /** Starts a process and resolves with the bytes of output it sent, once it is closed. */
    async run(processId, argv, tty) {
      outputs.set(processId, 0)
      const closed = new Promise((resolve) => closedWaiters.set(processId, resolve))
      const answer = await this.request("process/start", { processId, argv, cwd: tmpdir(), env: { PATH: "/usr/bin:/bin" }, tty })
      if (answer.error !== undefined) throw new Error(`process/start ${processId}: ${JSON.stringify(answer.error)}`)
      return closed
    }
  }
}

const handshake = async (client) => {
  const answer = await client.request("initialize", { clientName: "bench-memory", detachTtlMs: 0 })
  if (answer.error !== undefined) throw new Error(`initialize: ${JSON.stringify(answer.error)}`)
  client.notify("initialized", {})
  return client
}

/** A connection to the server on its stdio. */
const stdioConnection = (server) => {
  const client = rpcClient((text) => server.child.stdin.write(text + "\n"))
  let buffer = ""
  server.child.stdout.setEncoding("utf8").on("data", (text) => {
    buffer += text
    let newline
    while ((newline = buffer.indexOf("\n")) !== -1) {
      client.receive(buffer.slice(0, newline))
      buffer = buffer.slice(newline + 1)
    }
  })
  return handshake(client)
}

/** A WebSocket connection to `url`; `close()` ends it. */
const webSocketConnection = async (url) => {
  const socket = new WebSocket(url)
  await new Promise((resolve, reject) => {
    socket.once("open", resolve)
    socket.once("error", reject)
  })
  const client = rpcClient((text) => socket.send(text))
  socket.on("message", (data) => client.receive(String(data)))
  client.close = () => new Promise((resolve) => {
    socket.once("close", resolve)
    socket.close()
  })
  return handshake(client)
}

/** A connection through NATS (the package's client transport, from the build being measured). */
const natsConnection = async (dist, servers, environmentId) => {
  const transport = await openTransport(dist, { servers, environmentId })
  const client = rpcClient(transport.send)
  transport.listen((text) => client.receive(text))
  client.close = transport.close
  return handshake(client)
}

/** The server (and connection) of one transport; `stop()` ends both. */
const served = async (command, transport) => {
  if (transport === "stdio") {
    const server = startServer(command, "stdio://", ["--dropped-session-ttl-ms", "0"])
    return { server, connection: await stdioConnection(server), stop: () => server.stop() }
  }
  if (transport === "websocket") {
    const server = startServer(command, "ws://127.0.0.1:0")
    const [, url] = await server.announced(/exec-server listening on (ws:\/\/[\d.]+:\d+)/)
    return { server, connection: await webSocketConnection(url), stop: () => server.stop() }
  }
  const cluster = await startCluster(1)
  const environmentId = `bench-memory-${process.pid}`
  const server = startServer(command, "ws://127.0.0.1:0", ["--connect", cluster.nodes[0].url, "--environment-id", environmentId])
  await server.announced(/exec-server serving nats:\/\/\S+/)
  const connection = await natsConnection(distOf(command), [cluster.nodes[0].url], environmentId)
  return {
    server,
    connection,
    stop: async () => {
      await connection.close()
      await server.stop()
      await cluster.stop()
    }
  }
}

/** `total` short processes on `connection`, 4 at a time, every other one in a terminal; `at(n)` runs when n have closed, with the others held. */
const shortProcesses = async (connection, total, checkpoints, at) => {
  let next = 0
  let done = 0
  let hold
  const lane = async () => {
    while (next < total) {
      if (hold !== undefined) {
        await hold
        continue
      }
      const n = next++
      const bytes = await connection.run(`long-${n}`, ["sh", "-c", `echo ${n}`], n % 2 === 1)
      if (bytes === 0) throw new Error(`long-${n}: no output`)
      const reached = ++done
      if (checkpoints.includes(reached)) {
        let release
        hold = new Promise((resolve) => (release = resolve))
        // The other lanes finish the process they run.
        while (next !== done) await sleep(10)
        await at(reached)
        hold = undefined
        release()
      }
    }
  }
  await Promise.all(Array.from({ length: 4 }, lane))
}

/** One long connection over `transport`: its figures at the checkpoints. */
export const longConnection = async (command, transport, total = 20_000) => {
  const { server, connection, stop } = await served(command, transport)
  try {
    await sleep(12_000)
    const idle = rssMiB(server.pid)
    const checkpoints = [Math.min(2_000, total / 10), total]
    const figures = { idle }
    await shortProcesses(connection, total, checkpoints, async (n) => {
      const releasedBefore = server.releases.length
      await sleep(35_000)
      const after35s = rssMiB(server.pid)
      const gc = await afterFullGc(server)
      // What the server gave back by itself in those 35 s (MiB before → after each release).
      const released = server.releases.slice(releasedBefore).map(([before, after]) => `${format(before)}→${format(after)}`).join(" ")
      figures[n] = { after35s, ...gc, released }
      process.stderr.write(`longConnection ${transport} ${n}: ${JSON.stringify(figures[n])}\n`)
    })
    const [first, last] = checkpoints
    return {
      transport,
      idle,
      first: { n: first, ...figures[first] },
      last: { n: last, ...figures[last] },
      growth: figures[last].rss - figures[first].rss,
      growthMet: figures[last].rss - figures[first].rss <= 16,
      after35sMet: figures[last].after35s <= 2 * idle
    }
  } finally {
    await stop()
  }
}

/** A burst of `connectionCount` WebSocket connections, then quiet: RSS before, at the peak and 2 minutes after. */
export const burst = async (command, { connectionCount = 9, perConnection = 300, quietMs = 120_000 } = {}) => {
  const server = startServer(command, "ws://127.0.0.1:0")
  try {
    const [, url] = await server.announced(/exec-server listening on (ws:\/\/[\d.]+:\d+)/)
    await sleep(12_000)
    const before = rssMiB(server.pid)
    let peak = before
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(server.pid))), 100)
    await Promise.all(Array.from({ length: connectionCount }, async (_, c) => {
      const connection = await webSocketConnection(url)
      let next = 0
      await Promise.all(Array.from({ length: 4 }, async () => {
        while (next < perConnection) {
          const n = next++
          const tty = n % 3 === 2
          // 200 KB of printable text (a terminal would rewrite control bytes).
          const bytes = await connection.run(`burst-${c}-${n}`, ["sh", "-c", "head -c 200000 /dev/zero | tr '\\0' x"], tty)
          if (bytes < 200_000) throw new Error(`burst-${c}-${n}: ${bytes} bytes of 200000`)
        }
      }))
      await connection.close()
    }))
    clearInterval(sampler)
    const ended = rssMiB(server.pid)
    await sleep(quietMs)
    const after = rssMiB(server.pid)
    return { before, peak: Math.max(peak, ended), after, ratio: after / before, met: after <= 1.5 * before }
  } finally {
    await server.stop()
  }
}


/** Runs the named workloads on `command` (our binary by default) and prints their tables. */
export const runMemoryWorkloads = async (names, command, { processes = 20_000, transports = ["stdio", "websocket", "nats"] } = {}) => {
  if (names.includes("longConnection")) {
    if (transports.includes("nats") && !hasNatsServer()) {
      process.stderr.write("bench: no nats-server on PATH, longConnection through NATS is skipped\n")
      transports = transports.filter((transport) => transport !== "nats")
    }
    const rows = []
    for (const transport of transports) rows.push(await longConnection(command, transport, processes))
    console.log(`\nlong connection: ${processes.toLocaleString("en-US")} short processes on one connection (every other one in a terminal); RSS, heapUsed and heapTotal MiB after full collections, 35 s after the checkpoint's last process`)
    console.log("transport | idle RSS | at N: RSS 35 s after / after GC / heapUsed / heapTotal | at last: RSS 35 s after / after GC / heapUsed / heapTotal | RSS growth (target ≤ 16) | 35 s after the last ≤ 2 × idle")
    console.log("--- | --- | --- | --- | --- | ---")
    for (const row of rows) {
      const at = (point) => `${point.n}: ${format(point.after35s)} / ${format(point.rss)} / ${format(point.heapUsed)} / ${format(point.heapTotal)}`
      console.log([
        row.transport,
        format(row.idle),
        at(row.first),
        at(row.last),
        `${format(row.growth)}: ${row.growthMet ? "met" : "missed"}`,
        `${format(row.last.after35s)} vs ${format(2 * row.idle)}: ${row.after35sMet ? "met" : "missed"}`
      ].join(" | "))
    }
    console.log(JSON.stringify({ longConnection: rows }))
  }
  if (names.includes("burst")) {
    const row = await burst(command)
    console.log("\nburst: 9 WebSocket connections × 300 processes of 200 KB (every third in a terminal), then quiet; RSS MiB")
    console.log("before | peak | 2 min after the last connection closed | after / before (target ≤ 1.5)")
    console.log("--- | --- | --- | ---")
    console.log(`${format(row.before)} | ${format(row.peak)} | ${format(row.after)} | ${row.ratio.toFixed(2)}: ${row.met ? "met" : "missed"}`)
    console.log(JSON.stringify({ burst: row }))
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = option("server", undefined)
  const command = server === undefined ? [Path.join(root, "dist/cli/exec-server")] : server.split(" ")
  const names = option("only", "longConnection,burst").split(",")
  await runMemoryWorkloads(names, command, {
    processes: Number(option("processes", "20000")),
    transports: option("transports", "stdio,websocket,nats").split(",")
  })
  if (args.includes("--exit")) process.exit(0)
}
