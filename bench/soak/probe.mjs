/**
 * The probe: a cheap request (`fs/getMetadata` of "/", a stat in the
 * server's own process) on a connection of its own, one at a time, every
 * `probeMs`, its latency kept. A probe not answered within
 * `probeTimeoutMs`, answered wrong, or lost with its connection is a
 * failure: the server must answer throughout, whatever the others do to it.
 *
 * It runs in a thread of its own (this module is also the thread's), so
 * that its latencies are the server's, not the wait of a client's event
 * loop busy with the load's gigabytes.
 */
import { performance } from "node:perf_hooks"
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads"
import { ConnectionLost, SoakConnection } from "./connection.mjs"

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** The probe as the soak sees it: latencies and failures, from its thread. */
export class Probe {
  answered = 0
  failed = 0
  /** Every latency, ms (a soak of hours keeps a few tens of thousands). */
  allLatencies = []
  /** Every answer: when it came (ms since the epoch) and its latency (ms). */
  allAnswers = []
  #taken = 0
  #thread
  #stopped

  /** `fail(detail)` is told of each failure as it happens. */
  constructor(url, { probeMs, probeTimeoutMs, fileUris }, fail) {
    this.settings = { url, probeMs, probeTimeoutMs, path: fileUris ? "file:///" : "/" }
    this.fail = fail
  }

  /** Starts its thread; resolves once its connection is ready. */
  start() {
    this.#thread = new Worker(new URL(import.meta.url), { workerData: { probe: this.settings } })
    this.#stopped = new Promise((resolve) => this.#thread.once("exit", resolve))
    return new Promise((resolve, reject) => {
      this.#thread.on("message", (message) => {
        switch (message.type) {
          case "ready":
            resolve()
            break
          case "answered":
            this.allLatencies.push(message.ms)
            this.allAnswers.push({ at: message.at, ms: message.ms })
            if (message.late) this.failed++
            else this.answered++
            break
          case "failed":
            this.failed++
            break
          case "failure":
            this.fail(message.detail)
            break
        }
      })
      this.#thread.once("error", reject)
    })
  }

  /** The latencies since the last call. */
  takeLatencies() {
    const latest = this.allLatencies.slice(this.#taken)
    this.#taken = this.allLatencies.length
    return latest
  }

  /** Stops probing (after the probe in flight) and closes its connection. */
  async stop() {
    if (this.#thread === undefined) return
    this.#thread.postMessage("stop")
    await this.#stopped
  }
}

/** The probe's thread: connects, probes until told to stop, reports each answer. */
const probeThread = async ({ url, probeMs, probeTimeoutMs, path }) => {
  const report = (message) => parentPort.postMessage(message)
  let running = true
  parentPort.once("message", () => {
    running = false
  })
  const connect = async () => {
    const connection = await SoakConnection.open(url, () => {})
    const answer = await connection.handshake({ clientName: "soak-probe", detachTtlMs: 0 })
    if (answer.result === undefined) throw new Error(`the probe's initialize answered ${JSON.stringify(answer.error)}`)
    return connection
  }
  let connection = await connect()
  report({ type: "ready" })
  while (running) {
    const started = performance.now()
    let late = false
    const timer = setTimeout(() => {
      late = true
      report({ type: "failure", detail: `a probe not answered within ${probeTimeoutMs} ms` })
    }, probeTimeoutMs)
    try {
      const answer = await connection.request("fs/getMetadata", { path })
      if (answer.result?.isDirectory !== true) throw new Error(`a probe answered ${JSON.stringify(answer).slice(0, 300)}`)
      report({ type: "answered", ms: performance.now() - started, at: Date.now(), late })
    } catch (error) {
      report({ type: "failed" })
      if (!(error instanceof ConnectionLost)) report({ type: "failure", detail: error.message })
      else {
        report({ type: "failure", detail: "the probe's connection closed" })
        try {
          connection = await connect()
        } catch (reason) {
          report({ type: "failure", detail: `the probe could not connect again: ${reason.message}` })
          break
        }
      }
    } finally {
      clearTimeout(timer)
    }
    await sleep(probeMs)
  }
  await connection.close()
  parentPort.close()
}

if (!isMainThread && workerData?.probe !== undefined) await probeThread(workerData.probe)
