/** Health and Prometheus metrics on the WebSocket listener, against a real server. */
import { writeFileSync } from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { nativeUse } from "../../src/native/addon.js"
import { useInProcessWebSocketServers } from "../support/InProcessServer.js"
import { useTempDirs } from "../support/tempDirs.js"
import { httpRequest, RawWebSocketClient } from "../support/WebSocketClient.js"
import { pipeProcess } from "../support/WireClient.js"

const start = useInProcessWebSocketServers()
const TOKEN = "metrics-test-token-9f86d081884c"
const tempDir = useTempDirs("metrics-")

describe("health and metrics", () => {
  it("/healthz and /readyz answer anyone; /metrics wants the token and counts connections, processes, output, requests and errors", async () => {
    const dir = tempDir()
    writeFileSync(Path.join(dir, "token"), TOKEN)
    const server = await start(["--ws-token-file", Path.join(dir, "token")])
    // Each exchange on a connection of its own: a kept-alive one may be closed by the listener's
    // keep-alive timeout just as the next request goes out on it (a loaded run's "other side closed").
    const healthz = await httpRequest(server.url, "/healthz")
    expect([healthz.status, healthz.body]).toEqual([200, "ok\n"])
    expect((await httpRequest(server.url, "/readyz")).status).toBe(200)
    expect((await httpRequest(server.url, "/metrics")).status).toBe(401)

    const client = await RawWebSocketClient.connectReady(server.url, { authorization: `Bearer ${TOKEN}` })
    await client.request("process/start", pipeProcess("ok", ["sh", "-c", "echo twelve bytes"]))
    await client.waitFor((message) => message.method === "process/closed" && message.params.processId === "ok")
    await client.request("process/start", pipeProcess("bad", ["false"]))
    await client.waitFor((message) => message.method === "process/closed" && message.params.processId === "bad")
    expect((await client.request("no/such/method", {})).error.code).toBe(-32601)

    const scrape = await httpRequest(server.url, "/metrics", { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(scrape.status).toBe(200)
    const text = scrape.body
    const value = (name: string, labels = "") => {
      const line = text.split("\n").find((entry) => entry.startsWith(name) && entry.includes(labels) && !entry.startsWith(`${name}_`))
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1))
    }
    expect(value("exec_server_connections_total")).toBeGreaterThanOrEqual(1)
    expect(value("exec_server_connections{")).toBe(1)
    expect(value("exec_server_sessions{", 'state="attached"')).toBe(1)
    expect(value("exec_server_processes_started_total")).toBe(2)
    expect(value("exec_server_processes_running")).toBe(0)
    expect(value("exec_server_processes_exited_total", 'outcome="success"')).toBe(1)
    expect(value("exec_server_processes_exited_total", 'outcome="failure"')).toBe(1)
    expect(value("exec_server_output_bytes_total", 'stream="stdout"')).toBe(13)
    expect(value("exec_server_errors_total", 'code="-32601"')).toBe(1)
    expect(value("exec_server_request_duration_seconds_count", 'method="process/start"')).toBe(2)
    // This client's handshake alone: not the startup snapshot's rehearsal's too (src/cli/startupSnapshotRehearsal.ts).
    expect(value("exec_server_request_duration_seconds_count", 'method="initialize"')).toBe(1)
    // A made-up method is counted as "unknown", not under its own name.
    expect(text).not.toContain("no/such/method")
    expect(value("exec_server_spawn_duration_seconds_count")).toBe(2)
    // What this machine and EXEC_SERVER_NATIVE give (child_process in the no-native project's run).
    const use = nativeUse()
    expect(value("exec_server_native_info{", `addon="${use.addon}",spawn="${use.spawn}",output="${use.output}",terminal="${use.terminal}",base64="${use.base64}"`)).toBe(1)
  })
})
