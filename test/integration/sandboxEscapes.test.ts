/**
 * Ways out of a sandbox that an attacker tries, with real bubblewrap: a
 * socket served on the host reached through a read-only mount, and a
 * protected path unprotected by renaming one of its parents between two
 * processes (each process is a new sandbox built by path). The server in
 * process, on src/; the descriptors the server's own process inherited are
 * sandboxInherited.test.ts's, on the binary.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { startTimeOf } from "../../src/procfs/processes.js"
import { findExecutable, launcherArgv } from "../../src/sandbox/bubblewrap.js"
import { capsetNumber, filterPaths, prctlNumber, seccompFilter } from "../../src/sandbox/seccomp.js"
import { workspaceWrite } from "../support/codexSandbox.js"
import { useInProcessServers, useInProcessWebSocketServers, useServerEnvironment } from "../support/InProcessServer.js"
import { run, sh } from "../support/sandboxEscapes.js"
import { useNamedTempDirs } from "../support/tempDirs.js"
import { eventually } from "../support/waiting.js"
import { RawWebSocketClient } from "../support/WebSocketClient.js"
import { pipeProcess } from "../support/WireClient.js"

const setServerEnvironment = useServerEnvironment()
const startServer = useInProcessServers()
const startWebSocketServer = useInProcessWebSocketServers()

const tempDir = useNamedTempDirs(".escape-", { unlock: true })
let listeners: Array<Net.Server> = []
let children: Array<ChildProcess> = []
afterEach(async () => {
  for (const child of children) child.kill()
  children = []
  for (const listener of listeners) await new Promise((resolve) => listener.close(resolve))
  listeners = []
})

/** A Unix socket server on the host that greets whoever connects. */
const hostSocket = async (path: string): Promise<void> => {
  const listener = Net.createServer((socket) => socket.end("greeting-from-host\n"))
  await new Promise<void>((resolve) => listener.listen(path, resolve))
  listeners.push(listener)
}

/** A datagram Unix socket on the host (Python's: Node has none), and what reached it. */
const hostDatagramSocket = async (path: string) => {
  const child = spawn("python3", ["-u", "-c", [
    "import socket, sys",
    "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
    "s.bind(sys.argv[1]); print('ready')",
    "while True: print('got:' + s.recv(100).decode())"
  ].join("\n"), path])
  children.push(child)
  let output = ""
  await new Promise<void>((resolve) => child.stdout.on("data", (data: Buffer) => {
    output += data.toString()
    if (output.includes("ready")) resolve()
  }))
  return { received: () => output.split("\n").filter((line) => line.startsWith("got:")) }
}

/** Connects to a Unix socket with Node and prints what it read or the error's code. */
const unixClient = (path: string) =>
  ["node", "-e", `require("net").connect(${JSON.stringify(path)}).on("data", (d) => process.stdout.write("read:" + d)).on("error", (e) => console.log("error:" + e.code))`]

