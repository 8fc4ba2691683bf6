/**
 * A real nats-server cluster (1 or 3 nodes, JetStream on) on free loopback
 * ports in a temporary directory, for the remote transport's tests and the
 * bench (which loads it through tsx: nothing here may import vitest). Nodes are
 * started, signalled and restarted by pid; readiness is read from each
 * node's HTTP monitor (/routez, /jsz), polled against a deadline.
 * docs of the layout: /work/shared/REMOTE.md ("A 3-node cluster on loopback").
 */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import * as Path from "node:path"

/** One node: its ports, its process (while it runs) and its files. */
export interface NatsNode {
  readonly name: string
  readonly clientPort: number
  readonly httpPort: number
  readonly clusterPort: number
  /** `nats://127.0.0.1:PORT`: a client given only this URL is pinned to this node. */
  readonly url: string
  readonly config: string
  readonly log: string
  /** The running process, or undefined once it was killed and not restarted. */
  process: ChildProcess | undefined
}

/** A running cluster. */
export interface NatsCluster {
  readonly nodes: ReadonlyArray<NatsNode>
  /** Every node's URL, for a client that may fail over to any. */
  readonly urls: ReadonlyArray<string>
  /** Sends a signal to node `i` by pid; SIGKILL also waits for it to be gone. */
  readonly signal: (i: number, signal: "SIGKILL" | "SIGSTOP" | "SIGCONT" | "SIGTERM") => Promise<void>
  /** Starts node `i` again (same ports, same store) after it was killed, and waits for the cluster to form. */
  readonly restart: (i: number) => Promise<void>
  /** Waits until every running node routes to the others and (with more than one node) JetStream has a meta leader. */
  readonly waitFormed: (timeoutMs?: number) => Promise<void>
  /** Kills every node and removes the directory. */
  readonly stop: () => Promise<void>
}

