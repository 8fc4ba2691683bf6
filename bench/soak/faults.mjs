/**
 * The harsher faults of the soak, one at a time, each bounded in time and
 * in what it touches (the soak's own server and the processes it starts):
 * a reader that stops reading, the server stopped (SIGSTOP) and continued,
 * its descriptors starved (its open-file limit lowered to what it has open,
 * with prlimit), a fork bomb (bounded by `ulimit -u`, as nobody when root),
 * a full disk (a 4 MiB tmpfs in the server's own mount namespace). Each
 * says whether it can run here (`unavailable`: why not) and returns a line
 * for the log.
 */
import { randomBytes } from "node:crypto"
import { membersOfGroup } from "../../test/support/procfs.ts"
import { fillDisk, forkBomb } from "./jobs.mjs"
import { openFileLimits, setOpenFileLimits, tasksOfUser } from "./server.mjs"

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Processes the fork bomb may add to what its user already runs. */
const BOMB_TASKS = 128
/** How long the bomb's leader lives; then the server kills what is left of its group. */
const BOMB_SECONDS = 5
/** The user the bomb runs as when the soak is root (root is not bound by `ulimit -u`). */
const NOBODY = 65534

/** A reader (a client that is not resumable) stops reading its socket for `pauseSeconds`, then reads on: the server must hold its processes back and lose nothing. */
const pause = {
  name: "pause",
  unavailable: () => undefined,
  async run(soak) {
    const worker = soak.pickWorker((candidate) => !candidate.resumable)
    if (worker === undefined) return "no reader to pause"
    await worker.pause(soak.options.pauseSeconds * 1000)
    soak.faults.pauses++
    return `${worker.name} read nothing for ${soak.options.pauseSeconds} s`
  }
}

/** SIGSTOP to the server for `stopSeconds`, then SIGCONT: its children and clients wait, and then everything goes on. */
const stop = {
  name: "stop",
  unavailable: () => undefined,
  async run(soak) {
    process.kill(soak.server.pid, "SIGSTOP")
    soak.serverStopped = true
    try {
      await sleep(soak.options.stopSeconds * 1000)
    } finally {
      process.kill(soak.server.pid, "SIGCONT")
      soak.serverStopped = false
    }
    soak.faults.stops++
    return `the server stopped for ${soak.options.stopSeconds} s`
  }
}

/**
 * The server's open-file limit lowered to the descriptors it has open for
 * `starveSeconds`: every new descriptor (a pipe for a child, a terminal, an
 * accepted connection) fails with EMFILE. Starts refused then are counted,
 * not failures; the server must answer, keep its running processes
 * whole, and work again once the limit is back.
 */
const descriptors = {
  name: "descriptors",
  unavailable: (soak) => soak.hasPrlimit ? undefined : "prlimit is missing",
  async run(soak) {
    const pid = soak.server.pid
    const limits = openFileLimits(pid)
    const open = soak.measure().fds
    soak.starvedUntil = Infinity
    setOpenFileLimits(pid, { soft: open, hard: limits.hard })
    try {
      await sleep(soak.options.starveSeconds * 1000)
    } finally {
      setOpenFileLimits(pid, limits)
      // Answers to what was refused may still be on their way.
      soak.starvedUntil = Date.now() + 5000
    }
    soak.faults.starvations++
    return `the server's open-file limit at ${open} (its open descriptors) for ${soak.options.starveSeconds} s`
  }
}

/**
 * A fork bomb on the faults' connection, bounded by `ulimit -u`; its leader
 * exits 0 after 5 s and the server must kill what is left of its group:
 * the group must be empty soon after (the soak watches it).
 */
const bomb = {
  name: "fork bomb",
  unavailable: (soak) => soak.isRoot && !soak.hasSetpriv ? "setpriv is missing (root is not bound by ulimit -u)" : undefined,
  async run(soak) {
    const uid = soak.isRoot ? NOBODY : process.getuid()
    const runAs = soak.isRoot ? ["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups"] : []
    const job = forkBomb({ maxTasks: tasksOfUser(uid) + BOMB_TASKS, seconds: BOMB_SECONDS, runAs })
    let peak = 0
    const counting = setInterval(() => {
      if (job.group !== undefined) peak = Math.max(peak, membersOfGroup(job.group).length)
    }, 250)
    try {
      await soak.faultWorker.runJob(job)
    } finally {
      clearInterval(counting)
    }
    if (job.group !== undefined) soak.expectGone([job.group], "the fork bomb's group")
    soak.faults.forkBombs++
    soak.faults.bombPeak = Math.max(soak.faults.bombPeak, peak)
    return `a fork bomb of at most ${BOMB_TASKS} more tasks${soak.isRoot ? " (as nobody)" : ""}: ${peak} processes at its peak`
  }
}

/**
 * The disk of the server's namespace filled by a process (which must fail,
 * saying so), then `fs/writeFile` on it refused (no space), then the fill
 * removed with `fs/remove` and the same write taken and read back whole.
 */
const fullDisk = {
  name: "full disk",
  unavailable: (soak) => soak.fullDiskDir === undefined ? "no private tmpfs (needs root and unshare --mount)" : undefined,
  async run(soak) {
    const dir = soak.fullDiskDir
    const worker = soak.faultWorker
    await worker.runJob(fillDisk(`${dir}/fill`))
    const data = randomBytes(64 * 1024).toString("base64")
    const path = `${dir}/after-full`
    const refused = await worker.request("fs/writeFile", { path, dataBase64: data })
    if (refused.error === undefined || !/ENOSPC|no space/i.test(JSON.stringify(refused.error))) {
      soak.fail("error", `fs/writeFile to a full disk answered ${JSON.stringify(refused).slice(0, 300)}`)
    }
    const removed = await worker.request("fs/remove", { path: `${dir}/fill` })
    if (removed.error !== undefined) soak.fail("error", `fs/remove of the fill answered ${JSON.stringify(removed.error).slice(0, 300)}`)
    const written = await worker.request("fs/writeFile", { path, dataBase64: data })
    const read = await worker.request("fs/readFile", { path })
    if (written.error !== undefined || read.result?.dataBase64 !== data) {
      soak.fail("error", `a write once the disk had room: ${JSON.stringify(written).slice(0, 200)}, read back ${read.result?.dataBase64?.length ?? JSON.stringify(read.error)}`)
    }
    await worker.request("fs/remove", { path })
    soak.faults.fullDisks++
    return "the disk filled, a write refused, the disk emptied, the write taken"
  }
}

/** Every fault, in the order the soak takes them round. */
export const FAULTS = [pause, stop, descriptors, bomb, fullDisk]