describe("a sandbox without network", () => {
  it("cannot reach a Unix socket served on the host, through a pipe or a PTY; sandboxType says a filter is installed", async () => {
    const workspace = tempDir("ws")
    const outside = tempDir("outside")
    const socket = Path.join(outside, "host.sock")
    await hostSocket(socket)
    const server = await startServer()
    const sandbox = workspaceWrite(workspace)
    for (const tty of [false, true]) {
      const { output, started } = await run(server, `c-${tty}`, unixClient(socket), { cwd: workspace, sandbox }, tty)
      expect(started.sandboxType).toBe("linuxSeccomp")
      expect(output).not.toContain("greeting-from-host")
      expect(output).toContain("error:EPERM")
    }
    // Unsandboxed, the same program reads the greeting: the socket works.
    const { output } = await run(server, "plain", unixClient(socket), { cwd: workspace })
    expect(output).toContain("read:greeting-from-host")
    // What programs need still works: Node's child_process talks to its
    // children through a stream socket pair; io_uring, which makes sockets
    // unseen by the filter, is refused.
    const kids = await run(
      server,
      "kids",
      sh(
        `node -e 'console.log("child:" + require("child_process").execFileSync("echo", ["hi"]).toString().trim())'; ` +
          `python3 -c 'import ctypes, os; libc = ctypes.CDLL(None, use_errno=True); r = libc.syscall(425, 8, ctypes.create_string_buffer(120)); print("io_uring:", r, os.strerror(ctypes.get_errno()))'`
      ),
      { cwd: workspace, sandbox }
    )
    expect(kids.output).toContain("child:hi")
    expect(kids.output).toContain("io_uring: -1 Operation not permitted")
  })

  it("under the operator's flags too, and a datagram socket pair cannot send to a host socket", async () => {
    const box = tempDir("box")
    const outside = tempDir("outside")
    const socket = Path.join(outside, "host.sock")
    await hostSocket(socket)
    const dgram = Path.join(outside, "dgram.sock")
    const server = await startServer(["--sandbox-write", box])
    const { output } = await run(server, "op", unixClient(socket), { cwd: box })
    expect(output).toContain("error:EPERM")
    const host = await hostDatagramSocket(dgram)
    // Python's socketpair: a stream pair works (programs use it to talk to
    // their children); a datagram pair could sendto() any socket path; a
    // seqpacket pair's sendmsg() ignores the address it is given.
    const python = [
      "import socket",
      "a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)",
      "a.send(b'x'); print('stream-pair:' + b.recv(1).decode())",
      "try:",
      "    c, d = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)",
      `    c.sendto(b'y', ${JSON.stringify(dgram)}); print('dgram-sent')`,
      "except OSError as e: print('dgram-refused:' + str(e.errno))",
      "e, f = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)",
      `e.sendmsg([b'z'], [], 0, ${JSON.stringify(dgram)}); print('seqpacket-peer:' + f.recv(1).decode())`,
      // Inside its own network namespace, a test suite's server on loopback works.
      "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()",
      "t = socket.create_connection(s.getsockname()); u, _ = s.accept(); t.send(b'w'); print('loopback:' + u.recv(1).decode())"
    ].join("\n")
    const pair = await run(server, "pair", ["python3", "-c", python], { cwd: box })
    expect(pair.output).toContain("stream-pair:x")
    expect(pair.output).toContain("dgram-refused:1")
    expect(pair.output).toContain("seqpacket-peer:z")
    expect(pair.output).toContain("loopback:w")
    // Nothing from the sandbox reached the host socket, which does receive what is sent to it.
    execFileSync("python3", ["-c", `import socket; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b'h', ${JSON.stringify(dgram)})`])
    expect(await eventually(() => host.received().length > 0)).toBe(true)
    expect(host.received()).toEqual(["got:h"])
  })
})

