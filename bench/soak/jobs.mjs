/**
 * The processes the soak runs, each a job that knows what its process will
 * say and checks that it arrived: output of a known size whose SHA-256 the
 * process prints itself (pipes and terminals), stdin sent with
 * `process/write` and echoed or hashed back, exit codes and signals, a
 * child that ignores SIGTERM terminated with its own child, a program that
 * does not exist. A job is a value: `argv`, `tty`, the sinks of its streams,
 * an optional `drive(io)` (what the client does while it runs) and
 * `verify(events)`, the list of what went wrong.
 */
import { createHash, randomBytes } from "node:crypto"
import { Digest, Text } from "./events.mjs"

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex")

/** A size between `min` and `max`, uniform in its logarithm: many small, some large. */
const sizeBetween = (random, min, max) => Math.round(Math.exp(Math.log(min) + random() * (Math.log(max) - Math.log(min))))

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** What a job's check found: `kind` is output (lost or wrong), exit (a wrong status), order (the protocol's order) or error (an unexpected answer). */
const problem = (kind, detail) => ({ kind, detail })

/** The exit a job expected against the one reported (signal names as the protocol gives them). */
const checkExit = (events, exitCode, signal = null) =>
  events.exit?.exitCode === exitCode && events.exit?.signal === signal
    ? []
    : [problem("exit", `exited ${JSON.stringify(events.exit)}, expected ${JSON.stringify({ exitCode, signal })}`)]

/** A terminal turns "\n" into "\r\n". */
const fromTerminal = (text) => text.replaceAll("\r\n", "\n")

/**
 * `head -c N /dev/urandom` on stdout, and its SHA-256 (tee's second copy
 * into sha256sum) on stderr: the client's hash of what it received must be
 * the process's own.
 */
const pipeOutput = (random, limits) => {
  const size = sizeBetween(random, 1024, limits.maxOutputBytes)
  const stdout = new Digest()
  const stderr = new Text()
  return {
    kind: "pipe output",
    tty: false,
    argv: ["sh", "-c", `{ head -c ${size} /dev/urandom | tee /dev/fd/3 | sha256sum >&2; } 3>&1`],
    sinks: { stdout, stderr },
    verify(events) {
      const said = /^([0-9a-f]{64}) {2}-\n$/.exec(stderr.text)?.[1]
      const got = stdout.finish()
      this.bytesChecked = stdout.bytes
      return [
        ...(stdout.bytes === size && said === got
          ? []
          : [problem("output", `stdout ${stdout.bytes} of ${size} bytes, sha256 ${got}; the process said ${JSON.stringify(stderr.text.slice(0, 200))}`)]),
        ...checkExit(events, 0)
      ]
    }
  }
}

/** The trailer sha256sum writes after the data on a terminal: the hash, two spaces, "-", a newline as the terminal sends it. */
const TERMINAL_TRAILER = /([0-9a-f]{64}) {2}-\r?\n$/

/**
 * On a terminal: random bytes as base64 on one line (printable: the
 * terminal passes it as it is), then their SHA-256; the client hashes what
 * came before the trailer.
 */
const terminalOutput = (random, limits) => {
  const size = sizeBetween(random, 1024, limits.maxTerminalOutputBytes)
  const base64Bytes = 4 * Math.ceil(size / 3)
  const pty = new Digest(128)
  return {
    kind: "terminal output",
    tty: true,
    argv: ["sh", "-c", `exec 3>&1; head -c ${size} /dev/urandom | base64 -w 0 | tee /dev/fd/3 | sha256sum`],
    sinks: { pty },
    verify(events) {
      const tail = pty.tail.toString("latin1")
      const trailer = TERMINAL_TRAILER.exec(tail)
      const dataBytes = pty.bytes - (trailer?.[0].length ?? 0)
      const got = pty.finish(trailer?.[0].length ?? 0)
      this.bytesChecked = dataBytes
      return [
        ...(trailer !== null && dataBytes === base64Bytes && got === trailer[1]
          ? []
          : [problem("output", `terminal ${dataBytes} of ${base64Bytes} bytes, sha256 ${got}; it ended ${JSON.stringify(tail.slice(-100))}`)]),
        ...checkExit(events, 0)
      ]
    }
  }
}

/**
 * Writes `data` to the process's stdin with `process/write`, one chunk at a
 * time and in order (each with its `writeId`, so a retry after a resume is
 * not applied twice); a full backlog (-32001) is retried after a pause.
 */
const writeAll = async (io, data, chunkBytes) => {
  let index = 0
  for (let offset = 0; offset < data.length; offset += chunkBytes) {
    const writeId = `w${index++}`
    const chunk = data.subarray(offset, offset + chunkBytes).toString("base64")
    for (;;) {
      const answer = await io.request("process/write", { processId: io.processId, chunk, writeId })
      if (answer.result?.status === "accepted") break
      if (answer.error?.code === -32001) {
        await sleep(50)
        continue
      }
      throw new Error(`process/write answered ${JSON.stringify(answer).slice(0, 300)}`)
    }
  }
}

