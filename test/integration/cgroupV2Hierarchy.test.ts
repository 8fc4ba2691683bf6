/**
 * The cgroup v2 driver on this machine's real cgroup2 hierarchy
 * (/sys/fs/cgroup/unified: mounted beside the v1 hierarchies, with no
 * controller of its own, as on the build machines and CI). What v2 does
 * without controllers is real here: membership through the launcher,
 * `cgroup.kill`, `cgroup.events`, `cpu.stat`, nested groups and their
 * removal; a limit needs a controller that is not there and is refused.
 * Each test makes its groups under a root of its own (`exec-server.PID.TAG`,
 * as a server's) and removes them, whatever its outcome; the machine's
 * mounts and controllers are never touched.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as References from "effect/References"
import * as Scope from "effect/Scope"
import { spawn, spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { ExecServerClient } from "../../src/client/ExecServerClient.js"
import { nodeCgroupFiles, removeStaleRoots } from "../../src/limits/cgroupFiles.js"
import * as CgroupLimits from "../../src/limits/cgroupLimits.js"
import * as V2 from "../../src/limits/cgroupV2.js"
import { detect } from "../../src/limits/detect.js"
import { launcherArgv } from "../../src/limits/launcher.js"
import * as NodeResourceLimits from "../../src/limits/NodeResourceLimits.js"
import { NO_OPERATOR_LIMITS, ResourceLimits } from "../../src/limits/ResourceLimits.js"
import * as NodeSpawner from "../../src/process/NodeSpawner.js"
import * as InProcessClient from "../../src/testing/InProcessClient.js"
import * as TestServer from "../../src/testing/TestServer.js"
import { eventually, isAlive } from "../support/waiting.js"

const UNIFIED = "/sys/fs/cgroup/unified"
const mounted = Fs.readFileSync("/proc/self/mounts", "utf8").split("\n")
  .some((line) => line.split(" ")[1] === UNIFIED && line.split(" ")[2] === "cgroup2")

/** Groups and pids a test made, removed and killed after it whatever its outcome (deepest groups first). */
let made: Array<string> = []
const strays: Array<number> = []
afterEach(async () => {
  for (const pid of strays.splice(0)) {
    try {
      process.kill(pid, "SIGKILL")
    } catch {
      // Gone, as it should be.
    }
  }
  for (const dir of made.splice(0).reverse()) {
    if (!Fs.existsSync(dir)) continue
    try {
      // Every process below it too.
      Fs.writeFileSync(Path.join(dir, "cgroup.kill"), "1")
    } catch {
      // Gone.
    }
    const groups = deepestFirst(dir)
    await eventually(() => {
      for (const group of groups) {
        try {
          Fs.rmdirSync(group)
        } catch {
          // Busy for a moment longer, or gone.
        }
      }
      return !Fs.existsSync(dir)
    }, 10_000)
  }
})

/** `dir` and every group below it, the deepest first (the order they can be removed in). */
const deepestFirst = (dir: string): Array<string> => {
  let children: Array<string> = []
  try {
    children = Fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => Path.join(dir, e.name))
  } catch {
    // Gone.
  }
  return [...children.flatMap(deepestFirst), dir]
}

/** A root of the test's own below the hierarchy's root, as a server's. */
const makeRoot = (pid = process.pid): string => {
  const root = Path.join(UNIFIED, `exec-server.${pid}.${randomBytes(4).toString("hex")}`)
  Fs.mkdirSync(root)
  made.push(root)
  return root
}

/** The controllers a group's children may have (`cgroup.controllers`: none here). */
const controllersOf = (dir: string): Array<string> =>
  Fs.readFileSync(Path.join(dir, "cgroup.controllers"), "utf8").trim().split(/\s+/).filter(Boolean)

/** `pid`'s v2 group, as /proc says (`0::PATH`). */
const v2GroupOf = (pid: number): string | undefined =>
  Fs.readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n").find((line) => line.startsWith("0::"))?.slice(3)

/** `populated` of a group's `cgroup.events`: the kernel's word that a process is in it or below. */
const populated = (dir: string): boolean => /^populated 1$/m.test(Fs.readFileSync(Path.join(dir, "cgroup.events"), "utf8"))

