/**
 * The pipe spawner's two ways of starting children, posix_spawn (our addon)
 * and Node's child_process, give a child the same world: its PATH search,
 * working directory, environment, a session of its own, default signal
 * dispositions, no inherited descriptors, the same errors.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as Fs from "node:fs"
import * as Path from "node:path"
import type { ChildProcess, SpawnRequest } from "../../src/process/ChildProcess.js"
import * as NodePipeSpawner from "../../src/process/NodePipeSpawner.js"
import { nativeAddon, type OutputWatch } from "../../src/native/addon.js"
import { posixSpawnAvailable } from "../../src/process/posixSpawn.js"
import { useTempDirs } from "../support/tempDirs.js"

interface Finished {
  readonly stdout: string
  readonly stderr: string
  readonly exitCode: number
  readonly signal: string | null
}

const request = (argv: ReadonlyArray<string>, overrides: Partial<SpawnRequest> = {}): SpawnRequest => ({
  tty: false,
  argv,
  cwd: process.cwd(),
  env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
  pipeStdin: false,
  size: { rows: 24, cols: 80 },
  ...overrides
})

/** Runs a child to its end (feeding `input` to its stdin) and collects what it wrote. */
const run = (
  spawnWith: "posixSpawn" | "childProcess",
  spawnRequest: SpawnRequest,
  input?: string
): Effect.Effect<Finished, unknown> =>
  Effect.scoped(
    Effect.gen(function*() {
      const child: ChildProcess = yield* NodePipeSpawner.make({ spawnWith }).spawn(spawnRequest)
      const decoder = { stdout: new TextDecoder(), stderr: new TextDecoder(), pty: new TextDecoder() }
      const text = { stdout: "", stderr: "", pty: "" }
      let exit: { exitCode: number; signal: string | null } | undefined
      const closed = Effect.callback<void>((resume) => {
        child.listen((event) => {
          if (event._tag === "Output") text[event.stream] += decoder[event.stream].decode(event.bytes)
          else if (event._tag === "Exited") exit = { exitCode: event.exitCode, signal: event.signal }
          else resume(Effect.void)
        })
      })
      if (input !== undefined) {
        yield* child.write(new TextEncoder().encode(input))
        yield* child.closeStdin
      }
      yield* closed
      return { stdout: text.stdout, stderr: text.stderr, ...exit! }
    })
  )

const ways = posixSpawnAvailable() ? (["posixSpawn", "childProcess"] as const) : (["childProcess"] as const)

/**
 * A pids and a memory cgroup of this test's (cgroup v1 as on this machine,
 * as root), below the test process's own, removed after the tests;
 * undefined where they cannot be made.
 */
const testCgroups = (() => {
  const own = (controller: string) =>
    Fs.readFileSync("/proc/self/cgroup", "utf8").split("\n").map((line) => line.split(":"))
      .find(([, controllers]) => controllers?.split(",").includes(controller))?.[2]
  const dirs: Array<string> = []
  try {
    for (const controller of ["pids", "memory"]) {
      const path = own(controller)
      if (path === undefined) throw new Error(`no ${controller} hierarchy`)
      const dir = Path.join(`/sys/fs/cgroup/${controller}`, path, `pipe-spawner-test.${process.pid}`)
      Fs.mkdirSync(dir)
      dirs.push(dir)
    }
  } catch {
    for (const dir of dirs) Fs.rmdirSync(dir)
    return undefined
  }
  afterAll(() => {
    for (const dir of dirs) Fs.rmdirSync(dir)
  })
  return dirs
})()

/** Each way of starting children, and each joining cgroups (the addon's clone, or the launcher) where there are some. */
const variants: ReadonlyArray<readonly [string, "posixSpawn" | "childProcess", (() => ReadonlyArray<string>) | undefined]> = [
  ...ways.map((way) => [way, way, undefined] as const),
  ...(testCgroups === undefined ? [] : ways.map((way) =>
    [`${way} joining cgroups`, way, () => testCgroups.map((dir) => Path.join(dir, "cgroup.procs"))] as const
  ))
]


