/**
 * The cgroup drivers against the files' formats, on fake trees in a
 * temporary directory (the kernel's files are plain files there: what the
 * drivers write is read back, what the kernel would report is written by
 * the test), detection from /proc's texts, the narrowing of the operator's
 * limits, and the operator's size words.
 */
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { spawnSync } from "node:child_process"
import { type CgroupFiles, nodeCgroupFiles, removeStaleRoots } from "../../src/limits/cgroupFiles.js"
import * as CgroupLimits from "../../src/limits/cgroupLimits.js"
import * as V1 from "../../src/limits/cgroupV1.js"
import * as V2 from "../../src/limits/cgroupV2.js"
import { cgroupMounts, detect, detectVersion, ownCgroups, probe } from "../../src/limits/detect.js"
import { operatorLimitsOf, parseSize } from "../../src/limits/operatorFlags.js"
import { groupsNamedByHolders } from "../../src/limits/NodeResourceLimits.js"
import { HOLDER_PATH, holderArgv } from "../../src/holder/holderStart.js"
import { JOIN_HELPER, launcherArgv, LAUNCHER_SCRIPT, PERL } from "../../src/limits/launcher.js"
import { processLimitsOf, processWithinSession, sessionLimitsOf } from "../../src/limits/ResourceLimits.js"

let dirs: Array<string> = []
afterEach(() => {
  for (const dir of dirs) Fs.rmSync(dir, { recursive: true, force: true })
  dirs = []
})
const tempTree = (): string => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "cgroup-fake-"))
  dirs.push(dir)
  return dir
}

/** A fake v2 tree: a new group has the kernel's files (empty, not populated); removal takes the directory as the kernel does. */
const fakeV2Files: CgroupFiles = {
  ...nodeCgroupFiles,
  mkdir: (path) => {
    Fs.mkdirSync(path)
    Fs.writeFileSync(Path.join(path, "cgroup.procs"), "")
    Fs.writeFileSync(Path.join(path, "cgroup.events"), "populated 0\nfrozen 0\n")
    Fs.writeFileSync(Path.join(path, "cgroup.kill"), "")
    Fs.writeFileSync(Path.join(path, "memory.swap.max"), "max\n")
  },
  rmdir: (path) => Fs.rmSync(path, { recursive: true })
}
const fakeV1Files: CgroupFiles = { ...nodeCgroupFiles, rmdir: (path) => Fs.rmSync(path, { recursive: true }) }

const read = (path: string) => Fs.readFileSync(path, "utf8")