/** Runs `sh -c script` inside the groups of `joinFiles` through the launcher; its pid and its whole output once it exits. */
const runJoined = (
  joinFiles: ReadonlyArray<string>,
  script: string
): Promise<{ readonly pid: number; readonly code: number | null; readonly stdout: string }> => {
  const [file, args] = launcherArgv(joinFiles, "/bin/sh", ["sh", "-c", script])
  const child = spawn(file, args, { stdio: ["ignore", "pipe", "inherit"] })
  let stdout = ""
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => void (stdout += chunk))
  return new Promise((resolve, reject) => {
    child.on("error", reject)
    child.on("close", (code) => resolve({ pid: child.pid!, code, stdout }))
  })
}

describe.runIf(mounted)("the cgroup v2 driver on a real hierarchy without controllers", () => {
  it("a session's group and a process's group below it: a child joins through the launcher, its CPU time is read, the groups are removed", async () => {
    const root = makeRoot()
    expect(controllersOf(root)).toEqual([])
    const driver = V2.make(nodeCgroupFiles, root, controllersOf(root))
    const group = driver.makeGroup("session-1", {})
    const leaf = group.makeLeaf("process-1", {})
    const session = Path.join(root, "session-1")
    expect(leaf.joinFiles).toEqual([Path.join(session, "process-1", "cgroup.procs")])
    // The child says its own group before it exits; a little work for cpu.stat to count.
    const busy = "i=0; while [ $i -lt 50000 ]; do i=$((i+1)); done"
    const run = await runJoined(leaf.joinFiles, `${busy}; grep '^0::' /proc/self/cgroup`)
    expect(run.code).toBe(0)
    expect(run.stdout).toBe(`0::${root.slice(UNIFIED.length)}/session-1/process-1\n`)
    // cpu.stat's usage_usec is there without the cpu controller; memory's files are not.
    const usage = leaf.usage()
    expect(usage.oomKilled).toBe(false)
    expect(usage.peakMemoryBytes).toBeUndefined()
    expect(usage.memoryBytes).toBeUndefined()
    expect(usage.cpuTimeMs).toBeGreaterThan(0)
    // An unlimited process is in the session's shared leaf.
    const shared = await runJoined(group.joinFiles, "grep '^0::' /proc/self/cgroup")
    expect(shared.stdout).toBe(`0::${root.slice(UNIFIED.length)}/session-1/unlimited\n`)
    leaf.remove()
    expect(Fs.existsSync(Path.join(session, "process-1"))).toBe(false)
    group.remove()
    expect(Fs.existsSync(session)).toBe(false)
  })

  it("a limit whose controller is missing is refused with the reason, and no group is left of it", () => {
    const root = makeRoot()
    const driver = V2.make(nodeCgroupFiles, root, controllersOf(root))
    expect(driver.notes).toEqual([
      "no memory controller delegated: memory limits are refused",
      "no pids controller delegated: process counts limits are refused",
      "no cpu controller delegated: CPU limits are refused"
    ])
    expect(() => driver.makeGroup("session-1", { memoryBytes: 64 << 20 })).toThrow(`there is no memory controller in ${root} to limit memory with`)
    expect(() => driver.makeGroup("session-1", { pids: 64 })).toThrow(/no pids controller/)
    expect(Fs.existsSync(Path.join(root, "session-1"))).toBe(false)
    const group = driver.makeGroup("session-2", {})
    expect(() => group.makeLeaf("process-1", { memoryBytes: 64 << 20 })).toThrow(/no memory controller/)
    expect(() => group.makeLeaf("process-1", { cpu: 1 })).toThrow(/no cpu controller/)
    expect(Fs.existsSync(Path.join(root, "session-2", "process-1"))).toBe(false)
    group.remove()
    expect(Fs.existsSync(Path.join(root, "session-2"))).toBe(false)
  })

  it("a session's killAll ends a setsid grandchild and a double-forked one (cgroup.kill), and its end removes its groups", async () => {
    const root = makeRoot()
    const scope = Effect.runSync(Scope.make())
    const driver = V2.make(nodeCgroupFiles, root, controllersOf(root))
    const limits = await Effect.runPromise(CgroupLimits.make(driver, NO_OPERATOR_LIMITS, true).pipe(Scope.provide(scope)))
    const session = await Effect.runPromise(limits.session({}).pipe(Scope.provide(scope)))
    const sessionDir = Path.join(root, "session-1")
    try {
      // One grandchild in a session of its own, one whose parent exited (a double fork): neither is in the child's process group.
      const run = await runJoined(session.joinFiles, "setsid sh -c 'sleep 300 > /dev/null & echo $!'; (sh -c 'sleep 300 > /dev/null & echo $!' &)")
      const pids = run.stdout.trim().split("\n").map(Number)
      strays.push(...pids)
      expect(pids).toHaveLength(2)
      for (const pid of pids) {
        expect(isAlive(pid)).toBe(true)
        expect(v2GroupOf(pid)).toBe(`${root.slice(UNIFIED.length)}/session-1/unlimited`)
      }
      expect(populated(sessionDir)).toBe(true)
      await Effect.runPromise(session.killAll)
      // The kernel's word: nothing is left in the session's group or below it.
      expect(populated(sessionDir)).toBe(false)
      expect(await eventually(() => pids.every((pid) => !isAlive(pid)), 30_000)).toBe(true)
    } finally {
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
    expect(Fs.existsSync(sessionDir)).toBe(false)
    // The driver's root goes with the service's scope.
    expect(Fs.existsSync(root)).toBe(false)
  }, 60_000)

  it("before cgroup.kill (kernels before 5.14) a session is frozen, each member SIGKILLed and thawed: the real cgroup.freeze", async () => {
    const root = makeRoot()
    // This kernel's files, but for cgroup.kill: the driver takes the older kernels' way.
    const withoutKill = { ...nodeCgroupFiles, exists: (path: string) => !path.endsWith("/cgroup.kill") && nodeCgroupFiles.exists(path) }
    const group = V2.make(withoutKill, root, controllersOf(root)).makeGroup("session-1", {})
    made.push(Path.join(root, "session-1"))
    const leaf = group.makeLeaf("process-1", {})
    const sessionDir = Path.join(root, "session-1")
    const run = await runJoined(leaf.joinFiles, "setsid sh -c 'sleep 300 > /dev/null & echo $!'; sleep 300 > /dev/null & echo $!")
    const pids = run.stdout.trim().split("\n").map(Number)
    strays.push(...pids)
    expect(pids).toHaveLength(2)
    expect(pids.every(isAlive)).toBe(true)
    await Effect.runPromise(group.kill)
    expect(populated(sessionDir)).toBe(false)
    // Thawed again: a group left frozen would freeze whatever joins it next.
    expect(Fs.readFileSync(Path.join(sessionDir, "cgroup.events"), "utf8")).toMatch(/^frozen 0$/m)
    expect(await eventually(() => pids.every((pid) => !isAlive(pid)), 30_000)).toBe(true)
    leaf.remove()
    group.remove()
    expect(Fs.existsSync(sessionDir)).toBe(false)
  }, 60_000)

  it("a server's start removes the groups of a server that is gone, killing what still ran in them; a live server's stay", async () => {
    const gone = spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" })
    const stale = makeRoot(Number(gone.stdout.trim()))
    const leaf = Path.join(stale, "session-1", "unlimited")
    Fs.mkdirSync(leaf, { recursive: true })
    made.push(Path.join(stale, "session-1"), leaf)
    const live = makeRoot()
    Fs.mkdirSync(Path.join(live, "session-1"))
    made.push(Path.join(live, "session-1"))
    // A daemon the gone server left: it runs on in the stale group.
    const run = await runJoined([Path.join(leaf, "cgroup.procs")], "setsid sleep 300 > /dev/null & echo $!")
    const pid = Number(run.stdout.trim())
    strays.push(pid)
    expect(v2GroupOf(pid)).toBe(`${leaf.slice(UNIFIED.length)}`)
    removeStaleRoots(nodeCgroupFiles, UNIFIED)
    expect(await eventually(() => !isAlive(pid), 30_000)).toBe(true)
    expect(Fs.existsSync(stale)).toBe(false)
    expect(Fs.existsSync(Path.join(live, "session-1"))).toBe(true)
  }, 60_000)
})

describe.runIf(mounted)("a host whose cgroups cannot limit: sessions contained by v2 groups without controllers", () => {
  /** This host as one without the v1 hierarchies (only its cgroup2 mount): v2 holds no controller, v1 is not there. */
  const detectWithoutV1 = (rootName: string) =>
    detect({
      files: nodeCgroupFiles,
      procSelfCgroup: Fs.readFileSync("/proc/self/cgroup", "utf8"),
      mounts: Fs.readFileSync("/proc/self/mounts", "utf8").split("\n").filter((line) => line.split(" ")[2] === "cgroup2").join("\n"),
      pid: process.pid,
      rootName
    })

  it("limits are unavailable and a limited start is refused; an unlimited process's setsid grandchild is in its session's group and ends with it", async () => {
    const ownV2 = Fs.readFileSync("/proc/self/cgroup", "utf8").split("\n").find((line) => line.startsWith("0::"))!.slice(3)
    const rootName = `exec-server.${process.pid}.${randomBytes(4).toString("hex")}`
    const root = Path.join(UNIFIED, ownV2, rootName)
    made.push(root)
    const found = detectWithoutV1(rootName)
    expect(found._tag).toBe("Containment")
    const resourceLimits = Layer.effect(ResourceLimits, NodeResourceLimits.fromDetected(found, NO_OPERATOR_LIMITS, true))
    const services = TestServer.layer({ spawner: NodeSpawner.layer, resourceLimits })
    const [initialized, refused, output, sessionGroup] = await Effect.runPromise(Effect.gen(function*() {
      const client = yield* ExecServerClient
      const refused = yield* Effect.flip(client.call("process/start", {
        processId: "limited",
        argv: ["true"],
        cwd: "/",
        env: {},
        tty: false,
        pipeStdin: false,
        arg0: null,
        resources: { memoryBytes: 64 << 20 }
      }))
      const daemon = "setsid sh -c 'sleep 300 > /dev/null & echo $!'; grep '^0::' /proc/self/cgroup"
      yield* client.call("process/start", { processId: "d", argv: ["sh", "-c", daemon], cwd: "/", env: {}, tty: false, pipeStdin: false, arg0: null })
      let output = ""
      let afterSeq = 0
      for (;;) {
        const read = yield* client.call("process/read", { processId: "d", afterSeq, waitMs: 10_000 })
        for (const chunk of read.chunks) output += Buffer.from(chunk.chunk).toString("utf8")
        afterSeq = read.nextSeq - 1
        if (read.closed) break
      }
      const pid = Number(output.split("\n")[0])
      strays.push(pid)
      // Alive in its session's group while the session lasts.
      return [client.server, refused, output, isAlive(pid) ? v2GroupOf(pid) : "gone"] as const
    }).pipe(Effect.provide(InProcessClient.layer().pipe(Layer.provide(services))), Effect.scoped))
    const reason = `cgroup v2: the server's cgroup ${Path.resolve(UNIFIED, `.${ownV2}`)} has no memory, pids controller ` +
      "(not delegated, or bound to v1); cgroup v1: no memory hierarchy"
    expect(initialized.limits?.resources).toEqual({ available: false, reason, process: {}, session: {}, sessionRequests: true })
    expect(refused).toMatchObject({ _tag: "ExecServer/InvalidRequest", reason: "resourcesUnavailable" })
    expect(refused.message).toContain("no memory, pids controller")
    const [pidLine, ownLine] = output.trim().split("\n")
    const session = `${root.slice(UNIFIED.length)}/session-1`
    // The child and its grandchild both in the session's shared leaf.
    expect(ownLine).toBe(`0::${session}/unlimited`)
    expect(sessionGroup).toBe(`${session}/unlimited`)
    // The session's end killed the grandchild (cgroup.kill) and removed the groups, the server's end its root.
    expect(await eventually(() => !isAlive(Number(pidLine)), 30_000)).toBe(true)
    expect(Fs.existsSync(root)).toBe(false)
  }, 60_000)

  it("the start line says why limits are unavailable and that sessions are contained (unless --no-session-cgroups)", async () => {
    const lines: Array<{ readonly level: string; readonly message: unknown; readonly annotations: Record<string, unknown> }> = []
    const keep = Logger.make(({ fiber, logLevel, message }) =>
      void lines.push({ level: logLevel, message, annotations: { ...fiber.getRef(References.CurrentLogAnnotations) } })
    )
    for (const sessionCgroups of [true, false]) {
      const rootName = `exec-server.${process.pid}.${randomBytes(4).toString("hex")}`
      const found = detectWithoutV1(rootName)
      expect(found._tag).toBe("Containment")
      if (found._tag !== "Containment") return
      made.push(Path.join(UNIFIED, v2GroupOf(process.pid)!, rootName))
      await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
        const limits = yield* NodeResourceLimits.fromDetected(found, NO_OPERATOR_LIMITS, sessionCgroups)
        yield* NodeResourceLimits.report.pipe(Effect.provideService(ResourceLimits, limits))
      })).pipe(Effect.provide(Logger.layer([keep]))))
    }
    expect(lines.filter((line) => line.level === "Info").map((line) => [String(line.message), line.annotations])).toEqual([
      ["resource limits unavailable", { reason: expect.stringContaining("no memory, pids controller"), sessions: "contained by cgroup v2 groups without controllers" }],
      ["resource limits unavailable", {
        reason: expect.stringContaining("no memory, pids controller"),
        sessions: "contained by cgroup v2 groups without controllers (off: --no-session-cgroups)"
      }]
    ])
  })
})
