/**
 * The command-line client as a Unix tool, in the pipelines people write:
 * slow readers get every byte (over WebSocket, stdio and NATS) while the
 * client's memory stays bounded, `| head`
 * ends it quietly with the status a shell expects, Ctrl-C and SIGTERM reach
 * the remote command and their statuses come back, a missing program is
 * 127 and one that cannot run 126, and a terminal is used only where both
 * ends of the client are one (tmux).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { createHash, randomBytes } from "node:crypto"
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs"
import * as Path from "node:path"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { natsClusterForTests } from "../support/natsCluster.js"
import { startExecutorProcess } from "../support/natsExecutor.js"
import { eventually } from "../support/StdioServer.js"
import { useTempDirs } from "../support/tempDirs.js"
import { useTmuxTerminals } from "../support/tmuxTerminals.js"
import { useWebSocketServers } from "../support/WebSocketServer.js"
import { type RawData, WebSocket, WebSocketServer } from "ws"

const startServer = useWebSocketServers()
const tempDir = useTempDirs("cli-pipes-")

const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`
/**
 * The binary's launcher, as a person runs `exec-server`: it starts the
 * client's commands from the client's startup snapshot, under the client's
 * V8 flags, with the `node` it finds first on PATH: this Node, for which the
 * build made the snapshots (`onPath`).
 */
const LAUNCHER = Path.resolve(import.meta.dirname, "../../dist/cli/exec-server")
const onPath = (): NodeJS.ProcessEnv => ({ ...process.env, PATH: [Path.dirname(process.execPath), process.env["PATH"]].join(Path.delimiter) })
/** The client as a shell command line, as a person types `exec-server` (this Node first on PATH). */
const CLI = `PATH=${quote(Path.dirname(process.execPath))}:"$PATH" ${quote(LAUNCHER)}`
/** Starts the client with `args` through the launcher, stdout and stderr piped. */
const startClient = (args: ReadonlyArray<string>) => spawn(LAUNCHER, args, { stdio: ["ignore", "pipe", "pipe"], env: onPath() })

/** Runs a shell pipeline; resolves with its stdout, stderr and exit status. */
const shell = (script: string, options: { readonly timeoutMs?: number } = {}) =>
  new Promise<{ readonly stdout: string; readonly stderr: string; readonly status: number | null }>((resolve, reject) => {
    const child = spawn("bash", ["-c", script], { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => void (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()))
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`timed out: ${script}\n${stderr}`))
    }, options.timeoutMs ?? 60_000)
    child.on("close", (status) => {
      clearTimeout(timer)
      resolve({ stdout, stderr, status })
    })
  })

/** A file of random bytes and its sha256, for the remote command to `cat`. */
const randomFile = (bytes: number) => {
  const path = Path.join(tempDir(), "data.bin")
  const data = randomBytes(bytes)
  writeFileSync(path, data)
  return { path, sha256: createHash("sha256").update(data).digest("hex") }
}

/**
 * The client's stdout read by a Node reader that stops for `pauseMs` after
 * every `everyBytes`; resolves with the sha256 of what it read and the exit status.
 */
const pausingReader = (args: ReadonlyArray<string>, everyBytes: number, pauseMs: number) =>
  new Promise<{ readonly sha256: string; readonly bytes: number; readonly status: number | null; readonly stderr: string }>((resolve) => {
    const child = startClient(args)
    const hash = createHash("sha256")
    let bytes = 0
    let sinceBreak = 0
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()))
    child.stdout.on("data", (chunk: Buffer) => {
      hash.update(chunk)
      bytes += chunk.length
      sinceBreak += chunk.length
      if (sinceBreak >= everyBytes) {
        sinceBreak = 0
        child.stdout.pause()
        setTimeout(() => child.stdout.resume(), pauseMs)
      }
    })
    child.on("close", (status) => resolve({ sha256: hash.digest("hex"), bytes, status, stderr }))
  })

/**
 * The client's stdout read after `waitMs`, pausing `pauseMs` after every
 * `everyBytes`, while the kernel's high-water mark of the client's resident
 * size (VmHWM: no sample can miss the peak) is watched.
 */