describe("cgroup v2 driver (the files' formats)", () => {
  it("limits a session and a process: memory.max with memory.swap.max 0, pids.max, cpu.max, cpu.weight, the controllers enabled below", () => {
    const root = tempTree()
    const driver = V2.make(fakeV2Files, root, ["memory", "pids", "cpu"])
    const group = driver.makeGroup("session-1", { memoryBytes: 1 << 30, pids: 500 })
    const session = Path.join(root, "session-1")
    expect(read(Path.join(session, "cgroup.subtree_control"))).toBe("+memory +pids +cpu")
    expect(read(Path.join(session, "memory.max"))).toBe(`${1 << 30}`)
    expect(read(Path.join(session, "memory.swap.max"))).toBe("0")
    expect(read(Path.join(session, "pids.max"))).toBe("500")
    const leaf = group.makeLeaf("process-1", { memoryBytes: 128 << 20, pids: 64, cpu: 1.5, cpuWeight: 50 })
    const dir = Path.join(session, "process-1")
    expect(leaf.joinFiles).toEqual([Path.join(dir, "cgroup.procs")])
    expect(read(Path.join(dir, "memory.max"))).toBe(`${128 << 20}`)
    expect(read(Path.join(dir, "memory.swap.max"))).toBe("0")
    expect(read(Path.join(dir, "pids.max"))).toBe("64")
    expect(read(Path.join(dir, "cpu.max"))).toBe("150000 100000")
    expect(read(Path.join(dir, "cpu.weight"))).toBe("50")
  })

  it("reads an OOM kill from memory.events, the peak from memory.peak, CPU time from cpu.stat", () => {
    const root = tempTree()
    const leaf = V2.make(fakeV2Files, root, ["memory", "pids"]).makeGroup("s", {}).makeLeaf("p", {})
    const dir = Path.join(root, "s", "p")
    Fs.writeFileSync(Path.join(dir, "memory.events"), "low 0\nhigh 0\nmax 12\noom 1\noom_kill 0\noom_group_kill 0\n")
    expect(leaf.usage()).toEqual({ oomKilled: false, peakMemoryBytes: undefined, cpuTimeMs: undefined })
    Fs.writeFileSync(Path.join(dir, "memory.events"), "low 0\nhigh 0\nmax 40\noom 3\noom_kill 1\noom_group_kill 0\n")
    Fs.writeFileSync(Path.join(dir, "memory.peak"), "134217728\n")
    Fs.writeFileSync(Path.join(dir, "cpu.stat"), "usage_usec 752300\nuser_usec 700000\nsystem_usec 52300\n")
    expect(leaf.usage()).toEqual({ oomKilled: true, peakMemoryBytes: 134217728, cpuTimeMs: 752 })
  })

  it("reads a live process's memory now from memory.current and its CPU time from cpu.stat, nothing else", () => {
    const root = tempTree()
    const leaf = V2.make(fakeV2Files, root, ["memory", "pids"]).makeGroup("s", {}).makeLeaf("p", {})
    const dir = Path.join(root, "s", "p")
    expect(leaf.current()).toEqual({ memoryBytes: undefined, cpuTimeMs: undefined })
    Fs.writeFileSync(Path.join(dir, "memory.current"), "41943040\n")
    Fs.writeFileSync(Path.join(dir, "cpu.stat"), "usage_usec 1240000\nuser_usec 1200000\nsystem_usec 40000\n")
    expect(leaf.current()).toEqual({ memoryBytes: 41943040, cpuTimeMs: 1240 })
    // The exit's reading has them too, with the peak.
    Fs.writeFileSync(Path.join(dir, "memory.peak"), "50331648\n")
    expect(leaf.usage()).toEqual({ oomKilled: false, peakMemoryBytes: 50331648, memoryBytes: 41943040, cpuTimeMs: 1240 })
  })

  it("a session's processes without limits share its leaf `unlimited`, made with it and removed with it", () => {
    const root = tempTree()
    const group = V2.make(fakeV2Files, root, ["memory", "pids"]).makeGroup("s", {})
    const shared = Path.join(root, "s", "unlimited")
    expect(group.joinFiles).toEqual([Path.join(shared, "cgroup.procs")])
    expect(Fs.existsSync(shared)).toBe(true)
    group.remove()
    expect(Fs.existsSync(Path.join(root, "s"))).toBe(false)
  })

  it("refuses CPU limits without a cpu controller, and makes nothing then", () => {
    const root = tempTree()
    const group = V2.make(fakeV2Files, root, ["memory", "pids"]).makeGroup("s", {})
    expect(() => group.makeLeaf("p", { cpu: 1 })).toThrow(/no cpu controller/)
    expect(Fs.existsSync(Path.join(root, "s", "p"))).toBe(false)
  })

  it("kills a session by cgroup.kill, waits for the kernel to empty it, then removes it", async () => {
    const root = tempTree()
    const group = V2.make(fakeV2Files, root, ["memory", "pids"]).makeGroup("s", {})
    group.makeLeaf("p", {})
    const session = Path.join(root, "s")
    Fs.writeFileSync(Path.join(session, "cgroup.events"), "populated 1\nfrozen 0\n")
    // The kernel, here: the group empties once it is told to kill.
    const watcher = Fs.watch(Path.join(session, "cgroup.kill"), () => {
      if (read(Path.join(session, "cgroup.kill")) === "1") Fs.writeFileSync(Path.join(session, "cgroup.events"), "populated 0\nfrozen 0\n")
    })
    try {
      await Effect.runPromise(group.kill)
    } finally {
      watcher.close()
    }
    expect(read(Path.join(session, "cgroup.kill"))).toBe("1")
    group.remove()
    expect(Fs.existsSync(session)).toBe(false)
  })
})

/** A v1 hierarchy of each controller the driver uses (swap accounted), in a temporary tree. */
const v1Roots = () => {
  const base = tempTree()
  const roots = { memory: "memory", pids: "pids", cpu: "cpu", cpuacct: "cpuacct", freezer: "freezer" }
  for (const dir of Object.values(roots)) Fs.mkdirSync(Path.join(base, dir))
  Fs.writeFileSync(Path.join(base, "memory", "memory.memsw.limit_in_bytes"), "")
  return Object.fromEntries(Object.entries(roots).map(([k, v]) => [k, Path.join(base, v)])) as unknown as V1.V1Roots
}