describe("a protected path whose parent is renamed", () => {
  it("stays protected: the parents between a writable root and a protected path cannot move, nothing is left on the host", async () => {
    const box = tempDir("box")
    Fs.mkdirSync(Path.join(box, "cfg/secret"), { recursive: true })
    Fs.writeFileSync(Path.join(box, "cfg/secret/key.txt"), "top-secret\n")
    const server = await startServer([
      "--sandbox-write",
      box,
      "--sandbox-deny",
      Path.join(box, "cfg/secret"),
      "--sandbox-read-only",
      Path.join(box, "cfg/ro")
    ])
    const moved = await run(server, "mv", sh(`mv ${box}/cfg ${box}/cfg2 && echo moved || echo not-moved`), { cwd: box })
    expect(moved.output).toContain("not-moved")
    expect(moved.output).toContain("Device or resource busy")
    expect(Fs.existsSync(Path.join(box, "cfg2"))).toBe(false)
    const after = await run(
      server,
      "read",
      sh(`cat ${box}/cfg2/secret/key.txt ${box}/cfg/secret/key.txt; echo x > ${box}/cfg/ro/settings || echo ro-refused`),
      { cwd: box }
    )
    expect(after.output).not.toContain("top-secret")
    expect(after.output).toContain("ro-refused")
    const read = await server.request("fs/readFile", { path: Path.join(box, "cfg/secret/key.txt") })
    expect(read.error).toBeDefined()
    // Through fs/*: the parent can be neither removed nor copied with what it protects.
    const removed = await server.request("fs/remove", { path: Path.join(box, "cfg"), recursive: true, force: true })
    expect(removed.error?.data).toMatchObject({ errno: "EBUSY" })
    const copied = await server.request("fs/copy", { sourcePath: Path.join(box, "cfg"), destinationPath: Path.join(box, "copy"), recursive: true })
    expect(copied.error?.data).toMatchObject({ errno: "EACCES", sandboxDenied: true })
    expect(Fs.readdirSync(Path.join(box, "copy/secret"))).toEqual([])
    expect(Fs.readFileSync(Path.join(box, "cfg/secret/key.txt"), "utf8")).toBe("top-secret\n")
    await server.close()
    // The placeholder for the missing cfg/ro is gone with the server, and nothing else is left.
    expect(Fs.readdirSync(Path.join(box, "cfg")).sort()).toEqual(["secret"])
  })

  it("a nested writable root cannot be swapped for an empty one to plant a git hook (Codex's workspace-write under /tmp)", async () => {
    const workspace = tempDir("proj")
    Fs.mkdirSync(Path.join(workspace, ".git/hooks"), { recursive: true })
    const server = await startServer()
    const sandbox = workspaceWrite(workspace)
    const swap = await run(
      server,
      "swap",
      sh(`cd / && mv ${workspace} ${workspace}-moved && mkdir ${workspace} && echo swapped || echo not-swapped`),
      { cwd: workspace, sandbox }
    )
    expect(swap.output).toContain("not-swapped")
    expect(Fs.existsSync(`${workspace}-moved`)).toBe(false)
    const hook = await run(
      server,
      "hook",
      sh(`echo 'touch /tmp/PWNED' > ${workspace}/.git/hooks/post-checkout || echo hook-refused`),
      { cwd: workspace, sandbox }
    )
    expect(hook.output).toContain("hook-refused")
    expect(Fs.readdirSync(Path.join(workspace, ".git/hooks"))).toEqual([])
  })

  it("nested operator roots are bound apart: the inner one cannot be moved out from under its protected names", async () => {
    const outer = tempDir("box2")
    const inner = Path.join(outer, "deep/proj")
    Fs.mkdirSync(Path.join(inner, ".git"), { recursive: true })
    const server = await startServer(["--sandbox-write", outer, "--sandbox-write", inner])
    const moved = await run(
      server,
      "mv",
      sh(`cd / && (mv ${inner} ${outer}/elsewhere && echo inner-moved || echo inner-stuck); (mv ${outer}/deep ${outer}/deep2 && echo deep-moved || echo deep-stuck)`),
      { cwd: outer }
    )
    expect(moved.output).toContain("inner-stuck")
    expect(moved.output).toContain("deep-stuck")
    const hook = await run(server, "hook", sh(`touch ${inner}/.git/HEAD || echo git-refused; touch ${inner}/file && echo file-ok`), { cwd: outer })
    expect(hook.output).toContain("git-refused")
    expect(hook.output).toContain("file-ok")
  })
})

/** A WebSocket upgrade by hand (Node 20 has no WebSocket client of its own): prints the status line. */
const upgrade = (url: string) => {
  const { hostname, port } = new URL(url)
  return [
    "node",
    "-e",
    `const s = require("net").connect(${port}, ${JSON.stringify(hostname.replace(/^\[|\]$/g, ""))}, () => s.write(` +
      `"GET / HTTP/1.1\\r\\nHost: ${hostname}:${port}\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n" + ` +
      `"Sec-WebSocket-Version: 13\\r\\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\n\\r\\n"));` +
      `s.once("data", (d) => { console.log("status:" + d.toString().split("\\r\\n")[0]); s.destroy() });` +
      `s.on("error", (e) => console.log("error:" + e.code))`
  ]
}

describe("a sandbox with network", () => {
  it.each(["127.0.0.1", "[::1]"])("cannot call its own server on %s: an upgrade from inside is refused, the same one from outside is not", async (host) => {
    const workspace = tempDir("ws")
    const server = await startWebSocketServer(["--listen", `ws://${host}:0`])
    const client = await RawWebSocketClient.connectReady(server.url)
    const started = await client.request("process/start", pipeProcess("home", upgrade(server.url), { cwd: workspace, sandbox: workspaceWrite(workspace, "enabled") }))
    expect(started.error).toBeUndefined()
    await client.waitFor((m) => m.method === "process/closed" && m.params.processId === "home")
    expect(client.outputOf("home")).toContain("status:HTTP/1.1 403 Forbidden")
    // Unsandboxed, the same program is let in: nothing else about it is refused.
    await client.request("process/start", pipeProcess("plain", upgrade(server.url), { cwd: workspace }))
    await client.waitFor((m) => m.method === "process/closed" && m.params.processId === "plain")
    expect(client.outputOf("plain")).toContain("status:HTTP/1.1 101 Switching Protocols")
    client.socket.close()
  })
})