/** Closes the process's stdin (a pipe's end, a terminal's Ctrl-D); after a resume it may already be closed. */
const closeStdin = async (io) => {
  const answer = await io.request("process/closeStdin", { processId: io.processId })
  if (answer.result?.status !== "accepted" && answer.result?.status !== "stdinClosed") {
    throw new Error(`process/closeStdin answered ${JSON.stringify(answer).slice(0, 300)}`)
  }
}

/** Random bytes written to a pipe's stdin, echoed on stdout by tee and hashed on stderr. */
const pipeStdin = (random, limits) => {
  const data = randomBytes(sizeBetween(random, 1024, limits.maxStdinBytes))
  const stdout = new Digest()
  const stderr = new Text()
  return {
    kind: "pipe stdin",
    tty: false,
    pipeStdin: true,
    argv: ["sh", "-c", "{ tee /dev/fd/3 | sha256sum >&2; } 3>&1"],
    sinks: { stdout, stderr },
    stdinBytes: data.length,
    async drive(io) {
      await writeAll(io, data, 64 * 1024)
      await closeStdin(io)
    },
    verify(events) {
      const sent = sha256(data)
      const echoed = stdout.finish()
      const said = /^([0-9a-f]{64}) {2}-\n$/.exec(stderr.text)?.[1]
      this.bytesChecked = stdout.bytes
      return [
        ...(stdout.bytes === data.length && echoed === sent && said === sent
          ? []
          : [problem("output", `${data.length} bytes written (sha256 ${sent}): ${stdout.bytes} echoed (${echoed}), the process hashed ${JSON.stringify(stderr.text.slice(0, 100))}`)]),
        ...checkExit(events, 0)
      ]
    }
  }
}

/**
 * Printable text written to a terminal in raw mode (no line discipline, no
 * echo), read by `head -c` and hashed back; written only once the process
 * says the terminal is raw.
 */
const terminalStdin = (random, limits) => {
  const data = Buffer.from(randomBytes(sizeBetween(random, 256, limits.maxTerminalStdinBytes)).toString("base64"))
  const pty = new Text()
  return {
    kind: "terminal stdin",
    tty: true,
    argv: ["sh", "-c", `stty raw -echo; echo ready; head -c ${data.length} | sha256sum`],
    sinks: { pty },
    stdinBytes: data.length,
    async drive(io) {
      await pty.waitFor(/ready\r?\n/, io.cancelled)
      await writeAll(io, data, 16 * 1024)
    },
    verify(events) {
      const sent = sha256(data)
      this.bytesChecked = data.length
      return [
        ...(pty.text === `ready\n${sent}  -\n` ? [] : [problem("output", `${data.length} bytes typed (sha256 ${sent}); the terminal said ${JSON.stringify(pty.text.slice(0, 200))}`)]),
        ...checkExit(events, 0)
      ]
    }
  }
}

/** Exits the protocol reports, each after a line of output: codes, a program that cannot run (126), one not found (127), signals (128 + n). */
const EXITS = [
  { script: "echo out; exit 0", exitCode: 0 },
  { script: "echo out; exit 1", exitCode: 1 },
  { script: "echo out; exit 42", exitCode: 42 },
  { script: "echo out; exit 255", exitCode: 255 },
  { script: "echo out; /etc/passwd", exitCode: 126 },
  { script: "echo out; exec-server-soak-no-such-command", exitCode: 127 },
  { script: "echo out; kill -HUP $$", exitCode: 129, signal: "SIGHUP" },
  { script: "echo out; kill -INT $$", exitCode: 130, signal: "SIGINT" },
  { script: "echo out; kill -KILL $$", exitCode: 137, signal: "SIGKILL" },
  { script: "echo out; kill -USR1 $$", exitCode: 138, signal: "SIGUSR1" },
  { script: "echo out; kill -TERM $$", exitCode: 143, signal: "SIGTERM" }
]

/** One of EXITS, on a pipe or a terminal: its status and its first line. */
const exitStatus = (random) => {
  const exit = EXITS[Math.floor(random() * EXITS.length)]
  const tty = random() < 0.3
  const out = new Text()
  return {
    kind: "exit status",
    tty,
    argv: ["sh", "-c", exit.script],
    sinks: tty ? { pty: out } : { stdout: out, stderr: new Text() },
    verify(events) {
      this.bytesChecked = out.bytes
      return [
        ...(fromTerminal(out.text).startsWith("out\n") ? [] : [problem("output", `said ${JSON.stringify(out.text.slice(0, 200))}, not "out"`)]),
        ...checkExit(events, exit.exitCode, exit.signal)
      ]
    }
  }
}

/**
 * A shell that ignores SIGTERM, with a child that does too (as
 * test/support/stubbornChildren.ts's STUBBORN_WITH_CHILD): terminated with a
 * short grace period, both die by SIGKILL. Their group must be gone soon
 * after (the soak watches it).
 */
