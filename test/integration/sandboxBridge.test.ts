/**
 * Host loopback ports bridged into a sandbox without network (issue 46's
 * managed proxy), with real bubblewrap: the bridged port answers inside at
 * the same 127.0.0.1:<port>, nothing else of the host's loopback or Unix
 * sockets does, the command stays the process that is watched and signalled,
 * and the bridge's sockets go with its scope.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { SandboxRequest } from "../../src/protocol/sandbox.js"
import { signalConfined } from "../../src/process/signals.js"
import { FORWARDER_NAME, LOOPBACK_SOCKETS, type LoopbackPort } from "../../src/sandbox/bubblewrap.js"
import { bridge, type BridgedPort } from "../../src/sandbox/loopbackBridge.js"
import { layerNone } from "../../src/sandbox/placeholders.js"
import type { ResolvedSandbox } from "../../src/sandbox/policy.js"
import * as Sandbox from "../../src/sandbox/Sandbox.js"
import { prctlNumber } from "../../src/sandbox/seccomp.js"
import { eventually, isAlive } from "../support/waiting.js"

const sandbox = await Effect.runPromise(Effect.provide(Sandbox.make(), layerNone))

/** Whether this machine can build a sandbox at all (bubblewrap, user namespaces, a filter for the architecture). */
const usable = await Effect.runPromise(
  Effect.scoped(sandbox.launch({ rules: [{ path: "/", access: "read", missing: false }], network: false }, { argv: ["true"], arg0: undefined, cwd: "/" })).pipe(
    Effect.as(true),
    Effect.catch(() => Effect.succeed(false))
  )
)

let scopes: Array<Scope.Closeable> = []
let cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const scope of scopes.reverse()) await Effect.runPromise(Scope.close(scope, Exit.void))
  scopes = []
  for (const cleanup of cleanups.reverse()) await cleanup()
  cleanups = []
})

/** A scope closed after the test (or earlier by the test itself). */
const newScope = (): Scope.Closeable => {
  const scope = Effect.runSync(Scope.make())
  scopes.push(scope)
  return scope
}

const tempDir = (name: string): string => {
  const directory = Fs.realpathSync(Fs.mkdtempSync(Path.join(Os.tmpdir(), `.bridge-${name}-`)))
  cleanups.push(() => Fs.rmSync(directory, { recursive: true, force: true }))
  return directory
}

/** An HTTP server on host 127.0.0.1 answering `handler`, closed after the test. */
const hostHttpServer = async (handler: Http.RequestListener): Promise<{ readonly port: number; readonly server: Http.Server }> => {
  const server = Http.createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  cleanups.push(() => new Promise<void>((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  }))
  return { port: (server.address() as Net.AddressInfo).port, server }
}

/** Forwards each bridged connection to 127.0.0.1:`port` on the host (as the proxy would serve it); counts them. */
const forwardingTo = (port: number) => {
  let accepted = 0
  const accept = (socket: Net.Socket) => {
    accepted++
    const upstream = Net.connect(port, "127.0.0.1")
    upstream.on("error", () => socket.destroy())
    socket.on("error", () => upstream.destroy())
    socket.pipe(upstream).pipe(socket)
  }
  return { accept, accepted: () => accepted }
}

/** Makes the bridge in `scope`. */
const bridgeIn = (scope: Scope.Scope, ports: ReadonlyArray<BridgedPort>) => Effect.runPromise(Scope.provide(bridge(ports), scope))

/** The policy of our own request form: `workspace` writable, the rest read-only, network as given (off by default). */
const policyFor = async (workspace: string, network = false): Promise<ResolvedSandbox> => {
  const request = await Effect.runPromise(Schema.decodeUnknownEffect(SandboxRequest)({ writableRoots: [workspace], network }))
  const confinement = await Effect.runPromise(sandbox.confinementOf(request, { cwd: workspace }))
  if (confinement._tag !== "Confined") throw new Error("expected a confinement")
  return confinement.policy
}

interface Running {
  readonly child: ChildProcess
  readonly launch: Sandbox.SandboxedLaunch
  readonly output: () => string
  /** Resolves once the output contains `text`. */
  readonly outputContains: (text: string) => Promise<void>
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
}