/**
 * An upgrade to ws://HOST:PORT from a Python program that tries to hide its
 * end of the connection from the server's search of the descriptor tables
 * before the server looks (its request held back by TCP_CORK, sent 200 ms
 * later, whoever holds the socket then): `netns` moves to a user and network
 * namespace of its own, `thread` connects from a thread with a descriptor
 * table of its own, `inflight` sends its socket to itself over a socket pair
 * and closes it until the answer is due. Prints what the hiding call said and
 * the status line.
 */
const hidingUpgrade = (url: string, how: "netns" | "thread" | "inflight") => {
  const { hostname, port } = new URL(url)
  return ["python3", "-c", [
    "import ctypes, os, socket, sys, threading, time, array",
    "libc = ctypes.CDLL(None, use_errno=True)",
    "def said(r): return 'ok' if r == 0 else os.strerror(ctypes.get_errno())",
    `host, port, how = ${JSON.stringify(hostname.replace(/^\[|\]$/g, ""))}, ${port}, ${JSON.stringify(how)}`,
    "req = ('GET / HTTP/1.1\\r\\nHost: %s:%d\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n"
      + "Sec-WebSocket-Version: 13\\r\\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\n\\r\\n' % (host, port)).encode()",
    "def corked():",
    "  s = socket.create_connection((host, port)); s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1); s.sendall(req); return s",
    "def status(s): return s.recv(200).decode().split('\\r\\n')[0]",
    "if how == 'netns':",
    "  s = corked(); print('hide:', said(libc.unshare(0x10000000 | 0x40000000)), flush=True); print('status:' + status(s))",
    "elif how == 'thread':",
    "  def run():",
    "    print('hide:', said(libc.unshare(0x400)), flush=True); s = socket.create_connection((host, port)); s.sendall(req); print('status:' + status(s))",
    "  t = threading.Thread(target=run); t.start(); t.join()",
    "else:",
    "  s = corked(); a, b = socket.socketpair()",
    "  socket.send_fds(a, [b'x'], [s.fileno()]); s.close(); print('hide: ok', flush=True); time.sleep(0.6)",
    "  _, fds, _, _ = socket.recv_fds(b, 1, 1); s = socket.socket(fileno=fds[0]); print('status:' + status(s))"
  ].join("\n")]
}

describe("a sandbox with network that hides its end of the connection", () => {
  it.each(["netns", "thread", "inflight"] as const)("cannot call its own server (%s): refused 403 whatever the hiding call did", async (how) => {
    const workspace = tempDir("hide")
    const server = await startWebSocketServer(["--listen", "ws://127.0.0.1:0"])
    const client = await RawWebSocketClient.connectReady(server.url)
    // Another sandbox with network runs throughout, so the server looks at every upgrade.
    const keeper = await client.request("process/start", pipeProcess("keeper", ["sleep", "60"], { cwd: workspace, sandbox: workspaceWrite(workspace, "enabled") }))
    expect(keeper.error).toBeUndefined()
    const started = await client.request("process/start", pipeProcess("hide", hidingUpgrade(server.url, how), { cwd: workspace, sandbox: workspaceWrite(workspace, "enabled") }))
    expect(started.error).toBeUndefined()
    await client.waitFor((m) => m.method === "process/closed" && m.params.processId === "hide")
    const output = client.outputOf("hide")
    // Leaving its namespaces or descriptor table is refused by the seccomp filter; a socket in flight is held by no one.
    expect(output).toContain(how === "inflight" ? "hide: ok" : "hide: Operation not permitted")
    expect(output).toContain("status:HTTP/1.1 403 Forbidden")
    // An unsandboxed process that does not hide is let in meanwhile (one that hides is refused too: fail closed).
    await client.request("process/start", pipeProcess("plain", upgrade(server.url), { cwd: workspace }))
    await client.waitFor((m) => m.method === "process/closed" && m.params.processId === "plain")
    expect(client.outputOf("plain")).toContain("status:HTTP/1.1 101 Switching Protocols")
    client.socket.close()
  })
})