describe.each(variants)("pipe spawner with %s", (_name, spawnWith, joinCgroups) => {
  const tempDir = useTempDirs("pipe-spawner-")
  const req = (argv: ReadonlyArray<string>, overrides: Partial<SpawnRequest> = {}): SpawnRequest =>
    request(argv, { ...(joinCgroups === undefined ? {} : { joinCgroups: joinCgroups() }), ...overrides })

  it.effect("runs a program found on the child's PATH, in its cwd, with its environment and stdin", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const bin = Path.join(dir, "bin")
      Fs.mkdirSync(bin)
      // Only on the child's PATH, not on the server's.
      Fs.writeFileSync(Path.join(bin, "greet"), "#!/bin/sh\necho \"hi $NAME from $(pwd)\"\nread line\necho \"got $line\" >&2\nexit 7\n", { mode: 0o755 })
      const finished = yield* run(
        spawnWith,
        req(["greet"], { cwd: dir, env: { PATH: `${bin}:/usr/bin:/bin`, NAME: "ada" }, pipeStdin: true }),
        "line one\n"
      )
      expect(finished).toEqual({ stdout: `hi ada from ${dir}\n`, stderr: "got line one\n", exitCode: 7, signal: null })
    }))

  it.effect("runs a script without a #! line with the shell, as execvp does", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const script = Path.join(dir, "plain")
      Fs.writeFileSync(script, "echo plain script $0\n", { mode: 0o755 })
      const finished = yield* run(spawnWith, req([script]))
      expect(finished.stdout).toBe(`plain script ${script}\n`)
      expect(finished.exitCode).toBe(0)
    }))

  it.effect("passes argv[0] apart from the program", () =>
    Effect.gen(function*() {
      const finished = yield* run(spawnWith, req(["sh", "-c", "echo $0"], { arg0: "-login-shell" }))
      expect(finished.stdout).toBe("-login-shell\n")
    }))

  it.effect("starts the child as the leader of a new session, with default signals and only fds 0-2", () =>
    Effect.gen(function*() {
      // Node ignores SIGPIPE and libuv blocks nothing: the child must see neither. The
      // signal state is read by the spawned process itself (the shell execs grep):
      // a shell's own status, read by a child it is starting, can show the signals
      // the shell blocks around its vfork.
      const finished = yield* run(
        spawnWith,
        req([
          "sh",
          "-c",
          "echo sid $(cut -d' ' -f6 /proc/$$/stat) pid $$; ls /proc/$$/fd; exec grep -E '^(SigIgn|SigBlk)' /proc/self/status"
        ])
      )
      const lines = finished.stdout.trim().split("\n")
      const [, sid, , pid] = lines[0]!.split(" ")
      expect(sid).toBe(pid)
      expect(lines.slice(-2)).toEqual(["SigBlk:\t0000000000000000", "SigIgn:\t0000000000000000"])
      // The shell may hold one more descriptor of its own (dash: 10 for a redirect); none of ours.
      expect(lines.slice(1, -2).filter((fd) => Number(fd) > 2 && Number(fd) < 10)).toEqual([])
    }))

  it.effect("reports a signal that ended the child", () =>
    Effect.gen(function*() {
      const finished = yield* run(spawnWith, req(["sh", "-c", "kill -TERM $$"]))
      expect(finished).toMatchObject({ exitCode: 143, signal: "SIGTERM" })
    }))

  it.effect("fails with SpawnNotFound for a missing program and for a missing cwd", () =>
    Effect.gen(function*() {
      const missingProgram = yield* Effect.flip(run(spawnWith, req(["no-such-program-here"])))
      expect(missingProgram).toMatchObject({ _tag: "ExecServer/SpawnNotFound", missing: "program", path: "no-such-program-here", errno: "ENOENT" })
      const missingPath = yield* Effect.flip(run(spawnWith, req(["/no/such/program"])))
      expect(missingPath).toMatchObject({ _tag: "ExecServer/SpawnNotFound", missing: "program", path: "/no/such/program" })
      const missingCwd = yield* Effect.flip(run(spawnWith, req(["true"], { cwd: "/no/such/dir" })))
      expect(missingCwd).toMatchObject({ _tag: "ExecServer/SpawnNotFound", missing: "cwd", path: "/no/such/dir" })
    }))

  it.effect("reports a script's missing interpreter as InternalError ENOENT, not as a missing program", () =>
    Effect.gen(function*() {
      const script = Path.join(tempDir(), "orphan")
      Fs.writeFileSync(script, "#!/no/such/interpreter\n", { mode: 0o755 })
      const failure = yield* Effect.flip(run(spawnWith, req([script])))
      expect(failure).toMatchObject({ _tag: "ExecServer/InternalError", errno: "ENOENT" })
    }))

  it.effect("leaves no descriptor behind after many children", () =>
    Effect.gen(function*() {
      const fdCount = () => Fs.readdirSync("/proc/self/fd").length
      yield* run(spawnWith, req(["true"]))
      const before = fdCount()
      for (let i = 0; i < 40; i++) yield* run(spawnWith, req(["sh", "-c", "echo x; cat >/dev/null"], { pipeStdin: true }), "in\n")
      expect(fdCount()).toBeLessThanOrEqual(before)
    }))

  it.live("paused, it reads nothing more and the child blocks on a full stdout; resumed, every byte arrives in order", () =>
    Effect.scoped(Effect.gen(function*() {
      // It writes once told to, so that the pause surely comes first.
      const child = yield* NodePipeSpawner.make({ spawnWith }).spawn(
        req(["sh", "-c", "read go; exec seq 1 300000"], { pipeStdin: true })
      )
      child.setPaused(true)
      yield* child.write(new TextEncoder().encode("go\n"))
      const received: Array<Uint8Array> = []
      const closed = Effect.callback<void>((resume) => {
        child.listen((event) => {
          if (event._tag === "Output") received.push(Uint8Array.from(event.bytes))
          else if (event._tag === "Closed") resume(Effect.void)
        })
      })
      // Blocked in write(2) on its full stdout (a pipe, or Node's socket pair): /proc says so. Polled, not slept on.
      const writeSyscall = process.arch === "arm64" ? "64" : "1"
      const blocked = () => {
        try {
          return Fs.readFileSync(`/proc/${child.pid}/syscall`, "utf8").split(" ")[0] === writeSyscall
        } catch {
          return false
        }
      }
      let checks = 0
      while (!blocked() && checks++ < 500) yield* Effect.sleep("10 millis")
      expect(blocked()).toBe(true)
      const whilePaused = received.reduce((total, bytes) => total + bytes.byteLength, 0)
      // At most what was read before the pause took hold: far from the 2 MB the child has to write.
      expect(whilePaused).toBeLessThan(256 * 1024)
      child.setPaused(false)
      yield* closed
      const expected = Array.from({ length: 300000 }, (_, i) => `${i + 1}\n`).join("")
      expect(Buffer.concat(received).toString()).toBe(expected)
    })))

  it.live("closing its scope kills a child that is still running", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const child = yield* Scope.provide(NodePipeSpawner.make({ spawnWith }).spawn(req(["sleep", "30"])), scope)
      expect(child.groupExists()).toBe(true)
      yield* Scope.close(scope, Exit.void)
      // SIGKILL to the group: it is gone once the event loop has reaped it.
      let exists = true
      for (let check = 0; check < 300 && exists; check++) {
        yield* Effect.sleep("10 millis")
        exists = child.groupExists()
      }
      expect(exists).toBe(false)
    }))
})