describe("cgroup v1 driver (the files' formats)", () => {
  it("limits memory and swap together, pids, the CFS quota and shares; a process joins its leaves and its session's freezer", () => {
    const roots = v1Roots()
    const group = V1.make(fakeV1Files, roots).makeGroup("s", { memoryBytes: 1 << 30, pids: 300 })
    expect(read(Path.join(roots.memory, "s", "memory.limit_in_bytes"))).toBe(`${1 << 30}`)
    expect(read(Path.join(roots.memory, "s", "memory.memsw.limit_in_bytes"))).toBe(`${1 << 30}`)
    expect(read(Path.join(roots.pids, "s", "pids.max"))).toBe("300")
    const leaf = group.makeLeaf("p", { memoryBytes: 128 << 20, pids: 64, cpu: 0.5, cpuWeight: 200 })
    expect(read(Path.join(roots.memory, "s", "p", "memory.memsw.limit_in_bytes"))).toBe(`${128 << 20}`)
    expect(read(Path.join(roots.pids, "s", "p", "pids.max"))).toBe("64")
    expect(read(Path.join(roots.cpu!, "s", "p", "cpu.cfs_quota_us"))).toBe("50000")
    expect(read(Path.join(roots.cpu!, "s", "p", "cpu.cfs_period_us"))).toBe("100000")
    expect(read(Path.join(roots.cpu!, "s", "p", "cpu.shares"))).toBe("2048")
    expect(leaf.joinFiles).toEqual([
      Path.join(roots.memory, "s", "p", "cgroup.procs"),
      Path.join(roots.pids, "s", "p", "cgroup.procs"),
      Path.join(roots.cpu!, "s", "p", "cgroup.procs"),
      Path.join(roots.cpuacct!, "s", "p", "cgroup.procs"),
      Path.join(roots.freezer!, "s", "cgroup.procs")
    ])
    // A process without limits of its own joins the session's groups themselves: those that
    // bound the session and the freezer that ends it.
    expect(group.joinFiles).toEqual(["memory", "pids", "freezer"].map((h) => Path.join(base(roots), h, "s", "cgroup.procs")))
  })

  it("a process without limits in a session without any joins only the session's freezer; without a freezer, memory and pids", () => {
    const roots = v1Roots()
    expect(V1.make(fakeV1Files, roots).makeGroup("s", {}).joinFiles).toEqual([Path.join(base(roots), "freezer", "s", "cgroup.procs")])
    const { freezer: _, ...noFreezer } = v1Roots()
    expect(V1.make(fakeV1Files, noFreezer).makeGroup("s", {}).joinFiles).toEqual(
      ["memory", "pids"].map((h) => Path.join(Path.dirname(noFreezer.memory), h, "s", "cgroup.procs"))
    )
  })

  it("once a session is limited, its later processes without limits join its memory and pids groups too", () => {
    const roots = v1Roots()
    const group = V1.make(fakeV1Files, roots).makeGroup("s", {})
    expect(group.joinsLimits).toBe(false)
    group.limit({ pids: 10 })
    expect(group.joinsLimits).toBe(true)
    expect(group.joinFiles).toEqual(["memory", "pids", "freezer"].map((h) => Path.join(base(roots), h, "s", "cgroup.procs")))
  })

  const base = (roots: V1.V1Roots) => Path.dirname(roots.memory)

  it("reads the OOM kill from memory.oom_control, the peak and cpuacct.usage", () => {
    const roots = v1Roots()
    const leaf = V1.make(fakeV1Files, roots).makeGroup("s", {}).makeLeaf("p", {})
    Fs.writeFileSync(Path.join(roots.memory, "s", "p", "memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n")
    Fs.writeFileSync(Path.join(roots.memory, "s", "p", "memory.max_usage_in_bytes"), "4096\n")
    Fs.writeFileSync(Path.join(roots.cpuacct!, "s", "p", "cpuacct.usage"), "2500000000\n")
    expect(leaf.usage()).toEqual({ oomKilled: true, peakMemoryBytes: 4096, cpuTimeMs: 2500 })
  })

  it("reads a live process's memory now from memory.usage_in_bytes and its CPU time from cpuacct.usage", () => {
    const roots = v1Roots()
    const leaf = V1.make(fakeV1Files, roots).makeGroup("s", {}).makeLeaf("p", {})
    expect(leaf.current()).toEqual({ memoryBytes: undefined, cpuTimeMs: undefined })
    Fs.writeFileSync(Path.join(roots.memory, "s", "p", "memory.usage_in_bytes"), "41943040\n")
    Fs.writeFileSync(Path.join(roots.cpuacct!, "s", "p", "cpuacct.usage"), "1240000000\n")
    expect(leaf.current()).toEqual({ memoryBytes: 41943040, cpuTimeMs: 1240 })
  })

  it("says when swap is not accounted", () => {
    const roots = v1Roots()
    Fs.rmSync(Path.join(roots.memory, "memory.memsw.limit_in_bytes"))
    const driver = V1.make(fakeV1Files, roots)
    expect(driver.notes.join()).toContain("swap is not accounted")
    driver.makeGroup("s", {}).makeLeaf("p", { memoryBytes: 1 << 20 })
    expect(Fs.existsSync(Path.join(roots.memory, "s", "p", "memory.memsw.limit_in_bytes"))).toBe(false)
  })
})

describe("a session's limits narrowed (the drivers' `limit`)", () => {
  it("v1: memory and swap together, pids, and the session's CFS quota, its leaves' quotas held below it first", () => {
    const roots = v1Roots()
    const group = V1.make(fakeV1Files, roots).makeGroup("s", { memoryBytes: 1 << 30, pids: 300 })
    group.makeLeaf("wide", { cpu: 2 })
    group.makeLeaf("narrow", { cpu: 0.25 })
    group.limit({ memoryBytes: 256 << 20, pids: 40, cpu: 0.5 })
    expect(read(Path.join(roots.memory, "s", "memory.limit_in_bytes"))).toBe(`${256 << 20}`)
    expect(read(Path.join(roots.memory, "s", "memory.memsw.limit_in_bytes"))).toBe(`${256 << 20}`)
    expect(read(Path.join(roots.pids, "s", "pids.max"))).toBe("40")
    expect(read(Path.join(roots.cpu!, "s", "cpu.cfs_quota_us"))).toBe("50000")
    // v1 refuses a parent's quota below a child's (EINVAL): the wider leaf was lowered to it, the narrower left.
    expect(read(Path.join(roots.cpu!, "s", "wide", "cpu.cfs_quota_us"))).toBe("50000")
    expect(read(Path.join(roots.cpu!, "s", "narrow", "cpu.cfs_quota_us"))).toBe("25000")
    // A later leaf that asks more CPU than its session gets the session's.
    group.makeLeaf("later", { cpu: 1 })
    expect(read(Path.join(roots.cpu!, "s", "later", "cpu.cfs_quota_us"))).toBe("50000")
  })

  it("v1: a memory limit the kernel refuses for its swap (EBUSY) leaves the plain limit as it was", () => {
    const roots = v1Roots()
    const memsw = Path.join(roots.memory, "s", "memory.memsw.limit_in_bytes")
    const busyFiles: CgroupFiles = {
      ...fakeV1Files,
      write: (path, text) => {
        if (path === memsw && text === `${64 << 20}`) throw Object.assign(new Error("EBUSY: resource busy"), { code: "EBUSY" })
        fakeV1Files.write(path, text)
      }
    }
    const group = V1.make(busyFiles, roots).makeGroup("s", { memoryBytes: 1 << 30 })
    expect(() => group.limit({ memoryBytes: 64 << 20 })).toThrow(/EBUSY/)
    expect(read(Path.join(roots.memory, "s", "memory.limit_in_bytes"))).toBe(`${1 << 30}`)
    expect(read(memsw)).toBe(`${1 << 30}`)
  })

  it("v1 and v2: CPU without a cpu controller is refused", () => {
    const roots = v1Roots()
    const { cpu: _cpu, ...noCpu } = roots
    expect(() => V1.make(fakeV1Files, noCpu).makeGroup("s", {}).limit({ cpu: 1 })).toThrow(/no cpu controller/)
    expect(() => V2.make(fakeV2Files, tempTree(), ["memory", "pids"]).makeGroup("s", {}).limit({ cpu: 1 })).toThrow(/no cpu controller/)
  })

  it("v2: memory.max with memory.swap.max 0, pids.max, cpu.max on the session's group", () => {
    const root = tempTree()
    const group = V2.make(fakeV2Files, root, ["memory", "pids", "cpu"]).makeGroup("s", {})
    group.limit({ memoryBytes: 128 << 20, pids: 32, cpu: 1.5 })
    expect(read(Path.join(root, "s", "memory.max"))).toBe(`${128 << 20}`)
    expect(read(Path.join(root, "s", "memory.swap.max"))).toBe("0")
    expect(read(Path.join(root, "s", "pids.max"))).toBe("32")
    expect(read(Path.join(root, "s", "cpu.max"))).toBe("150000 100000")
  })
})

describe("a session's cgroup narrowed through the service", () => {
  it("decides against the session's limits of the moment and writes only what changes; a refusal writes nothing", async () => {
    const base = tempTree()
    const roots = Object.fromEntries(["memory", "pids"].map((h) => [h, Path.join(base, h)])) as unknown as V1.V1Roots
    for (const dir of Object.values(roots)) Fs.mkdirSync(dir)
    const writes: Array<string> = []
    const files: CgroupFiles = {
      ...fakeV1Files,
      write: (path, text) => {
        writes.push(`${Path.relative(base, path)}=${text}`)
        fakeV1Files.write(path, text)
      }
    }
    const operator = { process: {}, session: { memoryBytes: 1 << 30 } }
    const outcome = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const limits = yield* CgroupLimits.make(V1.make(files, roots), operator)
      const session = yield* limits.session(operator.session)
      writes.length = 0
      const first = yield* session.narrow({ pids: 50 })
      const wider = yield* Effect.flip(session.narrow({ pids: 60 }))
      const aboveCeiling = yield* Effect.flip(session.narrow({ memoryBytes: 2 * 2 ** 30 }))
      const afterRefusals = [...writes]
      const second = yield* session.narrow({ memoryBytes: 256 << 20, pids: 50 })
      return { first, wider, aboveCeiling, afterRefusals, second, now: session.limits() }
    })))
    expect(outcome.first).toEqual({ memoryBytes: 1 << 30, pids: 50 })
    expect(outcome.wider).toMatchObject({ _tag: "effect-exec-server/SessionLimitRefused", reason: "resourcesAboveSessionLimit" })
    expect(outcome.aboveCeiling).toMatchObject({ reason: "resourcesAboveCeiling" })
    expect(outcome.afterRefusals).toEqual(["pids/session-1/pids.max=50"])
    // pids 50 again is not written a second time.
    expect(writes).toEqual(["pids/session-1/pids.max=50", `memory/session-1/memory.limit_in_bytes=${256 << 20}`])
    expect(outcome.now).toEqual({ memoryBytes: 256 << 20, pids: 50 })
  })
})