describe("a sandbox of a server run as root", () => {
  // The knobs a container runtime shuts. `: >> path` opens for writing (append) and writes nothing:
  // the test never changes a setting of the host's, whatever the server does.
  const KNOBS = [
    "/proc/sys/kernel/core_pattern",
    "/proc/sys/kernel/modprobe",
    "/proc/sys/vm/drop_caches",
    "/proc/sysrq-trigger",
    "/proc/kcore",
    "/proc/keys",
    "/proc/timer_list",
    "/proc/kmsg",
    "/proc/irq/default_smp_affinity",
    "/proc/fs/nfsd/threads"
  ]
  const present = KNOBS.filter((path) => Fs.existsSync(path))
  const probe = present.map((path) => `if ( : >> ${path} ) 2>/dev/null; then echo "writable ${path}"; else echo "refused ${path}"; fi`).join("; ")

  it.runIf(process.getuid?.() === 0)("cannot open the kernel's knobs in /proc for writing (/proc/sys/kernel/core_pattern, sysrq-trigger, ...), as a pipe or under a writable /, nor reach the host user's keyring", async () => {
    expect(present).toContain("/proc/sys/kernel/core_pattern")
    const workspace = tempDir("ws")
    const server = await startServer()
    const rootWrite = {
      permissions: {
        type: "managed",
        file_system: { type: "restricted", entries: [{ path: { type: "special", value: { kind: "root" } }, access: "write" }] },
        network: "restricted"
      },
      cwd: `file://${workspace}`,
      windowsSandboxLevel: "disabled"
    }
    for (const [name, sandbox] of [["workspace", workspaceWrite(workspace)], ["root-write", rootWrite]] as const) {
      const { output } = await run(server, name, sh(probe), { cwd: workspace, sandbox })
      expect(output.trim().split("\n"), name).toEqual(present.map((path) => `refused ${path}`))
    }
    // The kernel's keyrings are no one's namespace: keyctl is refused, as container runtimes refuse it.
    const keyctl = sh(`python3 -c 'import ctypes, os; libc = ctypes.CDLL(None, use_errno=True); r = libc.syscall(${process.arch === "arm64" ? 219 : 250}, 0, -3, 0); print("keyctl:", "ok" if r >= 0 else os.strerror(ctypes.get_errno()))'`)
    expect((await run(server, "keys", keyctl, { cwd: workspace, sandbox: workspaceWrite(workspace) })).output.trim()).toBe("keyctl: Operation not permitted")
    expect((await run(server, "keys-plain", keyctl, { cwd: workspace })).output.trim()).toBe("keyctl: ok")
    // Unsandboxed, root opens them: the probe itself tells the two apart.
    const { output } = await run(server, "plain", sh(`if ( : >> /proc/sys/kernel/core_pattern ) 2>/dev/null; then echo writable; fi`), { cwd: workspace })
    expect(output.trim()).toBe("writable")
  })
})

describe("a sandbox's capabilities (issue 82)", () => {
  /** The capability sets of /proc/self/status in `output`, by name. */
  const capabilities = (output: string) => Object.fromEntries([...output.matchAll(/^(Cap\w+):\s+([0-9a-f]+)$/gm)].map((match) => [match[1], match[2]]))
  const EMPTY = { CapInh: "0000000000000000", CapPrm: "0000000000000000", CapEff: "0000000000000000", CapBnd: "0000000000000000", CapAmb: "0000000000000000" }

  // As root, `--cap-drop ALL` left the bounding set full (000001fffeffffff); an unprivileged server's user namespace emptied it already.
  it("holds none, the bounding set included: a pipe and a PTY, with network and without, and the fs worker", async () => {
    const workspace = tempDir("caps")
    const server = await startServer()
    const status = sh("grep '^Cap' /proc/self/status")
    for (const [name, sandbox, tty] of [
      ["pipe", workspaceWrite(workspace), false],
      ["pty", workspaceWrite(workspace), true],
      ["network", workspaceWrite(workspace, "enabled"), false]
    ] as const) {
      const { output } = await run(server, name, status, { cwd: workspace, sandbox }, tty)
      expect(capabilities(output.replace(/\r\n/g, "\n")), name).toEqual(EMPTY)
    }
    const read = await server.request("fs/readFile", { path: "/proc/self/status", sandbox: workspaceWrite(workspace) })
    const text = Buffer.from((read.result as { dataBase64: string }).dataBase64, "base64").toString()
    expect(capabilities(text)).toEqual(EMPTY)
    // Unsandboxed, the test's own bounding set is not empty: the probe tells the two apart.
    expect(capabilities((await run(server, "plain", status, { cwd: workspace })).output).CapBnd).not.toBe(EMPTY.CapBnd)
  })
})

