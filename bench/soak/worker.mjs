/**
 * A client of the soak: one WebSocket connection (one session) at a time,
 * keeping `concurrency` jobs running on it, each checked when its process
 * closes. Its connection can be cut: a resumable client (`detachTtlMs` > 0)
 * reconnects, resumes its session and reads what it missed from each
 * process's cursor (`process/read`), so that nothing is lost; another
 * abandons the session (the server must then kill its processes: their
 * pids are handed to the soak to watch) and starts a new one.
 */
import { ConnectionLost, SoakConnection } from "./connection.mjs"
import { eventOf, ProcessEvents } from "./events.mjs"

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** A job's session ended under it (its connection was cut and not resumed): the job is not checked. */
export class Abandoned extends Error {
  constructor() {
    super("abandoned with its session")
    this.name = "Abandoned"
  }
}

/** A promise with its resolve and reject. */
const deferred = () => {
  let resolve
  let reject
  const promise = new Promise((ok, fail) => {
    resolve = ok
    reject = fail
  })
  promise.catch(() => {})
  return { promise, resolve, reject }
}

/**
 * Whether a refused `process/start` is what a server out of descriptors
 * says: a spawn that failed (-32603), with EMFILE or ENFILE, or with no
 * errno at all (a terminal's: node-pty says only "forkpty(3) failed").
 */
export const isStarvation = (error) =>
  error?.code === -32603 && (["EMFILE", "ENFILE"].includes(error.data?.errno) || (error.data?.kind === "spawnFailed" && error.data?.errno === undefined))

export class Worker {
  #connection
  #ready
  #session = { id: undefined, generation: 0, abandoned: deferred() }
  #runs = new Map()
  #closedIds = new Set()
  #jobCount = 0
  #paused = false
  #closing = false

  /**
   * `soak`: what the soak gives its clients (url, cwd, env, random, the
   * counters and failures, `expectGone` for process groups that must die,
   * `starvedNow()`); `name` prefixes its process ids.
   */
  constructor(soak, name, { resumable, concurrency }) {
    this.soak = soak
    this.name = name
    this.resumable = resumable
    this.concurrency = concurrency
    this.busy = false
  }

  /** Whether it can take a fault now (not already in one). */
  get available() {
    return !this.busy && !this.#paused && this.#connection !== undefined
  }

  /** Opens its first session. */
  async connect() {
    this.#ready = this.#newSession()
    await this.#ready
  }

  /** Runs jobs until the soak stops, then waits for those still running. */
  async run(draw) {
    const lanes = Array.from({ length: this.concurrency }, async () => {
      while (!this.soak.stopping) await this.runJob(draw())
    })
    await Promise.all(lanes)
  }

  /** Runs one job to its close and its verdict; resolves in any case (what went wrong is the soak's to count). */
  async runJob(job) {
    const processId = `${this.name}-${++this.#jobCount}`
    const events = new ProcessEvents(job.sinks)
    const session = this.#session
    const run = { job, events, session, started: deferred() }
    this.#runs.set(processId, run)
    const io = {
      processId,
      cancelled: session.abandoned.promise,
      request: (method, params) => this.#request(session, method, params),
      expectGone: (group) => this.soak.expectGone([group], `${job.kind} ${processId}, terminated`)
    }
    try {
      const started = await this.#start(run, processId, io)
      if (!started) return
      await job.drive?.(io)
      await Promise.race([events.closed, session.abandoned.promise])
      const problems = [...job.verify(events), ...events.problems.map((detail) => ({ kind: "order", detail }))]
      this.soak.checked(job, problems.map((found) => ({ ...found, detail: `${job.kind} ${processId}: ${found.detail}` })))
    } catch (error) {
      if (error instanceof Abandoned || session.generation !== this.#session.generation) this.soak.count("abandoned")
      else this.soak.fail("error", `${job.kind} ${processId}: ${error.message}`)
    } finally {
      this.#runs.delete(processId)
      if (events.isClosed) this.#closedIds.add(processId)
      run.started.reject(new Error("never started"))
    }
  }

  /**
   * `process/start`; true once started. Retried while the server says a limit is
   * reached (-32001), or, after a resume, when the first attempt had started it.
   */
  async #start(run, processId, io) {
    const { job } = run
    const params = { processId, argv: job.argv, cwd: job.cwd ?? this.soak.cwd, env: this.soak.env, tty: job.tty, ...(job.pipeStdin ? { pipeStdin: true } : {}) }
    for (let attempt = 1; ; attempt++) {
      const answer = await io.request("process/start", params)
      if (answer.result !== undefined) break
      const error = answer.error
      if (error.code === -32001) {
        this.soak.count("retried starts")
        await sleep(Math.min(1000, 20 * attempt))
        continue
      }
      if (error.data?.reason === "processIdInUse" && run.retried) break
      if (isStarvation(error) && this.soak.starvedNow()) {
        this.soak.count("starts refused while starved")
        return false
      }
      if (job.startRefused !== undefined) {
        this.soak.checked(job, job.startRefused(error).map((found) => ({ ...found, detail: `${job.kind} ${processId}: ${found.detail}` })))
        return false
      }
      throw new Error(`process/start answered ${JSON.stringify(error).slice(0, 300)}`)
    }
    if (job.startRefused !== undefined) {
      this.soak.fail("error", `${job.kind} ${processId}: process/start of a missing program succeeded`)
      return false
    }
    run.started.resolve()
    return true
  }