describe("a client's request for its session's limits", () => {
  const operator = { process: { memoryBytes: 512 << 20, pids: 256 }, session: { memoryBytes: 1 << 30, pids: 200 } }

  it("narrows the session's current limits field by field; what it does not ask stays", () => {
    expect(sessionLimitsOf({ pids: 50 }, operator.session, operator)).toEqual({ memoryBytes: 1 << 30, pids: 50 })
    expect(sessionLimitsOf({ memoryBytes: 64 << 20, cpu: 1 }, { memoryBytes: 1 << 30, pids: 50 }, operator))
      .toEqual({ memoryBytes: 64 << 20, pids: 50, cpu: 1 })
    // The same value again is no widening.
    expect(sessionLimitsOf({ pids: 50 }, { pids: 50 }, operator)).toEqual({ pids: 50 })
  })

  it("refuses above the operator's session ceiling, naming the flag", () => {
    expect(sessionLimitsOf({ memoryBytes: 2 * 2 ** 30 }, operator.session, operator)).toEqual({
      reason: "resourcesAboveCeiling",
      message: expect.stringContaining("--session-memory-max")
    })
  })

  it("refuses wider than the session's current limit, saying which limit and its value", () => {
    const refusal = sessionLimitsOf({ pids: 60 }, { memoryBytes: 1 << 30, pids: 50 }, operator)
    expect(refusal).toMatchObject({ reason: "resourcesAboveSessionLimit" })
    expect("reason" in refusal && refusal.message).toContain("resources.session.pids 60 is above the session's pids limit 50")
    expect(sessionLimitsOf({ cpu: 2 }, { cpu: 1 }, operator)).toMatchObject({ reason: "resourcesAboveSessionLimit" })
  })

  it("a process within its session: what it asks above the session's is refused, the operator's default held to it", () => {
    expect(processWithinSession({ memoryBytes: 512 << 20, pids: 256 }, undefined, { pids: 50, cpu: 1 }))
      .toEqual({ memoryBytes: 512 << 20, pids: 50 })
    expect(processWithinSession({ cpu: 2 }, {}, { cpu: 1 })).toEqual({ cpu: 1 })
    expect(processWithinSession({ pids: 80 }, { pids: 80 }, { pids: 50 })).toMatchObject({
      reason: "resourcesAboveSessionLimit",
      message: expect.stringContaining("resources.pids 80 is above the session's pids limit 50")
    })
  })
})

