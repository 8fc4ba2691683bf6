/**
 * The built server run in a network namespace the test makes (`unshare`: as
 * root, or as a user mapped to root in a user namespace of its own), so
 * that what its proxies connect to never leaves the machine: only loopback
 * and a veth pair the namespace holds (`veth0` 5.5.5.5/24, its peer with no
 * address: 5.5.5.6 never answers ARP, a connect there fails after about
 * 3 s), no default route (any other address fails at once, ENETUNREACH),
 * and /etc/hosts replaced by the test's names (a mount namespace of its
 * own). A launcher inside starts the server on a WebSocket port of the
 * namespace's loopback and relays a Unix socket to it, which is how the
 * test, outside, opens sessions; `spawnBeside` runs other programs in the
 * same namespaces (another server on the same loopback).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterEach } from "vitest"
import { keepStderr, serverArgs } from "./StdioServer.js"
import { RawWebSocketClient } from "./WebSocketServer.js"

/** The address the namespace's veth holds (the host's own, public-looking), and one on its link that never answers. */
export const OWN_ADDRESS = "5.5.5.5"
export const SILENT_NEIGHBOUR = "5.5.5.6"
/** Where a target started with the server (`target`) listens: the veth's other end, in a namespace of its own. */
export const TARGET_ADDRESS = "5.5.5.7"

/** How `unshare` makes the namespaces here, or undefined when it cannot (no unshare, no user namespaces). */
const unshareFlags = ((): ReadonlyArray<string> | undefined => {
  const root = process.getuid?.() === 0
  for (const flags of root ? [["-n", "-m"], ["-r", "-n", "-m"]] : [["-r", "-n", "-m"]]) {
    if (spawnSync("unshare", [...flags, "true"], { stdio: "ignore" }).status === 0) return flags
  }
  return undefined
})()

/** Whether a network namespace can be made here. */
export const namespacesAvailable = unshareFlags !== undefined

/**
 * Sets the namespace up, then runs its arguments; the hosts file is `$0`.
 * With `$NETNS_TARGET` (a shell command), the veth's other end goes to a
 * network namespace of its own holding TARGET_ADDRESS, where the command
 * runs; the server starts once the command has printed its first line.
 * The command's stdin is a FIFO the launcher (and so the server) holds
 * open: it ends when they do. (FIFOs opened read-write do not wait for
 * their other end.)
 */
const SETUP = [
  "set -e",
  "ip link set lo up",
  "ip link add veth0 type veth peer name veth1",
  `ip addr add ${OWN_ADDRESS}/24 dev veth0`,
  "ip link set veth0 up",
  "ip link set veth1 up",
  "mount --bind \"$0\" /etc/hosts",
  "if [ -n \"$NETNS_TARGET\" ]; then",
  "  mkfifo \"$0.in\" \"$0.go\" \"$0.ready\" \"$0.alive\"",
  "  exec 9<>\"$0.alive\"",
  "  unshare -n sh -c 'echo in > \"$1\"; read -r go < \"$2\"; ip link set lo up; " +
  `ip addr add ${TARGET_ADDRESS}/24 dev veth1; ip link set veth1 up; exec sh -c "$NETNS_TARGET"' ` +
  "sh \"$0.in\" \"$0.go\" < \"$0.alive\" 1<>\"$0.ready\" 9>&- &",
  "  read -r line < \"$0.in\"",
  "  ip link set veth1 netns $!",
  "  echo go > \"$0.go\"",
  "  read -r line < \"$0.ready\"",
  "fi",
  "exec \"$@\""
].join("\n")

/**
 * Listens on the namespace's 127.0.0.1 at each port of
 * $NETNS_LOOPBACK_RELAYS (JSON: port to a Unix socket path) and carries
 * each connection to its socket, then starts the server (its stderr passed
 * on), relays `<dir>/server.sock` to its port once its banner names it,
 * then prints `{pid, port}`, and `{exit, signal}` when it ends.
 */
const LAUNCHER = `
const { spawn } = require("node:child_process")
const net = require("node:net")
const path = require("node:path")
const [dir, file, ...args] = process.argv.slice(1)
const carry = (client, upstream) => {
  client.pipe(upstream)
  upstream.pipe(client)
  client.on("error", () => upstream.destroy())
  upstream.on("error", () => client.destroy())
}
const relays = Object.entries(JSON.parse(process.env.NETNS_LOOPBACK_RELAYS || "{}"))
let listening = 0
const listened = () => {
  if (++listening === relays.length) startServer()
}
for (const [port, socketPath] of relays) {
  net.createServer((client) => carry(client, net.connect(socketPath))).listen(Number(port), "127.0.0.1", listened)
}
let server
const startServer = () => {
  server = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"] })
  let banner = ""
  let relaying = false
  // Ours says where it listens on stderr, the reference on stdout.
  const onBanner = (chunk) => {
    process.stderr.write(chunk)
    if (relaying) return
    banner += chunk
    const match = /ws:\\/\\/127\\.0\\.0\\.1:(\\d+)/.exec(banner)
    if (match === null) return
    relaying = true
    const port = Number(match[1])
    net.createServer((client) => carry(client, net.connect(port, "127.0.0.1"))).listen(path.join(dir, "server.sock"), () => console.log(JSON.stringify({ pid: server.pid, port })))
  }
  server.stdout.on("data", onBanner)
  server.stderr.on("data", onBanner)
  server.on("exit", (code, signal) => {
    console.log(JSON.stringify({ exit: code, signal }))
    process.exit(0)
  })
}
if (relays.length === 0) startServer()
process.on("SIGTERM", () => server?.kill("SIGKILL"))
`