  /**
   * A request on the session's connection. When the connection is lost, a
   * resumable client waits for the resume and asks again (every request the
   * soak sends may be sent twice: start, write with its writeId, read,
   * terminate, closeStdin); for an abandoned session it throws Abandoned.
   */
  async #request(session, method, params) {
    for (;;) {
      if (session.generation !== this.#session.generation) throw new Abandoned()
      const connection = await Promise.race([this.#ready, session.abandoned.promise])
      try {
        return await connection.request(method, params)
      } catch (error) {
        if (!(error instanceof ConnectionLost)) throw error
        if (!this.resumable) throw new Abandoned()
        const run = method === "process/start" ? this.#runs.get(params.processId) : undefined
        if (run !== undefined) run.retried = true
        // The resume is under way (a cut's, or a drop's): #ready is its new connection.
        await sleep(10)
      }
    }
  }

  /** Routes a notification to its process's events. */
  #notified(message) {
    const event = eventOf(message)
    if (event === undefined) return
    const processId = message.params.processId
    const run = this.#runs.get(processId)
    if (run !== undefined) run.events.accept(event)
    else if (this.#closedIds.has(processId)) this.soak.fail("order", `${processId}: ${message.method} (seq ${event.seq}) after closed`)
  }

  /** A connection with a new session (or the resumed one), retrying while the server refuses or cannot accept. */
  async #newSession(resumeSessionId) {
    const deadline = Date.now() + this.soak.reconnectMs
    for (let attempt = 1; ; attempt++) {
      let connection
      try {
        connection = await SoakConnection.open(this.soak.url, (message) => this.#notified(message))
        const answer = await connection.handshake({
          clientName: `soak-${this.name}`,
          detachTtlMs: this.resumable ? this.soak.detachTtlMs : 0,
          ...(resumeSessionId === undefined ? {} : { resumeSessionId })
        })
        if (answer.result !== undefined) {
          this.#session.id = answer.result.sessionId
          this.#connection = connection
          this.#watch(connection)
          return connection
        }
        // -32010: the old connection still holds the session (its close is on its way); -32001: too many sessions for now.
        if (answer.error.code !== -32010 && answer.error.code !== -32001) throw new Error(`initialize answered ${JSON.stringify(answer.error)}`)
        await connection.close()
      } catch (error) {
        connection?.cut()
        if (Date.now() > deadline) throw new Error(`${this.name} could not ${resumeSessionId === undefined ? "connect" : "resume"} in ${this.soak.reconnectMs} ms: ${error.message}`)
      }
      await sleep(Math.min(1000, 50 * attempt))
    }
  }

  /**
   * Cuts its connection mid-stream. Resumable: reconnects after up to
   * `maxGapMs`, resumes, and catches every process up from its cursor.
   * Otherwise: notes the pids of its processes' groups for the soak to see
   * them die, and starts a new session. Resolves with "resumed" or "abandoned".
   */
  async cut(maxGapMs = 2000) {
    this.busy = true
    try {
      const connection = this.#connection
      const doomed = this.resumable ? [] : await this.#processGroups(connection)
      await this.#reconnect(() => connection.cut(), doomed, maxGapMs)
      return this.resumable ? "resumed" : "abandoned"
    } finally {
      this.busy = false
    }
  }

  /** Fails the soak when the server closes a connection the client did not close or cut, and recovers as after a cut. */
  #watch(connection) {
    connection.closed.then(() => {
      if (this.#connection !== connection || this.#closing) return
      this.soak.fail("connection", `${this.name}: the server closed the connection`)
      this.busy = true
      this.#reconnect(() => {}, [], 0).catch((error) => this.soak.fail("connection", error.message)).finally(() => {
        this.busy = false
      })
    })
  }