/** A free TCP port on 127.0.0.1 (the OS picks it; it is free when this returns). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

/** Polls `check` until it returns true or the deadline passes (then throws with what it last saw). */
export const pollUntil = async (what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      if (await check()) return
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

const monitor = async (node: NatsNode, path: string): Promise<Record<string, unknown>> => {
  const response = await fetch(`http://127.0.0.1:${node.httpPort}${path}`, { signal: AbortSignal.timeout(1000) })
  return (await response.json()) as Record<string, unknown>
}

/** Waits until the state letter of `pid` in /proc (R, S, T, ...) satisfies `holds` (2 s at most). */
const untilState = async (pid: number, holds: (state: string) => boolean): Promise<void> => {
  const deadline = Date.now() + 2000
  while (Date.now() < deadline) {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    if (holds(stat.slice(stat.lastIndexOf(")") + 2)[0]!)) return
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  throw new Error(`process ${pid} did not reach the expected state in 2 s`)
}

/** What a test adds to every node's configuration. */
export interface NatsClusterOptions {
  /** Appended to each node's config file: accounts and users, authorization, limits. */
  readonly config?: string
}

const configOf = (
  node: Pick<NatsNode, "name" | "clientPort" | "httpPort" | "clusterPort">,
  dir: string,
  all: ReadonlyArray<{ clusterPort: number }>,
  extra: string
): string => {
  const store = Path.join(dir, node.name)
  const cluster = all.length > 1
    ? `cluster {
  name: xs
  listen: 127.0.0.1:${node.clusterPort}
  routes: [${all.map((n) => `nats-route://127.0.0.1:${n.clusterPort}`).join(", ")}]
}
`
    : ""
  return `server_name: ${node.name}
listen: 127.0.0.1:${node.clientPort}
http: 127.0.0.1:${node.httpPort}
jetstream { store_dir: "${store}", max_mem: 64MB, max_file: 256MB }
${cluster}${extra}
`
}

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()))

/**
 * Starts a cluster of `size` nodes and waits until it has formed. Free ports
 * are picked before the nodes bind them, so another process can take one in
 * between: a cluster that does not form is started again on new ports.
 */
export const startNatsCluster = async (size: 1 | 3 = 3, options: NatsClusterOptions = {}): Promise<NatsCluster> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(size, options)
    } catch (error) {
      if (attempt === 3) throw error
    }
  }
}

const startOnce = async (size: 1 | 3, options: NatsClusterOptions): Promise<NatsCluster> => {
  const dir = mkdtempSync(Path.join(tmpdir(), "nats-cluster-"))
  const ports: Array<{ name: string; clientPort: number; httpPort: number; clusterPort: number }> = []
  for (let i = 1; i <= size; i++) {
    ports.push({ name: `n${i}`, clientPort: await freePort(), httpPort: await freePort(), clusterPort: await freePort() })
  }
  const nodes: Array<NatsNode> = ports.map((p) => {
    const config = Path.join(dir, `${p.name}.conf`)
    writeFileSync(config, configOf(p, dir, ports, options.config ?? ""))
    return { ...p, url: `nats://127.0.0.1:${p.clientPort}`, config, log: Path.join(dir, `${p.name}.log`), process: undefined }
  })

  const launch = (node: NatsNode) => {
    // Its own stdio is not read: the log goes to a file (-l) that a failing test can show.
    node.process = spawn("nats-server", ["-c", node.config, "-l", node.log], { stdio: "ignore" })
    node.process.once("error", () => { node.process = undefined })
  }

  const running = () => nodes.filter((n) => n.process !== undefined)

  const waitFormed = async (timeoutMs = 15_000) => {
    const live = running()
    await pollUntil("the cluster to form", async () => {
      for (const node of live) {
        const routez = await monitor(node, "/routez")
        if (size > 1 && routez["num_routes"] !== live.length - 1) return false
        const jsz = await monitor(node, "/jsz")
        if (size > 1) {
          const meta = jsz["meta_cluster"] as { leader?: string } | undefined
          if (meta?.leader === undefined || meta.leader === "") return false
        } else if (jsz["config"] === undefined) return false
      }
      return true
    }, timeoutMs)
  }

  const signal = async (i: number, sig: "SIGKILL" | "SIGSTOP" | "SIGCONT" | "SIGTERM") => {
    const node = nodes[i]!
    const child = node.process
    if (child?.pid === undefined) throw new Error(`node ${node.name} is not running`)
    process.kill(child.pid, sig)
    if (sig === "SIGKILL" || sig === "SIGTERM") {
      await exited(child)
      node.process = undefined
    }
    // The signal is delivered asynchronously: a thread already running may
    // still answer a request. Stopped means every thread is (state T).
    if (sig === "SIGSTOP") await untilState(child.pid, (state) => state === "T")
    if (sig === "SIGCONT") await untilState(child.pid, (state) => state !== "T")
  }

  const stop = async () => {
    for (const node of nodes) {
      const child = node.process
      if (child?.pid === undefined) continue
      // SIGKILL also ends a node stopped with SIGSTOP; one that already died (a port taken) is gone.
      try {
        process.kill(child.pid, "SIGKILL")
      } catch {
        // ESRCH
      }
      await exited(child)
      node.process = undefined
    }
    rmSync(dir, { recursive: true, force: true })
  }

  for (const node of nodes) launch(node)
  try {
    await waitFormed()
  } catch (error) {
    const logs = nodes.map((n) => `--- ${n.name}\n${existsSync(n.log) ? readFileSync(n.log, "utf8").slice(-2000) : "(no log)"}`).join("\n")
    await stop()
    throw new Error(`${String(error)}\n${logs}`)
  }
  return {
    nodes,
    urls: nodes.map((n) => n.url),
    signal,
    restart: async (i) => {
      launch(nodes[i]!)
      await waitFormed()
    },
    waitFormed,
    stop
  }
}
