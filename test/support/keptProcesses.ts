/**
 * What the `--keep-processes` tests share: the processes (servers, holders)
 * using a state directory, and reading a process to its close across
 * servers with each seq checked.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterEach, expect } from "vitest"
import { useHolders } from "./holders.js"
import { RawWebSocketClient, type RunningWebSocketServer, startWebSocketServer } from "./WebSocketServer.js"

/**
 * WebSocket servers with `--keep-processes` on a state directory (orphan TTL
 * 120 s), their raw clients and the holders they start, for a test file:
 * the servers and clients are killed, and the holders recorded with
 * `recordHolders` ended, after each test.
 */
export const useKeptWebSocketServers = (clientName: string) => {
  const holders = useHolders()
  const servers: Array<RunningWebSocketServer> = []
  const clients: Array<RawWebSocketClient> = []
  afterEach(() => {
    for (const client of clients.splice(0)) client.socket.terminate()
    for (const server of servers.splice(0)) server.child.kill("SIGKILL")
  })
  return {
    /** A server on `dir`, with `more` flags. */
    start: async (dir: string, ...more: ReadonlyArray<string>): Promise<RunningWebSocketServer> => {
      const server = await startWebSocketServer(["--keep-processes", "--state-dir", dir, "--orphan-ttl-ms", "120000", ...more])
      servers.push(server)
      return server
    },
    /** A client that initialized with `params` (its answer unchecked) and said it is initialized. */
    connect: async (server: RunningWebSocketServer, params: Record<string, unknown>) => {
      const client = await RawWebSocketClient.connect(server.url)
      clients.push(client)
      const answer = await client.requestUnchecked("initialize", { clientName, ...params })
      client.send({ method: "initialized", params: {} })
      return { client, answer }
    },
    /** The holders whose sockets are in `dir`, each ended after the test. */
    recordHolders: (dir: string): Array<number> => {
      const found = processesNaming(dir).filter((p) => p.holder).map((p) => p.pid)
      for (const pid of found) if (!holders.includes(pid)) holders.push(pid)
      return found
    }
  }
}

/** The processes whose command line names `dir`: the servers and (marked) the holders using that state directory. */
export const processesNaming = (dir: string): Array<{ readonly pid: number; readonly holder: boolean }> => {
  const found: Array<{ readonly pid: number; readonly holder: boolean }> = []
  for (const entry of Fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const argv = Fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0")
      if (!argv.some((word) => word === dir || word.startsWith(`${dir}/`))) continue
      found.push({ pid: Number(entry), holder: Path.basename(argv[0]!) === "exec-server-holder" })
    } catch {
      // Gone meanwhile.
    }
  }
  return found
}

/** A client of either kind (WebSocket or stdio) that sends any request. */
interface Requester {
  requestUnchecked(method: string, params?: unknown): Promise<{ readonly result?: unknown; readonly error?: unknown }>
}

interface ReadResult {
  readonly chunks: ReadonlyArray<{ readonly seq: number; readonly chunk: string }>
  readonly closed: boolean
  readonly exitCode: number | null
  readonly nextSeq: number
}

/**
 * Reads with `process/read` from `afterSeq` until the process is closed:
 * its bytes, every seq after the cursor once and in order (nothing the old
 * server numbered lost or numbered again), and its exit code.
 */
export const readToClose = async (client: Requester, processId: string, afterSeq: number) => {
  const parts: Array<Buffer> = []
  let cursor = afterSeq
  for (;;) {
    const answer = await client.requestUnchecked("process/read", { processId, afterSeq: cursor, waitMs: 1000 })
    expect(answer.error).toBeUndefined()
    const result = answer.result as ReadResult
    for (const chunk of result.chunks) {
      expect(chunk.seq).toBe(cursor + 1)
      cursor = chunk.seq
      parts.push(Buffer.from(chunk.chunk, "base64"))
    }
    if (result.closed && result.chunks.length === 0) return { bytes: Buffer.concat(parts), exitCode: result.exitCode }
    // The exit and the close take seqs of their own.
    if (result.chunks.length === 0) cursor = Math.max(cursor, result.nextSeq - 1)
  }
}