describe("the seccomp filter's holder (issue 82)", () => {
  // The filter reaches bubblewrap as /proc/<holder>/fd/N, opened by the launch: were the holder dead and its pid
  // given to another process before the server saw the exit, the launch would read that process's descriptor N.
  it("a launch whose holder's pid names another process, holding another filter at the same descriptor, runs nothing", async () => {
    const filter = seccompFilter({ denyUnixSockets: true })!
    // A set of filters of its own, so that the holder is this test's alone.
    const held = filterPaths([filter, Buffer.from(`holder of ${process.pid} ${Date.now()}`)])
    const policy = { rules: [{ path: "/", access: "read" as const, missing: false }], network: false }
    const launcher = { bwrap: findExecutable("bwrap")!, seccompFilter: held.paths[0]!, holder: held.holder, prctl: prctlNumber()!, capset: capsetNumber()! }
    const unixSocket = ["python3", "-c", "import socket\ntry:\n socket.socket(socket.AF_UNIX); print('unix socket: made')\nexcept OSError as e: print('unix socket:', e.strerror)"]
    const launch = (holder: typeof launcher) => spawnSync(launcherArgv(holder, { policy, cwd: "/" }, unixSocket)[0]!, launcherArgv(holder, { policy, cwd: "/" }, unixSocket).slice(1), { encoding: "utf8" })
    expect(launch(launcher).stdout).toBe("unix socket: Operation not permitted\n")
    // The holder dies; the process given its pid holds, at descriptor 3, a filter that allows everything (one RET_ALLOW).
    process.kill(held.holder.pid, "SIGKILL")
    const allowAll = Path.join(tempDir("impostor"), "filter")
    Fs.writeFileSync(allowAll, Buffer.from([0x06, 0, 0, 0, 0, 0, 0xff, 0x7f]))
    const fd = Fs.openSync(allowAll, "r")
    const impostor = spawn("/bin/sh", ["-c", "read -r line"], { stdio: ["pipe", "ignore", "ignore", fd] })
    Fs.closeSync(fd)
    children.push(impostor)
    await new Promise((resolve) => impostor.on("spawn", resolve))
    const reused = { ...launcher, seccompFilter: `/proc/${impostor.pid}/fd/3`, holder: { pid: impostor.pid!, startTime: held.holder.startTime } }
    const refused = launch(reused)
    expect(refused.status).toBe(126)
    expect(refused.stdout).toBe("")
    expect(refused.stderr).toBe(`sandbox: the seccomp filter's holder (pid ${impostor.pid}) is gone, nothing was run\n`)
    // What the check kept from running: with the impostor's own start time, the command runs under its filter.
    expect(launch({ ...reused, holder: { pid: impostor.pid!, startTime: startTimeOf(impostor.pid!)! } }).stdout).toBe("unix socket: made\n")
  })
})

describe("a .git that is a file (a worktree's, a submodule's)", () => {
  it("keeps the git directory it names read-only, and a worktree's common directory, where hooks live (Codex's workspace-write makes /tmp writable)", async () => {
    const workspace = tempDir("ws")
    // A submodule's form: the git directory inside the project.
    Fs.mkdirSync(Path.join(workspace, ".git-dir/hooks"), { recursive: true })
    Fs.writeFileSync(Path.join(workspace, ".git"), "gitdir: .git-dir\n")
    // A worktree's form: the main repository elsewhere in a writable area.
    const main = tempDir("main")
    Fs.mkdirSync(Path.join(main, ".git/hooks"), { recursive: true })
    Fs.mkdirSync(Path.join(main, ".git/worktrees/wt"), { recursive: true })
    Fs.writeFileSync(Path.join(main, ".git/worktrees/wt/commondir"), "../..\n")
    const worktree = tempDir("wt")
    Fs.writeFileSync(Path.join(worktree, ".git"), `gitdir: ${Path.join(main, ".git/worktrees/wt")}\n`)
    const attempt = (path: string) => `( echo planted > ${path} ) 2>/dev/null && echo "wrote ${path}" || echo "refused ${path}"`
    const server = await startServer()
    const submodule = await run(server, "submodule", sh([attempt(".git-dir/hooks/pre-commit"), attempt("ordinary")].join("; ")), {
      cwd: workspace,
      sandbox: workspaceWrite(workspace)
    })
    expect(submodule.output).toBe("refused .git-dir/hooks/pre-commit\nwrote ordinary\n")
    const inWorktree = await run(
      server,
      "worktree",
      sh([
        attempt(Path.join(main, ".git/hooks/post-checkout")),
        attempt(Path.join(main, ".git/worktrees/wt/HEAD")),
        attempt(Path.join(main, "ordinary"))
      ].join("; ")),
      { cwd: worktree, sandbox: workspaceWrite(worktree) }
    )
    expect(inWorktree.output).toBe([
      `refused ${Path.join(main, ".git/hooks/post-checkout")}`,
      `refused ${Path.join(main, ".git/worktrees/wt/HEAD")}`,
      `wrote ${Path.join(main, "ordinary")}`,
      ""
    ].join("\n"))
    expect(Fs.readdirSync(Path.join(main, ".git/hooks"))).toEqual([])
  })
})