/** A server in a namespace of the test's. */
export interface NamespacedServer {
  /** The server's pid (the test's PID namespace). */
  readonly pid: number
  /** Its WebSocket port on the namespace's loopback. */
  readonly port: number
  /** A new session on it, initialized. */
  readonly connect: () => Promise<RawWebSocketClient>
  /** Replaces the namespace's /etc/hosts (name to address): what the next lookup finds. */
  readonly setHosts: (hosts: Readonly<Record<string, string>>) => void
  /** Whether the server still runs (its launcher has not reported its end). */
  readonly running: () => boolean
  /** Fails, saying how the server ended and what it wrote, once it ends: raced against what a test awaits. */
  readonly ends: Promise<never>
  readonly stderr: () => string
  /**
   * Starts `argv` in the server's network and mount namespaces (its
   * loopback is the server's), killed after the test as the server is.
   */
  readonly spawnBeside: (argv: ReadonlyArray<string>) => ChildProcess
}

/**
 * Starts servers in namespaces of their own, `hosts` their /etc/hosts
 * (name to address), `env` over this process's, `target` a shell command
 * run at TARGET_ADDRESS (see SETUP), `command` another server to run (the
 * reference), `args` the server's arguments after its listen address,
 * `loopbackRelays` ports of the namespace's 127.0.0.1 carried to Unix
 * sockets of the test's (listening before the server starts); each is
 * killed after each test of the calling file.
 */
export const useNamespacedServers = () => {
  const running: Array<{ readonly launcher: ChildProcess; readonly dir: string; readonly beside: Array<ChildProcess> }> = []
  afterEach(() => {
    for (const { beside, dir, launcher } of running.splice(0)) {
      for (const child of beside) child.kill("SIGKILL")
      launcher.kill("SIGTERM")
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
  return (
    hosts: Readonly<Record<string, string>>,
    env: Readonly<Record<string, string>> = {},
    options: {
      readonly target?: string
      /** Another server speaking the same protocol (the reference), with its arguments up to the listen address; ours by default. */
      readonly command?: ReadonlyArray<string> | undefined
      readonly args?: ReadonlyArray<string> | undefined
      readonly loopbackRelays?: Readonly<Record<number, string>> | undefined
    } = {}
  ): Promise<NamespacedServer> => {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "netns-server-"))
    const hostsFile = Path.join(dir, "hosts")
    // Written in place (the same inode, which the namespace's /etc/hosts is bound to); the resolver reads it at each lookup.
    const setHosts = (names: Readonly<Record<string, string>>) =>
      Fs.writeFileSync(hostsFile, ["127.0.0.1 localhost", "::1 localhost", ...Object.entries(names).map(([name, address]) => `${address} ${name}`)].join("\n") + "\n")
    setHosts(hosts)
    const listen = ["--listen", "ws://127.0.0.1:0", ...(options.args ?? [])]
    const server = options.command === undefined ? [process.execPath, ...serverArgs(...listen)] : [...options.command, ...listen]
    const command = [process.execPath, "-e", LAUNCHER, dir, ...server]
    const launcher = spawn("unshare", [...unshareFlags!, "--", "/bin/sh", "-c", SETUP, hostsFile, ...command], {
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        ...env,
        ...(options.target === undefined ? {} : { NETNS_TARGET: options.target }),
        ...(options.loopbackRelays === undefined ? {} : { NETNS_LOOPBACK_RELAYS: JSON.stringify(options.loopbackRelays) })
      }
    })
    const beside: Array<ChildProcess> = []
    running.push({ launcher, dir, beside })
    // unshare execs its command: the launcher's pid is in the namespaces. In a user namespace, entering it comes first.
    const enter = ["nsenter", `--target=${String(launcher.pid)}`, ...(unshareFlags!.includes("-r") ? ["--user", "--preserve-credentials"] : []), "--net", "--mount", "--"]
    const spawnBeside = (argv: ReadonlyArray<string>): ChildProcess => {
      const child = spawn(enter[0]!, [...enter.slice(1), ...argv], { stdio: ["ignore", "pipe", "pipe"] })
      beside.push(child)
      return child
    }
    const stderr = keepStderr("the namespaced server", launcher.stderr!)
    let ended: { readonly exit: number | null; readonly signal: string | null } | undefined
    let reportEnd = () => {}
    const ends = new Promise<never>((_, reject) => {
      reportEnd = () => reject(new Error(`the server ended (${JSON.stringify(ended)}): ${stderr()}`))
    })
    // Only the races a test makes report it.
    ends.catch(() => {})
    return new Promise((resolve, reject) => {
      let lines = ""
      launcher.stdout!.setEncoding("utf8")
      launcher.stdout!.on("data", (text: string) => {
        lines += text
        for (const line of lines.split("\n").slice(0, -1)) {
          const message = JSON.parse(line) as { readonly pid?: number; readonly exit?: number | null; readonly signal?: string | null }
          if (message.pid !== undefined) {
            const socketPath = Path.join(dir, "server.sock")
            resolve({
              pid: message.pid,
              port: (message as { port: number }).port,
              connect: () => RawWebSocketClient.connectReady(`ws://127.0.0.1:${String((message as { port: number }).port)}`, {}, { createConnection: () => Net.connect(socketPath) }),
              setHosts,
              running: () => ended === undefined,
              ends,
              stderr,
              spawnBeside
            })
          } else {
            ended = { exit: message.exit ?? null, signal: message.signal ?? null }
            reportEnd()
          }
        }
        lines = lines.slice(lines.lastIndexOf("\n") + 1)
      })
      launcher.on("exit", (code) => {
        if (ended === undefined) {
          ended = { exit: code, signal: null }
          reportEnd()
        }
        reject(new Error(`the namespace's launcher ended (${code}) before the server listened: ${stderr()}`))
      })
    })
  }
}