describe.runIf(testCgroups !== undefined)("a child joining cgroups", () => {
  const tempDir = useTempDirs("cgroup-join-")
  const procsFiles = () => testCgroups!.map((dir) => Path.join(dir, "cgroup.procs"))

  it.effect.each(ways)("with %s is in each of them before the command runs", (spawnWith) =>
    Effect.gen(function*() {
      // The command reads its own groups: it ran in them.
      const finished = yield* run(spawnWith, request(["sh", "-c", "grep -E ':(pids|memory):' /proc/$$/cgroup"], { joinCgroups: procsFiles() }))
      const lines = finished.stdout.trim().split("\n")
      expect(lines).toHaveLength(2)
      for (const line of lines) expect(line.endsWith(`/pipe-spawner-test.${process.pid}`)).toBe(true)
      expect(finished.exitCode).toBe(0)
    }))

  it.effect.skipIf(!posixSpawnAvailable())("through the addon, a group it cannot join fails the start with its own error, and nothing runs", () =>
    Effect.gen(function*() {
      const marker = Path.join(tempDir(), "ran")
      // /dev/full refuses the child's write of "0" (ENOSPC), after its setup: the clone's own failure.
      const refused = yield* Effect.flip(run("posixSpawn", request(["sh", "-c", `touch ${marker}`], { joinCgroups: [...procsFiles(), "/dev/full"] })))
      expect(refused).toMatchObject({ _tag: "ExecServer/InternalError", errno: "ENOSPC" })
      expect(String((refused as Error).message)).toContain("cannot place the process in its cgroup (/dev/full)")
      // A file that is not there is refused as it is opened, and is not taken for a missing program.
      const missing = yield* Effect.flip(run("posixSpawn", request(["true"], { joinCgroups: ["/no/such/group/cgroup.procs"] })))
      expect(missing).toMatchObject({ _tag: "ExecServer/InternalError", errno: "ENOENT" })
      expect(String((missing as Error).message)).toContain("cannot place the process in its cgroup (/no/such/group/cgroup.procs)")
      expect(Fs.existsSync(marker)).toBe(false)
    }))
})

describe.runIf(nativeAddon() !== undefined)("the addon's output watch", () => {
  it("refuses arguments of the wrong kind", () => {
    const addon = nativeAddon()!
    expect(() => addon.watchOutput(-1, -1, Buffer.alloc(16), () => {})).toThrow(TypeError)
    expect(() => addon.watchOutput(0, 1, "buffer" as unknown as Buffer, () => {})).toThrow(TypeError)
    expect(() => addon.watchOutput(0, 1, Buffer.alloc(16), "callback" as unknown as () => void)).toThrow(TypeError)
    expect(() => addon.pauseOutput({} as OutputWatch)).toThrow(TypeError)
    expect(() => addon.closeOutput(undefined as unknown as OutputWatch)).toThrow(TypeError)
  })
})
