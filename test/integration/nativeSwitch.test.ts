/**
 * The switch that keeps the native addon unloaded (`EXEC_SERVER_NATIVE=0`,
 * `--no-native`), and what tells which paths are in use: the start line on
 * stderr and the `exec_server_native_info` gauge.
 */
import { spawnSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { eventually, pipeProcess, serverArgs } from "../support/StdioServer.js"
import { RawWebSocketClient, type RunningWebSocketServer, useWebSocketServers } from "../support/WebSocketServer.js"

const start = useWebSocketServers()

const ADDON_FILE = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../../build/Release/exec_server_native.node")
const addonBuilt = existsSync(ADDON_FILE)
const cpuHasAvx2 = process.arch === "x64" && /^flags\s*:.*\bavx2\b/m.test(readFileSync("/proc/cpuinfo", "utf8"))

/** The annotations of the server's `native addon` line (JSON logs), once it is written. */
const startLineOf = async (server: RunningWebSocketServer): Promise<Record<string, unknown>> => {
  const find = () =>
    server.stderr().split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line))
      .find((line) => line.message === "native addon")
  expect(await eventually(() => find() !== undefined)).toBe(true)
  expect(find()!.logLevel).toBe("INFO")
  return find()!.annotations
}

/** The labels (but the exporter's `otel_scope_*`) of each `exec_server_native_info` series on /metrics, with its value. */
const gaugeOf = async (server: RunningWebSocketServer): Promise<Array<Record<string, string>>> => {
  const text = await (await fetch(`${server.url.replace("ws://", "http://")}/metrics`)).text()
  return text.split("\n").filter((line) => line.startsWith("exec_server_native_info{")).map((line) => {
    const labels = Object.fromEntries(
      [...line.matchAll(/(\w+)="([^"]*)"/g)].filter(([, name]) => !name!.startsWith("otel_scope_")).map(([, name, value]) => [name, value])
    )
    return { ...labels, value: line.slice(line.lastIndexOf(" ") + 1) }
  })
}

/** Whether the server's process has the addon's shared object mapped. */
const addonMapped = (server: RunningWebSocketServer): boolean =>
  readFileSync(`/proc/${server.child.pid}/maps`, "utf8").includes("exec_server_native.node")

/** Runs a pipe process that writes binary output on stdout and text on stderr; what the client received. */
const runOutput = async (server: RunningWebSocketServer) => {
  const client = await RawWebSocketClient.connectReady(server.url)
  await client.request("process/start", pipeProcess("p", ["sh", "-c", "head -c 100000 /dev/zero | tr '\\0' '\\377'; echo err >&2"]))
  await client.waitFor((message) => message.method === "process/closed")
  const bytes = (stream: string) =>
    Buffer.concat(client.messages
      .filter((m) => m.method === "process/output" && m.params.stream === stream)
      .map((m) => Buffer.from(m.params.chunk, "base64")))
  client.socket.close()
  return { stdout: bytes("stdout"), stderr: bytes("stderr").toString() }
}

describe("the native addon switch", () => {
  it.each([
    ["EXEC_SERVER_NATIVE=0", [], { EXEC_SERVER_NATIVE: "0" }],
    ["--no-native", ["--no-native"], { EXEC_SERVER_NATIVE: "1" }]
  ] as const)("%s: pipe children start through child_process, output is read by streams (terminals' by node-pty) and encoded by Node; the addon is not loaded", async (_, args, env) => {
    const server = await start(["--log-format", "json", ...args], { env })
    expect(await startLineOf(server)).toEqual({ addon: "off", spawn: "child_process", output: "streams", terminal: "node-pty", base64: "node" })
    expect(await gaugeOf(server)).toEqual([{ addon: "off", spawn: "child_process", output: "streams", terminal: "node-pty", base64: "node", value: "1" }])
    const output = await runOutput(server)
    expect(output.stdout.equals(Buffer.alloc(100_000, 0xff))).toBe(true)
    expect(output.stderr).toBe("err\n")
    expect(addonMapped(server)).toBe(false)
  })

  it.runIf(addonBuilt)("by default (or EXEC_SERVER_NATIVE=1) pipe children start through posix_spawn, and the addon reads (terminals' too) and encodes their output", async () => {
    const server = await start(["--log-format", "json"], { env: { EXEC_SERVER_NATIVE: "1" } })
    const base64 = cpuHasAvx2 ? "avx2" : "addon"
    expect(await startLineOf(server)).toEqual({ addon: "loaded", spawn: "posix_spawn", output: "addon", terminal: "addon", base64 })
    expect(await gaugeOf(server)).toEqual([{ addon: "loaded", spawn: "posix_spawn", output: "addon", terminal: "addon", base64, value: "1" }])
    const output = await runOutput(server)
    expect(output.stdout.equals(Buffer.alloc(100_000, 0xff))).toBe(true)
    expect(output.stderr).toBe("err\n")
    expect(addonMapped(server)).toBe(true)
  })

  it("the start line comes after a WebSocket server's listening line, which stays the first", async () => {
    const server = await start([], { env: { EXEC_SERVER_NATIVE: "0" } })
    expect(await eventually(() => server.stderr().includes("native addon"))).toBe(true)
    const lines = server.stderr().split("\n")
    expect(lines[0]).toMatch(/^exec-server listening on ws:\/\//)
    expect(lines[1]).toMatch(/message="native addon" .*spawn=child_process/)
  })

  it("EXEC_SERVER_NATIVE other than 0 or 1 stops the server from starting (exit 2)", () => {
    const run = spawnSync(process.execPath, serverArgs(), { input: "", env: { ...process.env, EXEC_SERVER_NATIVE: "no" } })
    expect([run.status, run.stdout.toString(), run.stderr.toString()]).toEqual([
      2,
      "",
      "exec-server: EXEC_SERVER_NATIVE must be 0 or 1, not \"no\"\n"
    ])
  })
})