const readWatchingPeak = (
  args: ReadonlyArray<string>,
  reader: { readonly waitMs?: number; readonly everyBytes?: number; readonly pauseMs?: number; readonly earlyBytes?: number }
) =>
  new Promise<{ readonly status: number | null; readonly bytes: number; readonly peakMiB: number; readonly earlyPeakMiB: number }>((resolve) => {
    const child = spawn(LAUNCHER, args, { stdio: ["ignore", "pipe", "inherit"], env: onPath() })
    let peakKiB = 0
    const lookAtPeak = () => {
      try {
        const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))
        if (match !== null) peakKiB = Math.max(peakKiB, Number(match[1]))
      } catch {
        // Gone already: the last look stands.
      }
    }
    const looking = setInterval(lookAtPeak, 100)
    let bytes = 0
    let sinceBreak = 0
    child.stdout.pause()
    setTimeout(() => child.stdout.resume(), reader.waitMs ?? 0)
    // The peak once `earlyBytes` were read: the client's own steady state, before most of the stream.
    let earlyPeakKiB = 0
    child.stdout.on("data", (chunk: Buffer) => {
      bytes += chunk.length
      if (earlyPeakKiB === 0 && reader.earlyBytes !== undefined && bytes >= reader.earlyBytes) {
        lookAtPeak()
        earlyPeakKiB = peakKiB
      }
      sinceBreak += chunk.length
      if (reader.everyBytes !== undefined && sinceBreak >= reader.everyBytes) {
        sinceBreak = 0
        child.stdout.pause()
        setTimeout(() => child.stdout.resume(), reader.pauseMs ?? 0)
      }
    })
    child.on("exit", lookAtPeak)
    child.on("close", (status) => {
      clearInterval(looking)
      resolve({ status, bytes, peakMiB: peakKiB / 1024, earlyPeakMiB: earlyPeakKiB / 1024 })
    })
  })

/** Runs `count` jobs, `concurrency` at a time. */
const runAll = async <A>(count: number, concurrency: number, job: (index: number) => Promise<A>): Promise<Array<A>> => {
  const results: Array<A> = []
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      const index = next++
      results[index] = await job(index)
    }
  }))
  return results
}

/**
 * 20 runs of each slow reader against `url`: a shell that sleeps before
 * reading, and a Node reader that pauses; every run gets every byte and
 * the command's exit status 0.
 */
const slowReadersGetEverything = async (url: string, extraArgs: ReadonlyArray<string> = []) => {
  const { path, sha256 } = randomFile(3 * 1024 * 1024)
  const command = ["exec", ...extraArgs, url, "--", "cat", path]
  const shellRuns = await runAll(20, 4, () =>
    shell(`${CLI} ${command.map(quote).join(" ")} | (sleep 0.3; sha256sum); echo "status=\${PIPESTATUS[0]}"`))
  expect(shellRuns.map((run) => run.stdout)).toEqual(Array(20).fill(`${sha256}  -\nstatus=0\n`))
  const nodeRuns = await runAll(20, 4, () => pausingReader(command, 256 * 1024, 30))
  expect(nodeRuns.map((run) => [run.sha256, run.status])).toEqual(Array(20).fill([sha256, 0]))
}

describe("exec-server exec: slow readers get every byte", () => {
  it("over WebSocket", async () => {
    const server = await startServer()
    await slowReadersGetEverything(server.url)
  }, 240_000)

  it("over stdio (a server the client starts)", async () => {
    await slowReadersGetEverything("stdio")
  }, 240_000)

  describe("through NATS", () => {
    const nats = natsClusterForTests(1)
    let executor: ChildProcess | undefined
    beforeAll(async () => {
      executor = await startExecutorProcess(nats.cluster.urls[0]!, "cli-pipes")
      nats.children.push(executor)
    })
    afterAll(() => void executor?.kill("SIGTERM"))

    it("by environment id", async () => {
      await slowReadersGetEverything(`${nats.cluster.urls[0]}/cli-pipes`)
    }, 240_000)
  })

  it("a reader that waits: the client holds a bounded part of the stream, not the stream (400 MB through, peak resident size under 256 MiB)", async () => {
    const server = await startServer()
    const total = 400 * 1000 * 1000
    // The stream is ready long before the reader: the old client took all of it into its memory meanwhile.
    const run = await readWatchingPeak(["exec", server.url, "--", "head", "-c", String(total), "/dev/zero"], { waitMs: 3_000 })
    expect({ status: run.status, bytes: run.bytes }).toEqual({ status: 0, bytes: total })
    expect(run.peakMiB, "the client's peak resident size, MiB").toBeLessThan(256)
  }, 120_000)

  // How small the client stays is the benchmark's (`cliSlowReader`: 60.7 MiB, docs/PERFORMANCE.md); here,
  // that it does not grow with the stream: a client that kept what its reader has not taken yet would
  // hold most of the 200 MB by the end, far beyond its peak after the first 20.
  it("a slow reader (1 MiB every 50 ms) of 200 MB: the client's peak resident size does not grow with the stream", async () => {
    const server = await startServer()
    const total = 200 * 1000 * 1000
    const run = await readWatchingPeak(["exec", server.url, "--", "head", "-c", String(total), "/dev/zero"], {
      everyBytes: 1024 * 1024,
      pauseMs: 50,
      earlyBytes: 20 * 1000 * 1000
    })
    expect({ status: run.status, bytes: run.bytes }).toEqual({ status: 0, bytes: total })
    expect(run.earlyPeakMiB).toBeGreaterThan(0)
    expect(run.peakMiB - run.earlyPeakMiB, "the client's peak resident size's growth over the last 180 MB, MiB").toBeLessThan(32)
  }, 120_000)

  it("into a file, binary data arrives whole (sha256 both ends)", async () => {
    const server = await startServer()
    const { path, sha256 } = randomFile(20 * 1024 * 1024)
    const out = Path.join(tempDir(), "copy.bin")
    const run = await shell(`${CLI} exec ${server.url} -- cat ${quote(path)} > ${quote(out)}`)
    expect(run.status).toBe(0)
    expect(createHash("sha256").update(readFileSync(out)).digest("hex")).toBe(sha256)
  })
})