/**
 * Starts `sh -c script` confined by `policy` with `loopbackPorts`, as the
 * spawner starts a child: a session and process group of its own, the
 * sandbox's launch held by `scope`.
 */
const start = async (
  scope: Scope.Scope,
  policy: ResolvedSandbox,
  script: string,
  loopbackPorts: ReadonlyArray<LoopbackPort> | undefined,
  cwd: string
): Promise<Running> => {
  const launch = await Effect.runPromise(Scope.provide(sandbox.launch(policy, { argv: ["sh", "-c", script], arg0: undefined, cwd, loopbackPorts }), scope))
  const [program, ...args] = launch.argv
  const child = spawn(program!, args, { detached: true, stdio: ["pipe", "pipe", "pipe"], env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } })
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) signalConfined(child.pid!, undefined, "SIGKILL")
  })
  let output = ""
  const waiters: Array<{ readonly text: string; readonly resolve: () => void }> = []
  const onData = (data: Buffer) => {
    output += data.toString()
    for (const waiter of [...waiters]) {
      if (!output.includes(waiter.text)) continue
      waiters.splice(waiters.indexOf(waiter), 1)
      waiter.resolve()
    }
  }
  child.stdout!.on("data", onData)
  child.stderr!.on("data", onData)
  // The exit status, once every output was read.
  const exited = new Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>((resolve) =>
    child.once("close", (code, signal) => resolve({ code, signal })))
  return {
    child,
    launch,
    output: () => output,
    outputContains: (text) =>
      output.includes(text) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ text, resolve })),
    exited
  }
}

/** Runs `script` to its end; its output and exit status. */
const run = async (scope: Scope.Scope, policy: ResolvedSandbox, script: string, loopbackPorts: ReadonlyArray<LoopbackPort> | undefined, cwd: string) => {
  const running = await start(scope, policy, script, loopbackPorts, cwd)
  const exit = await running.exited
  return { ...exit, output: running.output(), launch: running.launch }
}

/** Host pids of live forwarders bridging `port` (their argv names the port's socket inside). */
const forwardersOf = (port: number): Array<number> =>
  Fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name)).map(Number).filter((pid) => {
    try {
      const argv = Fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")
      return argv[0] === FORWARDER_NAME && argv.includes(`${LOOPBACK_SOCKETS}/${port}`) && isAlive(pid)
    } catch {
      return false
    }
  })