describe("detection", () => {
  const mounts = [
    "tmpfs /sys/fs/cgroup tmpfs rw 0 0",
    "cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0",
    "cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,relatime,cpu,cpuacct 0 0",
    "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0"
  ].join("\n")

  it("reads the cgroup mounts and the server's own groups", () => {
    expect(cgroupMounts(mounts)).toEqual([
      { path: "/sys/fs/cgroup/memory", v2: false, controllers: ["rw", "relatime", "memory"] },
      { path: "/sys/fs/cgroup/cpu,cpuacct", v2: false, controllers: ["rw", "relatime", "cpu", "cpuacct"] },
      { path: "/sys/fs/cgroup/unified", v2: true, controllers: [] }
    ])
    const own = ownCgroups("4:memory:/a/b\n2:cpu,cpuacct:/\n0::/\n")
    expect(own.v2).toBe("/")
    expect([...own.v1]).toEqual([["memory", "/a/b"], ["cpu", "/"], ["cpuacct", "/"]])
  })

  it("takes v2 where the server's group has memory and pids delegated, under its own group", () => {
    const base = tempTree()
    const own = Path.join(base, "service")
    Fs.mkdirSync(own)
    Fs.writeFileSync(Path.join(own, "cgroup.controllers"), "cpu memory pids\n")
    const found = detect({
      files: fakeV2Files,
      procSelfCgroup: "0::/service\n",
      mounts: `cgroup2 ${base} cgroup2 rw 0 0`,
      pid: 42,
      rootName: "exec-server.42.x"
    })
    expect(found._tag === "Driver" && found.driver.version).toBe("v2")
    expect(read(Path.join(own, "cgroup.subtree_control"))).toBe("+memory +pids +cpu")
    expect(read(Path.join(own, "exec-server.42.x", "cgroup.subtree_control"))).toBe("+memory +pids +cpu")
  })

  it("a server not alone in its v2 group moves back where it was when its group still cannot enable controllers", () => {
    const base = tempTree()
    const own = Path.join(base, "scope")
    Fs.mkdirSync(own)
    Fs.writeFileSync(Path.join(own, "cgroup.controllers"), "memory pids\n")
    Fs.writeFileSync(Path.join(own, "cgroup.procs"), "42\n77\n")
    // The kernel refuses controllers to a group with processes in it: here 77 stays.
    const busy: CgroupFiles = {
      ...fakeV2Files,
      write: (path, text) => {
        if (path === Path.join(own, "cgroup.subtree_control")) throw Object.assign(new Error("EBUSY"), { code: "EBUSY" })
        fakeV2Files.write(path, text)
      }
    }
    const found = detect({ files: busy, procSelfCgroup: "0::/scope\n", mounts: `cgroup2 ${base} cgroup2 rw 0 0`, pid: 42, rootName: "exec-server.42.x" })
    expect(found._tag).toBe("Containment")
    expect(read(Path.join(own, "cgroup.procs"))).toBe("42")
    expect(Fs.existsSync(Path.join(own, "exec-server.42.self"))).toBe(false)
  })

  it("a probe at start only reads: v2 or v1 with its notes, or why neither; detectVersion then makes the groups", () => {
    const base = tempTree()
    const own = Path.join(base, "service")
    Fs.mkdirSync(own)
    Fs.writeFileSync(Path.join(own, "cgroup.controllers"), "memory pids\n")
    const made: Array<string> = []
    const counting: CgroupFiles = {
      ...fakeV2Files,
      mkdir: (path) => {
        made.push(path)
        fakeV2Files.mkdir(path)
      }
    }
    const v2 = { files: counting, procSelfCgroup: "0::/service\n", mounts: `cgroup2 ${base} cgroup2 rw 0 0` }
    expect(probe(v2)).toEqual({ _tag: "Likely", version: "v2", notes: ["no cpu controller delegated: CPU limits are refused"] })
    expect(made).toEqual([])
    expect(Fs.existsSync(Path.join(own, "cgroup.subtree_control"))).toBe(false)
    const found = detectVersion({ ...v2, pid: 42, rootName: "exec-server.42.x" }, "v2")
    expect(found._tag === "Driver" && found.driver.version).toBe("v2")
    expect(made).toEqual([Path.join(own, "exec-server.42.x")])
    // v1: memory and pids hierarchies; swap not accounted, no cpu, no freezer.
    const v1Base = tempTree()
    for (const controller of ["memory", "pids"]) Fs.mkdirSync(Path.join(v1Base, controller))
    const v1Mounts = `cgroup ${v1Base}/memory cgroup rw,memory 0 0\ncgroup ${v1Base}/pids cgroup rw,pids 0 0`
    expect(probe({ files: fakeV1Files, procSelfCgroup: "5:memory:/\n4:pids:/\n", mounts: v1Mounts })).toEqual({
      _tag: "Likely",
      version: "v1",
      notes: [
        "swap is not accounted (no memory.memsw.*): a memory limit does not bound swap",
        "no cpu controller: CPU limits are refused",
        "no freezer: processes are killed without freezing their group first"
      ]
    })
    expect(Fs.readdirSync(Path.join(v1Base, "memory"))).toEqual([])
    expect(probe({ files: fakeV1Files, procSelfCgroup: "5:memory:/\n", mounts: `cgroup ${v1Base}/memory cgroup rw,memory 0 0` })).toEqual({
      _tag: "None",
      reason: "cgroup v2: not mounted; cgroup v1: no pids hierarchy"
    })
  })

  it("where neither version can limit, v2 without controllers contains sessions: limits refused, nothing enabled", () => {
    const base = tempTree()
    Fs.mkdirSync(Path.join(base, "unified"))
    Fs.writeFileSync(Path.join(base, "unified", "cgroup.controllers"), "hugetlb\n")
    const found = detect({
      files: fakeV2Files,
      procSelfCgroup: "0::/\n",
      mounts: `cgroup2 ${base}/unified cgroup2 rw 0 0`,
      pid: 42,
      rootName: "exec-server.42.x"
    })
    expect(found._tag).toBe("Containment")
    if (found._tag !== "Containment") return
    expect(found.reason).toBe(
      `cgroup v2: the server's cgroup ${base}/unified has no memory, pids controller (not delegated, or bound to v1); cgroup v1: no memory hierarchy`
    )
    expect(found.driver.version).toBe("v2")
    expect(() => found.driver.makeGroup("s", { pids: 10 })).toThrow(/no pids controller/)
    const group = found.driver.makeGroup("s", {})
    expect(group.joinFiles).toEqual([Path.join(base, "unified", "exec-server.42.x", "s", "unlimited", "cgroup.procs")])
    expect(Fs.existsSync(Path.join(base, "unified", "cgroup.subtree_control"))).toBe(false)
    expect(Fs.existsSync(Path.join(base, "unified", "exec-server.42.x", "s", "cgroup.subtree_control"))).toBe(false)
  })

  it("says why no version can be used, nor contain sessions", () => {
    const base = tempTree()
    Fs.mkdirSync(Path.join(base, "unified"))
    const found = detect({
      files: fakeV2Files,
      procSelfCgroup: "0::/gone\n",
      mounts: `cgroup2 ${base}/unified cgroup2 rw 0 0`,
      pid: 42,
      rootName: "exec-server.42.x"
    })
    expect(found).toEqual({
      _tag: "None",
      reason: `cgroup v2: the server's cgroup ${base}/unified/gone has no memory, pids controller (not delegated, or bound to v1); ` +
        `cgroup v1: no memory hierarchy; no cgroup to contain sessions in: cannot make a group in the server's cgroup ${base}/unified/gone (ENOENT)`
    })
  })
})