describe("exec-server exec: how it ends", () => {
  /** Waits until the remote command has written its pid into `file`; returns the pid. */
  const remotePid = async (file: string) => {
    expect(await eventually(() => existsSync(file) && readFileSync(file, "utf8").endsWith("\n"), 15_000)).toBe(true)
    return Number(readFileSync(file, "utf8").trim())
  }
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0)
      return true
    } catch {
      return false
    }
  }

  it("`| head -n 2`: two lines, a quiet exit 141 (SIGPIPE), the remote command gone within the grace period", async () => {
    const server = await startServer(["--grace-ms", "1000"])
    const pidFile = Path.join(tempDir(), "pid")
    const run = await shell(
      `${CLI} exec ${server.url} -- sh -c ${quote(`echo $$ > ${pidFile}; exec yes`)} | head -n 2; echo "status=\${PIPESTATUS[0]}"`
    )
    expect(run.stdout).toBe("y\ny\nstatus=141\n")
    expect(run.stderr).toBe("")
    const pid = await remotePid(pidFile)
    expect(await eventually(() => !alive(pid), 3_000)).toBe(true)
  })

  let clients: Array<ChildProcess> = []
  afterEach(() => {
    for (const client of clients) client.kill("SIGKILL")
    clients = []
  })

  /**
   * Starts `exec` with pipes; resolves once the remote command runs (after
   * `setup`, such as a `trap` the signal must find), with a way to wait for
   * the client's exit status.
   */
  const startExec = async (url: string, script: string, setup = "") => {
    const pidFile = Path.join(tempDir(), "pid")
    const client = startClient(["exec", "--no-tty", url, "--", "sh", "-c", `${setup}echo $$ > ${pidFile}; ${script}`])
    clients.push(client)
    let stdout = ""
    client.stdout!.on("data", (chunk: Buffer) => void (stdout += chunk.toString()))
    const status = new Promise<number | null>((resolve) => client.on("exit", (code) => resolve(code)))
    return { client, pid: await remotePid(pidFile), status, stdout: () => stdout }
  }

  it("Ctrl-C (SIGINT) and SIGTERM reach the remote command; the client exits as it did: 130, 143, or its own code", async () => {
    const server = await startServer()
    const interrupted = await startExec(server.url, "exec sleep 60")
    interrupted.client.kill("SIGINT")
    expect(await interrupted.status).toBe(130)
    expect(alive(interrupted.pid)).toBe(false)

    const terminated = await startExec(server.url, "exec sleep 60")
    terminated.client.kill("SIGTERM")
    expect(await terminated.status).toBe(143)

    // A command that handles the signal decides: here it says so and exits 7.
    const handled = await startExec(server.url, "sleep 60 & wait", "trap 'echo caught; exit 7' INT; ")
    handled.client.kill("SIGINT")
    expect(await handled.status).toBe(7)
    expect(handled.stdout()).toBe("caught\n")

    // So a shell's `&&` does not go on after Ctrl-C.
    const chained = await shell(`${CLI} exec ${server.url} -- sleep 60 & client=$!; sleep 1; kill -INT $client; wait $client && echo deployed; echo "status=$?"`)
    expect(chained.stdout).toBe("status=130\n")
  })

  /**
   * A relay between the client and `target` that holds back what the server
   * sends while `held()` says so (each message still in its order); `release`
   * sends what it held and stops holding.
   */
  const startRelay = async (target: string, held: (text: string) => boolean) => {
    const relay = new WebSocketServer({ host: "127.0.0.1", port: 0 })
    await new Promise<void>((resolve) => relay.once("listening", resolve))
    const holding: Array<() => void> = []
    let holdingNow = true
    relay.on("connection", (client) => {
      const upstream = new WebSocket(target)
      const toServer: Array<RawData> = []
      upstream.on("open", () => {
        for (const message of toServer.splice(0)) upstream.send(message)
      })
      client.on("message", (message) => upstream.readyState === WebSocket.OPEN ? upstream.send(message) : toServer.push(message))
      upstream.on("message", (message) => {
        const send = () => client.send(message.toString())
        if (holdingNow && (holding.length > 0 || held(message.toString()))) holding.push(send)
        else send()
      })
      client.on("close", () => upstream.close())
      upstream.on("close", () => client.close())
    })
    const port = (relay.address() as { readonly port: number }).port
    return {
      url: `ws://127.0.0.1:${port}`,
      release: () => {
        holdingNow = false
        for (const send of holding.splice(0)) send()
      },
      close: () => new Promise<void>((resolve) => relay.close(() => resolve()))
    }
  }

  it("Ctrl-C while the start's answer is on its way: the client waits for it and the command gets the SIGINT", async () => {
    const server = await startServer()
    // The answer to process/start is held back: the command runs, the client does not know it yet.
    const relay = await startRelay(server.url, (text) => text.includes('"processId"') && text.includes('"result"'))
    try {
      const marks = Path.join(tempDir(), "marks")
      const started = await startExec(
        relay.url,
        "sleep 60 & wait",
        `trap 'echo INT >> ${marks}; exit 9' INT; trap 'echo TERM >> ${marks}; exit 8' TERM; `
      )
      started.client.kill("SIGINT")
      // The answer comes late (a slow network, a busy server): after the client has had the signal.
      const exitedEarly = await Promise.race([
        started.status.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 500))
      ])
      relay.release()
      expect(exitedEarly, "the client left before the start was answered").toBe(false)
      expect(await started.status).toBe(9)
      expect(readFileSync(marks, "utf8")).toBe("INT\n")
      expect(alive(started.pid)).toBe(false)
    } finally {
      await relay.close()
    }
  })

  it("a command killed by signal N exits 128 + N", async () => {
    const server = await startServer()
    const run = await shell(`${CLI} exec ${server.url} -- sh -c 'kill -USR1 $$'; echo "status=$?"`)
    expect(run.stdout).toBe("status=138\n")
  })

  it("a program that does not exist is 127, one that cannot be executed 126, each named", async () => {
    const server = await startServer()
    const missing = await shell(`${CLI} exec ${server.url} -- no-such-program-here`)
    expect([missing.status, missing.stderr]).toEqual([127, "exec-server: no-such-program-here: command not found\n"])
    const script = Path.join(tempDir(), "not-executable.sh")
    writeFileSync(script, "#!/bin/sh\necho hi\n")
    chmodSync(script, 0o644)
    const denied = await shell(`${CLI} exec ${server.url} -- ${quote(script)}`)
    expect([denied.status, denied.stderr]).toEqual([126, `exec-server: ${script}: cannot execute: Permission denied\n`])
    const directory = await shell(`${CLI} exec ${server.url} -- /tmp`)
    expect(directory.status).toBe(126)
  })
})