  /** Ends the current connection with `end`, then resumes its session (resumable) or abandons it and opens another. */
  async #reconnect(end, doomed, maxGapMs) {
    const reconnected = deferred()
    this.#ready = reconnected.promise
    this.#connection = undefined
    end()
    if (!this.resumable) {
      const session = this.#session
      this.#session = { id: undefined, generation: session.generation + 1, abandoned: deferred() }
      session.abandoned.reject(new Abandoned())
      this.soak.expectGone(doomed, `${this.name}'s abandoned session`)
    }
    await sleep(this.soak.random() * maxGapMs)
    try {
      reconnected.resolve(await this.#newSession(this.resumable ? this.#session.id : undefined))
    } catch (error) {
      reconnected.reject(error)
      throw error
    }
    if (this.resumable) await Promise.all([...this.#runs.entries()].map(([processId, run]) => this.#catchUp(processId, run)))
  }

  /** The pids of the groups its running processes lead (`process/list`), for the soak to watch after the cut. */
  async #processGroups(connection) {
    const answer = await connection.request("process/list", {})
    return (answer.result?.processes ?? []).filter((entry) => entry.running).map((entry) => entry.pid)
  }

  /**
   * Reads what a process wrote while the client was away, from the first
   * seq it has not applied, until it has all the server had; live
   * notifications fill in from there. A gap the read cannot fill
   * (`truncated`: evicted from the retained output) is output lost.
   */
  async #catchUp(processId, run) {
    try {
      await run.started.promise
    } catch {
      return
    }
    const { events } = run
    for (;;) {
      if (events.isClosed) return
      const answer = await this.#request(run.session, "process/read", { processId, afterSeq: events.nextSeq - 1, maxBytes: 1 << 20 })
      if (answer.error !== undefined) {
        this.soak.fail("output", `${run.job.kind} ${processId}: process/read after the resume answered ${JSON.stringify(answer.error).slice(0, 200)}`)
        return
      }
      const read = answer.result
      if (read.truncated) this.soak.fail("output", `${run.job.kind} ${processId}: output evicted before the resume read it (truncated after seq ${events.nextSeq - 1})`)
      for (const chunk of read.chunks) events.accept({ seq: chunk.seq, kind: "output", stream: chunk.stream, chunk: chunk.chunk })
      if (read.exited && read.exitedSeq != null) events.accept({ seq: read.exitedSeq, kind: "exited", exitCode: read.exitCode, signal: read.signal })
      if (read.closed) events.accept({ seq: read.nextSeq - 1, kind: "closed" })
      if (events.nextSeq >= read.nextSeq) return
      if (read.chunks.length === 0) {
        this.soak.fail("output", `${run.job.kind} ${processId}: seq ${events.nextSeq} to ${read.nextSeq - 1} neither read nor notified after the resume`)
        return
      }
    }
  }

  /** Stops reading its connection for `ms`, then reads on. */
  async pause(ms) {
    this.busy = true
    this.#paused = true
    const connection = this.#connection
    try {
      connection.pause()
      await sleep(ms)
    } finally {
      connection.resume()
      this.#paused = false
      this.busy = false
    }
  }

  /** A request on its session (the faults' own: fs/* on the full disk). */
  request(method, params) {
    return this.#request(this.#session, method, params)
  }

  /** Closes its connection, once its jobs are done. */
  async close() {
    this.#closing = true
    await this.#connection?.close()
  }

  /** Jobs still running (for a drain that did not end): their ids and where each stands. */
  get unfinished() {
    return [...this.#runs.entries()].map(([processId, run]) => ({
      processId,
      kind: run.job.kind,
      nextSeq: run.events.nextSeq,
      exit: run.events.exit,
      gap: run.events.gap
    }))
  }
}