describe("the groups of servers that are gone", () => {
  it("a server killed before it removed its groups has them removed by the next one; a live server's stay", () => {
    const parent = tempTree()
    const gone = spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" })
    const deadPid = Number(gone.stdout.trim())
    const stale = Path.join(parent, `exec-server.${deadPid}.ab12cd34`)
    Fs.mkdirSync(Path.join(stale, "session-1", "process-1"), { recursive: true })
    // The leaf a v2 server moved itself into (detect.ts), empty once it is gone.
    const staleSelf = Path.join(parent, `exec-server.${deadPid}.self`)
    Fs.mkdirSync(staleSelf)
    const live = Path.join(parent, `exec-server.${process.pid}.ef567890`)
    Fs.mkdirSync(Path.join(live, "session-1"), { recursive: true })
    const other = Path.join(parent, "someone-elses")
    Fs.mkdirSync(other)
    removeStaleRoots({ ...nodeCgroupFiles, rmdir: (path) => Fs.rmdirSync(path) }, parent)
    expect(Fs.existsSync(stale)).toBe(false)
    expect(Fs.existsSync(staleSelf)).toBe(false)
    expect(Fs.existsSync(Path.join(live, "session-1"))).toBe(true)
    expect(Fs.existsSync(other)).toBe(true)
  })

  it("a detection reads the holders' groups once, however many hierarchies hold gone roots, and only once it finds one; a held root stays in each", () => {
    const base = tempTree()
    const hierarchies = ["memory", "pids", "cpu", "cpuacct", "freezer"]
    const deadPid = Number(spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" }).stdout.trim())
    const held = `exec-server.${deadPid}.aa11bb22`
    const gone = `exec-server.${deadPid}.cc33dd44`
    for (const h of hierarchies) {
      for (const root of [held, gone]) Fs.mkdirSync(Path.join(base, h, root, "session-1"), { recursive: true })
    }
    let reads = 0
    const input = (tree: string) => ({
      files: fakeV1Files,
      procSelfCgroup: hierarchies.map((h, i) => `${i + 1}:${h}:/`).join("\n"),
      mounts: hierarchies.map((h) => `cgroup ${tree}/${h} cgroup rw,${h} 0 0`).join("\n"),
      pid: 42,
      rootName: "exec-server.42.x",
      heldRoots: () => {
        reads++
        return new Set(["sys", held, "session-1"])
      }
    })
    const found = detect(input(base))
    expect(found._tag === "Driver" && found.driver.version).toBe("v1")
    expect(reads).toBe(1)
    for (const h of hierarchies) expect(Fs.readdirSync(Path.join(base, h)).sort(), h).toEqual(["exec-server.42.x", held].sort())
    // No gone server's root anywhere: the holders are not looked for.
    const fresh = tempTree()
    for (const h of hierarchies) Fs.mkdirSync(Path.join(fresh, h))
    expect(detectVersion(input(fresh), "v1")._tag).toBe("Driver")
    expect(reads).toBe(1)
  })

  it("the groups a holder's command line names: each between two slashes of its arguments; another program's name none", () => {
    const cgroupFile = "/sys/fs/cgroup/memory/service/exec-server.7.ab12/session-1/process-2/cgroup.procs"
    const holder = [HOLDER_PATH, ...holderArgv({ socketPath: "/run/x/holder-a.sock", argv: ["sleep", "60"], env: {}, joinCgroups: [cgroupFile] })]
    const other = ["/usr/bin/sleep", "/sys/fs/cgroup/memory/exec-server.8.cd34/session-1/cgroup.procs"]
    const named = groupsNamedByHolders([holder, other, []])
    for (const name of ["exec-server.7.ab12", "session-1", "service", "memory"]) expect(named.has(name), name).toBe(true)
    // Not between two slashes: the socket's and the file's own names, the start of an argument.
    for (const name of ["holder-a.sock", "cgroup.procs", "exec-server.7", "exec-server.8.cd34"]) expect(named.has(name), name).toBe(false)
    expect(groupsNamedByHolders([other]).size).toBe(0)
  })
})

describe("the operator's limits and a client's", () => {
  const operator = { process: { memoryBytes: 512 << 20, pids: 256, cpu: 2 }, session: { memoryBytes: 1 << 30, pids: 200 } }

  it("a client narrows; what it does not ask is the operator's (a process never above its session)", () => {
    expect(processLimitsOf({ memoryBytes: 64 << 20 }, operator)).toEqual({ memoryBytes: 64 << 20, pids: 200, cpu: 2 })
    expect(processLimitsOf(undefined, operator)).toEqual({ memoryBytes: 512 << 20, pids: 200, cpu: 2 })
  })

  it("a client that asks above a ceiling is told which flag it is", () => {
    expect(processLimitsOf({ cpu: 3 }, operator)).toContain("--process-cpu-max")
    expect(processLimitsOf({ pids: 201 }, operator)).toContain("--session-pids-max")
    expect(processLimitsOf({ memoryBytes: 600 << 20 }, operator)).toContain("--process-memory-max")
  })

  it("reads sizes as docker writes them", () => {
    expect(parseSize("512M")).toBe(512 << 20)
    expect(parseSize("2g")).toBe(2 * 1024 ** 3)
    expect(parseSize("1.5G")).toBe(1.5 * 1024 ** 3)
    expect(parseSize("1048576")).toBe(1 << 20)
    expect(parseSize("64MiB")).toBe(64 << 20)
    expect(parseSize("lots")).toBeUndefined()
    expect(operatorLimitsOf({ processMemoryMax: "10" })).toContain("--process-memory-max 10")
    expect(operatorLimitsOf({ processCpuMax: "0" })).toContain("--process-cpu-max")
    expect(operatorLimitsOf({ sessionPidsMax: "x" })).toContain("--session-pids-max")
  })
})

describe("the cgroup launcher's arguments (native/cgroup-join.c, and Perl's script where it was not built)", () => {
  const helperBuilt = Fs.existsSync(JOIN_HELPER)
  const launchers: ReadonlyArray<readonly [string, (args: ReadonlyArray<string>) => readonly [string, ReadonlyArray<string>]]> = [
    ...(helperBuilt ? [["helper", (args: ReadonlyArray<string>) => [JOIN_HELPER, args] as const] as const] : []),
    ["perl", (args) => [PERL, ["-e", LAUNCHER_SCRIPT, ...args]] as const]
  ]

  it("the launcher in use is the helper where it was built", () => {
    const [file, args] = launcherArgv(["/a/cgroup.procs"], "sh", ["sh", "-c", "true"])
    expect(args.slice(-6)).toEqual(["1", "/a/cgroup.procs", "sh", "sh", "-c", "true"])
    expect(file).toBe(helperBuilt ? JOIN_HELPER : PERL)
  })

  for (const [name, argvOf] of launchers) {
    it(`${name}: writes its pid into each file, then execs the program in place with the argv[0] it was given`, () => {
      const dir = tempTree()
      const files = [Path.join(dir, "a"), Path.join(dir, "b")]
      for (const file of files) Fs.writeFileSync(file, "")
      // The program is looked up on PATH; $$ is the launcher's own pid, which the files hold.
      const [file, args] = argvOf(["2", ...files, "sh", "named", "-c", "echo $0 $$"])
      const run = spawnSync(file, args, { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } })
      expect(run.status).toBe(0)
      const [arg0, pid] = run.stdout.trim().split(" ")
      expect(arg0).toBe("named")
      expect(pid).toBe(`${run.pid}`)
      for (const f of files) expect(read(f)).toBe(`${run.pid}\n`)
    })

    it(`${name}: exit 126 and nothing runs when a group cannot be joined; 127 when the program is missing`, () => {
      const dir = tempTree()
      const marker = Path.join(dir, "ran")
      const refused = spawnSync(...argvOf(["1", Path.join(dir, "missing", "cgroup.procs"), "sh", "sh", "-c", `touch ${marker}`]), { encoding: "utf8" })
      expect(refused.status).toBe(126)
      expect(refused.stderr).toContain("cannot join the cgroup")
      expect(Fs.existsSync(marker)).toBe(false)
      const missing = spawnSync(...argvOf(["0", Path.join(dir, "no-such-program"), "x"]), { encoding: "utf8" })
      expect(missing.status).toBe(127)
    })
  }

  it.runIf(helperBuilt)("helper: a group count that is not a number, or more files than it was given, is exit 126", () => {
    for (const args of [["x", "sh", "sh"], ["-1", "sh", "sh"], ["3", "/a", "sh", "sh"], []]) {
      expect(spawnSync(JOIN_HELPER, args, { encoding: "utf8" }).status).toBe(126)
    }
  })
})