describe("exec-server exec: a session whose server died", () => {
  it("says at once that it is resuming the session, and again at each failed attempt, then fails with exit 1", async () => {
    const server = await startServer()
    const client = startClient(["exec", "-T", "--detach-ttl-ms", "3000", server.url, "--", "sh", "-c", "echo started; exec sleep 30"])
    let stdout = ""
    const stderr: Array<{ readonly at: number; readonly line: string }> = []
    client.stdout.on("data", (chunk: Buffer) => void (stdout += chunk.toString()))
    client.stderr.on("data", (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) if (line !== "") stderr.push({ at: Date.now(), line })
    })
    const status = new Promise<number | null>((resolve) => client.on("exit", (code) => resolve(code)))
    expect(await eventually(() => stdout === "started\n", 10_000)).toBe(true)
    server.child.kill("SIGKILL")
    const killedAt = Date.now()
    expect(await status).toBe(1)
    const lines = stderr.map((entry) => entry.line)
    expect(lines[0]).toMatch(/^exec-server: the connection to ws:\/\/\S+ dropped \(.+\); resuming session \S+ for up to 3 s$/)
    expect(stderr[0]!.at - killedAt).toBeLessThan(1000)
    const attempts = lines.filter((line) => /^exec-server: resuming session \S+: attempt \d+ failed: .*ECONNREFUSED/.test(line))
    expect(attempts.length).toBeGreaterThanOrEqual(2)
    expect(lines.at(-1)).toMatch(/^exec-server: the connection dropped .* attempts to reconnect failed/)
  })
})