const stubborn = (random) => {
  const tty = random() < 0.3
  const out = new Text()
  return {
    kind: "stubborn",
    tty,
    argv: ["sh", "-c", "trap '' TERM; (trap '' TERM; while :; do sleep 0.1; done) & echo pid:$$:$!; while :; do sleep 0.1; done"],
    sinks: tty ? { pty: out } : { stdout: out, stderr: new Text() },
    async drive(io) {
      const [, leader] = await out.waitFor(/pid:(\d+):(\d+)/, io.cancelled)
      // The leader's group, its child with it.
      io.expectGone(Number(leader))
      const answer = await io.request("process/terminate", { processId: io.processId, graceMs: 300 })
      if (answer.result === undefined) throw new Error(`process/terminate answered ${JSON.stringify(answer).slice(0, 300)}`)
    },
    verify(events) {
      this.bytesChecked = out.bytes
      return checkExit(events, 137, "SIGKILL")
    }
  }
}

/** A program that does not exist: `process/start` answers -32603, `data.kind` spawnNotFound, and nothing runs. */
const missingProgram = (random) => ({
  kind: "missing program",
  tty: random() < 0.3,
  argv: ["/nonexistent/exec-server-soak"],
  sinks: {},
  startRefused(error) {
    return error.code === -32603 && error.data?.kind === "spawnNotFound"
      ? []
      : [problem("error", `process/start of a missing program answered ${JSON.stringify(error).slice(0, 300)}`)]
  },
  verify: () => []
})

/** The kinds of job and how often each is drawn. */
const KINDS = [
  { name: "pipe output", make: pipeOutput, weight: 3 },
  { name: "terminal output", make: terminalOutput, weight: 2 },
  { name: "pipe stdin", make: pipeStdin, weight: 2 },
  { name: "terminal stdin", make: terminalStdin, weight: 1 },
  { name: "exit status", make: exitStatus, weight: 5 },
  { name: "stubborn", make: stubborn, weight: 1 },
  { name: "missing program", make: missingProgram, weight: 0.5 }
]

/** The names of the kinds of job. */
export const JOB_KINDS = KINDS.map((kind) => kind.name)

/**
 * A drawer of jobs of the kinds named in `names` (all by default): each
 * call draws one at random (`random`: a generator of [0, 1)), its sizes
 * within `limits`. Throws on a name it does not know.
 */
export const jobDrawer = (random, limits, names = JOB_KINDS) => {
  const unknown = names.filter((name) => !JOB_KINDS.includes(name))
  if (unknown.length > 0) throw new Error(`no job kind ${unknown.join(", ")} (the kinds: ${JOB_KINDS.join(", ")})`)
  const kinds = KINDS.filter((kind) => names.includes(kind.name))
  const total = kinds.reduce((sum, kind) => sum + kind.weight, 0)
  return () => {
    let draw = random() * total
    for (const kind of kinds) {
      draw -= kind.weight
      if (draw < 0) return kind.make(random, limits)
    }
    return kinds[0].make(random, limits)
  }
}

/** One of each kind named in `names` (all by default), for a warm-up: every code path the load takes runs before the baseline is taken. */
export const oneOfEach = (random, limits, names = JOB_KINDS) => KINDS.filter((kind) => names.includes(kind.name)).map((kind) => kind.make(random, limits))

/**
 * A fork bomb, bounded: `bash` with `ulimit -u` (its user's processes and
 * threads may not pass `maxTasks`) forks `b | b &` for ever with its output
 * thrown away, while the leader execs `sleep`; it exits 0 after `seconds`,
 * and then what is left of its group is the server's to kill. `runAs` is a
 * command that changes the user first (setpriv, as root: root is not
 * bound by `ulimit -u`). The leader prints its pid, the group's id.
 */
export const forkBomb = ({ maxTasks, seconds, runAs }) => {
  const out = new Text()
  return {
    kind: "fork bomb",
    tty: false,
    cwd: "/",
    argv: [...runAs, "bash", "-c", `ulimit -u ${maxTasks} || exit 99; echo pid:$$; (b() { b | b & }; b) >/dev/null 2>&1; exec sleep ${seconds}`],
    sinks: { stdout: out, stderr: new Text() },
    group: undefined,
    async drive(io) {
      const [, pid] = await out.waitFor(/pid:(\d+)/, io.cancelled)
      this.group = Number(pid)
    },
    verify(events) {
      this.bytesChecked = out.bytes
      return checkExit(events, 0)
    }
  }
}

/** A process that fills a full disk (`head` to a file on it): it fails, status 1, saying so. */
export const fillDisk = (file) => {
  const stderr = new Text()
  return {
    kind: "full disk",
    tty: false,
    argv: ["sh", "-c", `head -c 1073741824 /dev/zero > ${file}`],
    sinks: { stdout: new Text(), stderr },
    verify(events) {
      return [
        ...(/No space left on device/.test(stderr.text) ? [] : [problem("output", `the writer said ${JSON.stringify(stderr.text.slice(0, 200))}`)]),
        ...checkExit(events, 1)
      ]
    }
  }
}