describe("the server's own secrets", () => {
  it("its token file is read through no fs/* call (by path, a symlink or a hard link) and by no sandboxed process; other files are", async () => {
    const dir = tempDir("secrets")
    const workspace = tempDir("ws")
    const tokenFile = Path.join(dir, "token")
    Fs.writeFileSync(tokenFile, "the-server-token\n")
    Fs.symlinkSync(tokenFile, Path.join(workspace, "token-link"))
    Fs.linkSync(tokenFile, Path.join(dir, "token-hardlink"))
    const server = await startWebSocketServer(["--ws-token-file", tokenFile])
    const client = await RawWebSocketClient.connectReady(server.url, { authorization: "Bearer the-server-token" })
    for (const path of [tokenFile, Path.join(workspace, "token-link"), Path.join(dir, "token-hardlink")]) {
      expect((await client.request("fs/readFile", { path })).error, path).toMatchObject({ code: -32600, message: expect.stringContaining("holds a secret of this server's") })
      expect((await client.request("fs/copy", { sourcePath: path, destinationPath: Path.join(workspace, "copy") })).error?.code, path).toBe(-32600)
      expect((await client.request("fs/open", { handleId: "h", path })).error?.code, path).toBe(-32600)
      expect((await client.request("fs/writeFile", { path, dataBase64: Buffer.from("known").toString("base64") })).error?.code, path).toBe(-32600)
    }
    expect(Fs.readFileSync(tokenFile, "utf8")).toBe("the-server-token\n")
    Fs.writeFileSync(Path.join(dir, "ordinary"), "ordinary\n")
    expect((await client.request("fs/readFile", { path: Path.join(dir, "ordinary") })).result).toBeDefined()
    // A sandboxed process cannot read it, though its policy lets it read the whole file system.
    const probe = sh(`cat ${tokenFile} 2>&1 | head -c 40; echo; cat ${Path.join(dir, "ordinary")}`)
    await client.request("process/start", pipeProcess("cat", probe, { cwd: workspace, sandbox: workspaceWrite(workspace) }))
    await client.waitFor((m) => m.method === "process/closed" && m.params.processId === "cat")
    expect(client.outputOf("cat")).not.toContain("the-server-token")
    expect(client.outputOf("cat")).toContain("ordinary")
    client.socket.close()
  })

  it("its environment is not readable through fs/* under the operator's sandbox: /proc/self/environ and /proc/1/environ hold none of it", async () => {
    const secret = `server-secret-${process.pid}`
    setServerEnvironment({ EXEC_SERVER_TEST_SECRET: secret })
    const server = await startWebSocketServer(["--sandbox"])
    const client = await RawWebSocketClient.connectReady(server.url)
    for (const path of ["/proc/self/environ", "/proc/1/environ"]) {
      const answer = await client.request("fs/readFile", { path })
      const text = answer.result === undefined ? "" : Buffer.from(answer.result.dataBase64, "base64").toString()
      expect(text, path).not.toContain(secret)
    }
    // The worker did run: a file it may read is read.
    expect((await client.request("fs/readFile", { path: "/etc/hostname" })).result).toBeDefined()
    client.socket.close()
  })
})
