/**
 * `environment/info` and the `environmentInfo` of `initialize`: the
 * reference's shape, the server's own host, and capability flags that claim
 * only what this server answers, and the reference's beside ours (the
 * server in process, on src/, the reference as a child; a server started in
 * another directory with another $TMPDIR: environmentInfoProcess.test.ts).
 */
import { transparentTcpSupported } from "../../src/sandbox/transparentTcp.js"
import { readFileSync } from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { describe, expect, it } from "vitest"
import { REFERENCE_EXECUTOR_VERSION } from "../../src/server/environmentInfo.js"
import { useInProcessServers, useServersToCompare } from "../support/InProcessServer.js"
import { needsReference, REFERENCE_BINARY } from "../support/reference.js"

const start = useInProcessServers()
const startToCompare = useServersToCompare()

/** The request each capability flag lets a client send, answered (not -32601) by a server that claims it. */
const requestOf: Record<string, readonly [string, Record<string, unknown>]> = {
  fileWriteStreaming: ["fs/writeBlock", { handleId: "none", offset: 0, chunk: "" }],
  sandboxedFileStreaming: ["fs/readBlock", { handleId: "none", offset: 0, len: 1 }],
  fsWatchMissing: ["fs/watchMissing", { watchId: 1, missing: [] }],
  httpHeaderEnvVars: ["http/request", { method: "GET", url: "http://127.0.0.1:1/", requestId: "r" }],
  environmentConfigRead: ["environmentConfig/read", {}],
  capabilityDiscoverySandbox: ["capabilityRoots/discoverV1", { roots: [] }],
  capabilityDiscoveryV2: ["capabilities/discoverV2", {}]
}

/** The capability flags of codex 0.171's `environment/info`, in its order (../shared/REFERENCE-0171.md §2). */
const REFERENCE_CAPABILITIES = [
  "networkProxyLaunch", "networkProxyReviewDomains", "networkProxyTransparentTcp", "credentialMasking",
  "credentialMaskingCustomProviders", "capabilityDiscoverySandbox", "fsWatchMissing", "capabilityDiscoveryV2",
  "environmentConfigRead", "httpHeaderEnvVars", "sandboxedFileStreaming", "fileWriteStreaming", "shellSnapshotV2",
  "windowsMxc", "linuxRootWritePreservesDevices", "linuxApprovedRootWritePreservesRestrictions"
]

/** `major.minor.patch` as numbers, or undefined for anything that is not a semver. */
const semver = (version: unknown): readonly [number, number, number] | undefined => {
  const match = typeof version === "string" ? /^(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/.exec(version) : null
  return match === null ? undefined : [Number(match[1]), Number(match[2]), Number(match[3])]
}

const atLeast = (version: readonly [number, number, number], floor: readonly [number, number, number]): boolean => {
  for (let i = 0; i < 3; i++) if (version[i] !== floor[i]) return version[i]! > floor[i]!
  return true
}

describe("environment info", () => {
  it("executorVersion is the reference version whose protocol this server speaks (>= 0.164.0, so Codex asks capabilities/discoverV2); serverInfo.version is the package's own", async () => {
    const server = await start([], { handshake: false })
    const { result } = await server.request("initialize", { clientName: "env" })
    const executorVersion: unknown = result.environmentInfo.executorVersion
    const parsed = semver(executorVersion)
    expect(parsed, String(executorVersion)).toBeDefined()
    // Codex gates capabilities/discoverV2 on this: no call below 0.164.0 (REFERENCE-0171.md §1).
    expect(atLeast(parsed!, [0, 164, 0]), String(executorVersion)).toBe(true)
    expect(executorVersion).toBe(REFERENCE_EXECUTOR_VERSION)
    const ownVersion = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version
    expect(result.serverInfo).toEqual({ name: "effect-exec-server", version: ownVersion })
    server.send({ method: "initialized", params: {} })
    expect((await server.request("environment/info", {})).result.executorVersion).toBe(REFERENCE_EXECUTOR_VERSION)
  })

  it("lists the capability flags in the reference's order (codex 0.171's 16 keys; the last two only where the sandbox runs)", async () => {
    const server = await start()
    const { capabilities } = (await server.request("environment/info", {})).result
    const expected = capabilities.sandboxedFileStreaming === true ? REFERENCE_CAPABILITIES : REFERENCE_CAPABILITIES.slice(0, 14)
    expect(Object.keys(capabilities)).toEqual(expected)
  })

  it("claims the reference's capabilities, in its order (codex 0.171), and its executorVersion", async (context) => {
    needsReference(context)
    const ours = (await (await start()).request("environment/info", {})).result
    const referenceServer = await startToCompare([], { command: [REFERENCE_BINARY, "exec-server", "--listen", "stdio://"] })
    const reference = (await referenceServer.request("environment/info", {})).result
    expect(Object.keys(reference.capabilities)).toEqual(REFERENCE_CAPABILITIES)
    // Transparent TCP needs what the reference does not (root, nft): where it is missing, the one flag that differs.
    expect(Object.entries(ours.capabilities)).toEqual(Object.entries({ ...reference.capabilities, networkProxyTransparentTcp: transparentTcpSupported() }))
    expect(ours.executorVersion).toBe(reference.executorVersion)
  })

  it("initialize carries environmentInfo; environment/info answers the same once initialized", async () => {
    const server = await start([], { handshake: false })
    const initialized = await server.request("initialize", { clientName: "env" })
    const info = initialized.result.environmentInfo
    expect(info).toMatchObject({
      shell: { name: Path.basename(info.shell.path) },
      platformOs: "linux",
      cwd: pathToFileURL(process.cwd()).href,
      userHomeDir: pathToFileURL(Os.homedir()).href,
      tempDir: pathToFileURL(Os.tmpdir()).href
    })
    expect(Path.isAbsolute(info.shell.path)).toBe(true)
    expect((await server.request("environment/info", {})).error?.code).toBe(-32600)
    server.send({ method: "initialized", params: {} })
    expect((await server.request("environment/info")).result).toEqual(info)
    expect((await server.request("environment/status", {})).result).toEqual({ status: "ready" })
  })

  it("claims only capabilities whose requests it answers, and answers the ones it claims", async () => {
    const server = await start()
    const { capabilities } = (await server.request("environment/info", {})).result
    for (const [flag, [method, params]] of Object.entries(requestOf)) {
      const answer = await server.request(method, params)
      const answered = answer.error?.code !== -32601
      expect(answered, `${flag}: ${method} ${JSON.stringify(answer)}`).toBe(capabilities[flag])
    }
    // What this server has no part of is never claimed.
    expect(capabilities.windowsMxc).toBe(false)
    // The managed network proxy is a field of process/start (test/integration/networkProxy.test.ts), and so is credential masking (credentialMasking.test.ts).
    expect([capabilities.networkProxyLaunch, capabilities.networkProxyReviewDomains, capabilities.credentialMasking, capabilities.credentialMaskingCustomProviders])
      .toEqual([true, true, true, true])
    // Transparent TCP (networkProxy.proxy.transparentTcp, transparentTcp.test.ts) where a transparent sandbox can be built here.
    expect(capabilities.networkProxyTransparentTcp).toBe(transparentTcpSupported())
    // So is the shell snapshot (test/integration/shellSnapshot.test.ts).
    expect(capabilities.shellSnapshotV2).toBe(true)
  })
})