describe.runIf(usable)("loopback ports bridged into a sandbox without network", () => {
  it("the bridged port answers at the same 127.0.0.1:<port> inside; another host port, host Unix sockets and the bridge's own socket do not", async () => {
    const workspace = tempDir("reach")
    const bridged = await hostHttpServer((_, response) => response.end("hello from the host\n"))
    let unbridgedHits = 0
    const unbridged = await hostHttpServer((_, response) => {
      unbridgedHits++
      response.end("must not be reached\n")
    })
    // A host Unix socket the policy shows (everything is readable), and an abstract one.
    let unixHits = 0
    const unixPath = Path.join(workspace, "host.sock")
    const abstractName = `exec-server-bridge-test-${process.pid}-${Date.now()}`
    for (const address of [unixPath, `\0${abstractName}`]) {
      const sockets = new Set<Net.Socket>()
      const listener = Net.createServer((socket) => {
        unixHits++
        sockets.add(socket)
        socket.end("HTTP/1.0 200 OK\r\n\r\nhost unix\n")
      })
      await new Promise<void>((resolve) => listener.listen(address, resolve))
      cleanups.push(() => new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        listener.close(() => resolve())
      }))
    }
    const forward = forwardingTo(bridged.port)
    const scope = newScope()
    const ports = await bridgeIn(scope, [{ port: bridged.port, accept: forward.accept }])
    const socketPath = ports[0]!.socketPath
    const result = await run(
      scope,
      await policyFor(workspace),
      [
        `curl -sS -w 'status:%{http_code}\\n' http://127.0.0.1:${bridged.port}/`,
        `curl -sS --max-time 5 http://127.0.0.1:${unbridged.port}/; echo unbridged:$?`,
        `curl -sS --max-time 5 --unix-socket ${unixPath} http://x/; echo unix:$?`,
        `curl -sS --max-time 5 --abstract-unix-socket ${abstractName} http://x/; echo abstract:$?`,
        `curl -sS --max-time 5 --unix-socket ${LOOPBACK_SOCKETS}/${bridged.port} http://x/; echo inner-socket:$?`,
        `test -e ${socketPath} && echo host-socket-visible || echo host-socket-hidden`
      ].join("; "),
      ports,
      workspace
    )
    expect(result.output).toContain("hello from the host\nstatus:200")
    expect(result.output).toMatch(/unbridged:[1-9]/)
    expect(result.output).toMatch(/unix:[1-9]/)
    expect(result.output).toMatch(/abstract:[1-9]/)
    // The command may not make a Unix socket at all, the bridged one included: only the forwarder can.
    expect(result.output).toMatch(/inner-socket:[1-9]/)
    expect(result.output).toContain("host-socket-hidden")
    expect(result.output).not.toContain("must not be reached")
    expect(result.output).not.toContain("host unix")
    expect(unbridgedHits).toBe(0)
    expect(unixHits).toBe(0)
    expect(forward.accepted()).toBe(1)
    expect(result.code).toBe(0)
  })

  it("the command is pid 2 and keeps its exit status; the forwarder is neither its child nor in its group, cannot be traced or read, and dies with the sandbox", async () => {
    const workspace = tempDir("status")
    const host = await hostHttpServer((_, response) => response.end("ok\n"))
    const scope = newScope()
    const ports = await bridgeIn(scope, [{ port: host.port, accept: forwardingTo(host.port).accept }])
    const script = [
      "echo pid:$$ pgid:$(ps -o pgid= -p $$ | tr -d ' ')",
      `for p in /proc/[0-9]*; do case "$(tr '\\0' ' ' < $p/cmdline)" in ${FORWARDER_NAME}*) f=\${p#/proc/};; esac; done`,
      "echo forwarder:$f ppid:$(ps -o ppid= -p $f | tr -d ' ') fpgid:$(ps -o pgid= -p $f | tr -d ' ')",
      "cat /proc/$f/environ > /dev/null 2>&1 && echo forwarder-readable || echo forwarder-unreadable",
      "python3 -c 'import ctypes, sys; libc = ctypes.CDLL(None, use_errno=True); print(\"ptrace:\", libc.ptrace(16, int(sys.argv[1]), 0, 0))' $f",
      `curl -sS http://127.0.0.1:${host.port}/ && echo running && read line && exit 7`
    ].join("\n")
    const running = await start(scope, await policyFor(workspace), script, ports, workspace)
    await running.outputContains("running")
    // While it runs the forwarder is a process on the host too; not once the sandbox is gone.
    expect(forwardersOf(host.port).length).toBe(1)
    running.child.stdin!.end("go\n")
    const { code } = await running.exited
    const output = running.output()
    expect(code).toBe(7)
    expect(output).toContain("pid:2 pgid:2")
    const forwarder = /forwarder:(\d+) ppid:(\d+) fpgid:(\d+)/.exec(output)
    expect(forwarder).not.toBeNull()
    expect(Number(forwarder![1])).toBeGreaterThan(2)
    // Adopted by the namespace's init (bubblewrap), in a group of its own.
    expect(forwarder![2]).toBe("1")
    expect(forwarder![3]).toBe(forwarder![1])
    expect(output).toContain("forwarder-unreadable")
    expect(output).toContain("ptrace: -1")
    // bubblewrap exits with the command's status as soon as the command ends; the namespace goes right after.
    expect(await eventually(() => forwardersOf(host.port).length === 0)).toBe(true)
  })

  it("signals to the command's process group end the command and leave the forwarder serving", async () => {
    const workspace = tempDir("signals")
    const host = await hostHttpServer((_, response) => response.end("after-signal\n"))
    const scope = newScope()
    const ports = await bridgeIn(scope, [{ port: host.port, accept: forwardingTo(host.port).accept }])
    const policy = await policyFor(workspace)
    const trapping = await start(
      scope,
      policy,
      `trap 'curl -sS http://127.0.0.1:${host.port}/; exit 5' TERM; echo ready; while :; do sleep 0.05; done`,
      ports,
      workspace
    )
    await trapping.outputContains("ready")
    const commandPid = trapping.launch.commandPid(trapping.child.pid!)
    expect(commandPid).toBeDefined()
    expect(signalConfined(trapping.child.pid!, commandPid, "SIGTERM")).toBe(true)
    expect((await trapping.exited).code).toBe(5)
    expect(trapping.output()).toContain("after-signal")

    const sleeping = await start(scope, policy, "echo ready; sleep 30", ports, workspace)
    await sleeping.outputContains("ready")
    expect(signalConfined(sleeping.child.pid!, sleeping.launch.commandPid(sleeping.child.pid!), "SIGTERM")).toBe(true)
    // bubblewrap reports a command ended by signal n as 128 + n.
    expect((await sleeping.exited).code).toBe(128 + Os.constants.signals.SIGTERM)
  })

  it("20 connections at once all complete, and a large download comes through whole", async () => {
    const workspace = tempDir("concurrent")
    const size = 200 * 1024 * 1024
    const chunk = Buffer.alloc(1024 * 1024, "x")
    // The small requests are answered only once all 20 have arrived: a bridge that took one connection at a time would never finish.
    const waiting: Array<Http.ServerResponse> = []
    const host = await hostHttpServer((request, response) => {
      if (request.url === "/big") {
        response.writeHead(200, { "content-length": String(size) })
        let left = size
        const pump = () => {
          while (left > 0) {
            left -= chunk.length
            if (!response.write(chunk)) return void response.once("drain", pump)
          }
          response.end()
        }
        return pump()
      }
      waiting.push(response)
      if (waiting.length === 20) {
        for (const waiter of waiting) waiter.end(`${waiter.req.url}:`.padEnd(256 * 1024, "y"))
      }
    })
    const forward = forwardingTo(host.port)
    const scope = newScope()
    const ports = await bridgeIn(scope, [{ port: host.port, accept: forward.accept }])
    const result = await run(
      scope,
      await policyFor(workspace),
      `for i in $(seq 20); do curl -sS --max-time 20 -o r$i http://127.0.0.1:${host.port}/$i & done; wait; ` +
        `curl -sS -o /dev/null -w 'big:%{http_code} %{size_download} %{speed_download}\\n' http://127.0.0.1:${host.port}/big`,
      ports,
      workspace
    )
    expect(result.code).toBe(0)
    for (let i = 1; i <= 20; i++) {
      const body = Fs.readFileSync(Path.join(workspace, `r${i}`), "utf8")
      expect(body.length).toBe(256 * 1024)
      expect(body.startsWith(`/${i}:y`)).toBe(true)
    }
    expect(forward.accepted()).toBe(21)
    const big = /big:(\d+) (\d+) (\d+)/.exec(result.output)
    expect(big?.slice(1, 3)).toEqual(["200", String(size)])
    console.log(`through the bridge: ${(Number(big![3]) / 1e6).toFixed(0)} MB/s (200 MiB from a loopback HTTP server)`)
  })

  it("a port the forwarder cannot listen on: the command does not run, and says why", async () => {
    const workspace = tempDir("unlistenable")
    const scope = newScope()
    // Below 1024 without capabilities (a fresh namespace keeps ip_unprivileged_port_start at 1024).
    const ports = await bridgeIn(scope, [{ port: 80, accept: () => {} }])
    const result = await run(scope, await policyFor(workspace), "touch ran", ports, workspace)
    expect(result.code).toBe(126)
    expect(result.output).toContain("sandbox: the loopback bridge did not start: cannot listen on 127.0.0.1:80")
    expect(Fs.existsSync(Path.join(workspace, "ran"))).toBe(false)
  })

  it("closing the bridge's scope closes its connections and removes its directory", async () => {
    const scope = newScope()
    let accepted!: (socket: Net.Socket) => void
    const connection = new Promise<Net.Socket>((resolve) => accepted = resolve)
    const ports = await bridgeIn(scope, [{ port: 1, accept: (socket) => accepted(socket) }])
    const socketPath = ports[0]!.socketPath
    expect(Fs.statSync(Path.dirname(socketPath)).mode & 0o777).toBe(0o700)
    expect(Fs.statSync(socketPath).isSocket()).toBe(true)
    // The test stands in for the forwarder.
    const client = Net.connect(socketPath)
    client.on("error", () => {})
    const clientClosed = new Promise<void>((resolve) => client.once("close", () => resolve()))
    const served = await connection
    await Effect.runPromise(Scope.close(scope, Exit.void))
    await clientClosed
    expect(served.destroyed).toBe(true)
    expect(Fs.existsSync(Path.dirname(socketPath))).toBe(false)
  })

  it("with network the ports are the host's own: nothing is bridged and the launch is the one without ports", async () => {
    const workspace = tempDir("network")
    const host = await hostHttpServer((_, response) => response.end("direct\n"))
    const forward = forwardingTo(host.port)
    const scope = newScope()
    const ports = await bridgeIn(scope, [{ port: host.port, accept: forward.accept }])
    const networked = await policyFor(workspace, true)
    const withPorts = await Effect.runPromise(Scope.provide(sandbox.launch(networked, { argv: ["true"], arg0: undefined, cwd: workspace, loopbackPorts: ports }), scope))
    const withoutPorts = await Effect.runPromise(Scope.provide(sandbox.launch(networked, { argv: ["true"], arg0: undefined, cwd: workspace }), scope))
    expect(withPorts.argv).toEqual(withoutPorts.argv)
    const result = await run(scope, networked, `curl -sS http://127.0.0.1:${host.port}/`, ports, workspace)
    expect(result.output).toBe("direct\n")
    expect(forward.accepted()).toBe(0)
    // Without network and without ports, the launch has no trace of a bridge either.
    const plain = await Effect.runPromise(Scope.provide(sandbox.launch(await policyFor(workspace), { argv: ["true"], arg0: undefined, cwd: workspace, loopbackPorts: [] }), scope))
    expect(plain.argv.join(" ")).not.toContain(LOOPBACK_SOCKETS)
    expect(plain.argv.join(" ")).not.toContain(FORWARDER_NAME)
  })

  it("refuses ports it cannot bridge, and a policy that replaces the sandbox's /dev", async () => {
    const workspace = tempDir("refuse")
    const scope = newScope()
    const policy = await policyFor(workspace)
    const launch = (loopbackPorts: ReadonlyArray<LoopbackPort>, rules = policy) =>
      Effect.runPromise(Effect.result(Scope.provide(sandbox.launch(rules, { argv: ["true"], arg0: undefined, cwd: workspace, loopbackPorts }), scope)))
    const twice = await launch([{ port: 8080, socketPath: "/a" }, { port: 8080, socketPath: "/b" }])
    expect(twice).toMatchObject({ _tag: "Failure", failure: { _tag: "ExecServer/InvalidParams" } })
    const notAPort = await launch([{ port: 70000, socketPath: "/a" }])
    expect(notAPort).toMatchObject({ _tag: "Failure", failure: { _tag: "ExecServer/InvalidParams" } })
    const devRule = await launch([{ port: 8080, socketPath: "/a" }], {
      ...policy,
      rules: [...policy.rules, { path: "/dev", access: "write", missing: false }]
    })
    expect(devRule).toMatchObject({ _tag: "Failure", failure: { _tag: "ExecServer/InvalidParams" } })
    const fromBridge = await Effect.runPromise(Effect.result(Effect.scoped(bridge([{ port: 0, accept: () => {} }]))))
    expect(fromBridge).toMatchObject({ _tag: "Failure", failure: { _tag: "ExecServer/InternalError" } })
  })

  const header = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"
  it.skipIf(process.arch !== "x64" || !Fs.existsSync(header))("calls prctl by the number of the system's headers", () => {
    expect(Number(/#define __NR_prctl\s+(\d+)/.exec(Fs.readFileSync(header, "utf8"))?.[1])).toBe(prctlNumber())
  })
})