describe("exec-server exec: a terminal only where both ends of the client are one", () => {
  // Wide enough that no typed line wraps: one that fills whole rows exactly
  // (360 columns from /work/wt/effect4) has its output joined to it by -J.
  const terminal = useTmuxTerminals("cli-tty", { cols: 1000, waitMs: 15_000 })

  it("from a tmux pane: alone a terminal; into `| cat` or a file pipes; -t and -T force either", async () => {
    const server = await startServer()
    const term = terminal("modes")
    const out = Path.join(tempDir(), "out.txt")
    let shown = ""
    const probe = `${CLI} exec ${server.url} -- sh -c 'if [ -t 1 ]; then echo mode=tty; else echo mode=pipe; fi'`
    const lines: ReadonlyArray<[string, RegExp]> = [
      [`echo A $(${probe} | cat)`, /^A mode/m],
      [`${probe} > ${out}; echo B $(cat ${out})`, /^B mode/m],
      [`echo C $(${probe.replace(" exec ", " exec -t ")} | cat | tr -d '\\r')`, /^C mode/m],
      [`${probe}; echo D done`, /^D done$/m],
      [`${probe.replace(" exec ", " exec -T ")}; echo E done`, /^E done$/m]
    ]
    // One at a time: keys typed ahead would be the stdin of the command before.
    for (const [line, done] of lines) {
      term.type("clear", "Enter")
      term.type(line, "Enter")
      await term.shows(done)
      shown += term.screen()
    }
    expect(shown).toMatch(/^A mode=pipe$/m)
    expect(shown).toMatch(/^B mode=pipe$/m)
    expect(shown).toMatch(/^C mode=tty$/m)
    expect(shown).toMatch(/^mode=tty\s*\nD done$/m)
    expect(shown).toMatch(/^mode=pipe\s*\nE done$/m)
  })

  it("a local terminal resized to 0×0 while attached: the remote one keeps its last size, and follows the next real one", async () => {
    const server = await startServer()
    const term = terminal("zero")
    term.type(`${CLI} exec ${server.url} -- bash --norc -i; echo EXIT=$?`, "Enter")
    term.type(`PS1='remote$ '; echo "first=$(stty size)"`, "Enter")
    await term.shows(/^first=30 1000$/m)
    // As a terminal that loses its size does: the kernel sends the client SIGWINCH, and it reads 0 rows and 0 columns.
    execFileSync("stty", ["-F", term.device(), "rows", "0", "cols", "0"])
    term.type(`echo "zero=$(stty size)"`, "Enter")
    await term.shows(/^zero=30 1000$/m)
    execFileSync("stty", ["-F", term.device(), "rows", "20", "cols", "90"])
    term.type(`echo "real=$(stty size)"`, "Enter")
    await term.shows(/^real=20 90$/m)
    term.type("exit 4", "Enter")
    await term.shows(/^EXIT=4$/m)
  })
})

describe("exec-server exec: a terminal of 0 rows and 0 columns", () => {
  it("`script -qec \"exec-server exec URL -- …\" /dev/null </dev/null`: the command gets 80×24, with or without -t", async () => {
    const server = await startServer()
    // `script` whose own stdin is no terminal gives its command a terminal of 0×0 (as some CI jobs and `docker run -t` do).
    const local = await shell("script -qec 'stty size' /dev/null </dev/null")
    expect(local.stdout.replaceAll("\r", "")).toBe("0 0\n")
    for (const flags of ["", "-t "]) {
      const command = `${CLI} exec ${flags}${server.url} -- sh -c 'echo "size=$(stty size)"; if [ -t 0 ]; then echo mode=tty; fi; exit 3'`
      const run = await shell(`script -qec ${quote(command)} /dev/null </dev/null`)
      // What the terminal shows: the command's lines among what else reaches it (the end of script's
      // input as a key the remote terminal echoes, a "connecting" line on a slow machine).
      const shown = run.stdout.replaceAll("\r", "")
      expect([shown.match(/size=\d+ \d+$/m)?.[0], shown.match(/mode=\w+$/m)?.[0], run.stderr, run.status], flags).toEqual([
        "size=24 80",
        "mode=tty",
        "",
        3
      ])
    }
  })
})
