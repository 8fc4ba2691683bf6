/**
 * What a Codex 0.171 client uses of our server, decided from our
 * `initialize` answer (docs/PROTOCOL.md, "What a Codex 0.171 client decides
 * from this answer"): scratch/codex-e2e/gates.sh runs one real Codex turn
 * (mock model) through a relay that records every message, with the
 * executor's skills, a trusted project's config layer, shell snapshots,
 * credential masking and a managed network (allowed, denied and review
 * domains), and a command that curls one host of each through the proxy.
 * The relay's record is what the server received and sent.
 *
 * The full turn runs on the reference (for the expected lines) and on ours:
 * Codex calls `capabilities/discoverV2` (executorVersion and
 * capabilityDiscoveryV2), `environmentConfig/read`, `fs/watchMissing`, and
 * launches the command with `shellSnapshot` and `networkProxy
 * {credentialMasking, domains, reviewDomains}` + `enforceManagedNetwork`,
 * and the server sends it one `network/policyDecision` per host. Then ours
 * again with flags rewritten to false (and executorVersion to 0.163.0) by
 * the relay, to show that each of those requests is Codex acting on our
 * answer: without them it does not ask, warns, or refuses to start the
 * command.
 *
 * Review domains come only from managed requirements
 * (/etc/codex/requirements.toml): the script gives Codex one in a mount
 * namespace of its own, which needs root; elsewhere those cases are
 * skipped. Codex is not a dependency (installed outside the project):
 * without it every case is skipped.
 */
import { beforeEach, describe, expect, it } from "vitest"
import { execFile, execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { needsReference, REFERENCE_BINARY } from "../support/StdioServer.js"
import { transparentTcpSupported } from "../../src/sandbox/transparentTcp.js"

const CODEX = REFERENCE_BINARY
const here = Path.resolve(import.meta.dirname, "../../scratch/codex-e2e")
const script = Path.join(here, "gates.sh")
const requirements = Path.join(here, "gates-requirements.toml")

/** Whether this machine lets the script lay a requirements file over /etc in a mount namespace (gates.sh's codex_exec). */
const canOverlayEtc = ((): boolean => {
  if (!existsSync(CODEX)) return false
  const dir = mkdtempSync(Path.join(Os.tmpdir(), "gates-overlay-"))
  try {
    execFileSync("unshare", ["--mount", "--propagation", "private", "sh", "-c",
      `mkdir -p ${dir}/u ${dir}/w && mount -t overlay overlay -o lowerdir=/etc,upperdir=${dir}/u,workdir=${dir}/w /etc`], { stdio: "ignore" })
    return true
  } catch {
    return false
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})()

const turn = (server: "ours" | "ref", env: Record<string, string> = {}) =>
  new Promise<{ code: number; lines: ReadonlyArray<string>; stdout: string }>((resolve) =>
    execFile(script, [server], { env: { ...process.env, CODEX, ...(canOverlayEtc ? { REQUIREMENTS: requirements } : {}), ...env }, timeout: 150_000 }, (error, out, err) =>
      // `stdout` is what a failed expectation shows: the script's own errors (a helper that did not start) too.
      resolve({ code: error === null ? 0 : Number(error.code ?? 1), lines: out.split("\n"), stdout: `${out}\n--- stderr${error?.killed === true ? " (killed at the time limit)" : ""}:\n${err}` }))
  )

/** The number a "label: N" line gives (NaN when the line is absent). */
const countOf = (lines: ReadonlyArray<string>, label: string) => Number(lines.find((line) => line.startsWith(`${label}: `))?.slice(label.length + 2))

/** The `networkProxy.proxy` Codex launched the command with. */
const proxyOf = (lines: ReadonlyArray<string>): Record<string, unknown> | undefined => {
  const line = lines.find((l) => l.startsWith("networkProxy.proxy: "))
  return line === undefined ? undefined : JSON.parse(line.slice("networkProxy.proxy: ".length)) as Record<string, unknown>
}

describe("Codex 0.171 uses what the server advertises", () => {
  beforeEach(needsReference)
  for (const server of ["ref", "ours"] as const) {
    it(`${server}: discovery, config layers, missing-path watches, shell snapshots, a managed network with masking`, async () => {
      const { code, lines, stdout } = await turn(server)
      expect(lines, stdout).toContain("codex exit: 0")
      expect(lines, stdout).toContain("executorVersion: 0.171.0")
      // capabilityDiscoveryV2 (and executorVersion >= 0.164.0), environmentConfigRead, fsWatchMissing.
      expect(lines, stdout).toContain("capabilities/discoverV2 calls: 1")
      expect(countOf(lines, "environmentConfig/read calls"), stdout).toBeGreaterThan(0)
      expect(countOf(lines, "fs/watchMissing calls"), stdout).toBeGreaterThan(0)
      // shellSnapshotV2, networkProxyLaunch, credentialMasking (and networkProxyReviewDomains).
      for (const line of ["process/start calls: 1", "process/start with shellSnapshot: 1", "process/start with networkProxy: 1",
        "process/start with enforceManagedNetwork true: 1"]) expect(lines, stdout).toContain(line)
      expect(proxyOf(lines), stdout).toMatchObject({
        enabled: true,
        credentialMasking: true,
        enableSocks5: true,
        domains: { localhost: "allow", "allowed.test": "allow", "denied.test": "deny", ...(canOverlayEtc ? { "review.test": "allow" } : {}) },
        ...(canOverlayEtc ? { reviewDomains: ["review.test"] } : {})
      })
      // One decision per host, sent to Codex: an allowed localhost (the request reaches the
      // mock model's server: 404), a denied name, an allowed one that does not resolve
      // (fails closed), and a review domain with no one asked.
      expect(lines, stdout).toContain(`network/policyDecision notes: ${canOverlayEtc ? 4 : 3}`)
      expect(lines, stdout).toContain("policyDecision: allow localhost http allow")
      expect(lines, stdout).toContain("command: localhost 404")
      expect(lines, stdout).toContain("policyDecision: deny denied.test http denied")
      expect(lines, stdout).toContain("policyDecision: deny allowed.test http not_allowed_local")
      if (canOverlayEtc) expect(lines, stdout).toContain("policyDecision: deny review.test http not_allowed")
      expect(lines, stdout).toContain("command: denied.test 403")
      expect(lines, stdout).not.toContain("refused:")
      expect(code).toBe(0)
    }, 160_000)
  }

  it("ours, five flags false: no discovery, no config read, no missing-path watch, no snapshot, no masking (Codex warns)", async () => {
    const { lines, stdout } = await turn("ours", {
      CAPS: JSON.stringify({
        capabilityDiscoveryV2: false,
        environmentConfigRead: false,
        fsWatchMissing: false,
        shellSnapshotV2: false,
        credentialMasking: false
      })
    })
    expect(lines, stdout).toContain("codex exit: 0")
    for (const line of ["capabilities/discoverV2 calls: 0", "environmentConfig/read calls: 0", "fs/watchMissing calls: 0",
      "process/start with shellSnapshot: 0", "process/start with networkProxy: 1"]) expect(lines, stdout).toContain(line)
    expect(proxyOf(lines)?.credentialMasking, stdout).toBeUndefined()
    expect(lines, stdout).toContain(
      "warning: Credential masking is unavailable on environment `remote` because its exec-server does not support it. " +
      "This command will run with unmasked credentials."
    )
  }, 160_000)

  it("ours, executorVersion rewritten to 0.163.0: no capabilities/discoverV2, the rest of the turn unchanged", async () => {
    const { lines, stdout } = await turn("ours", { EXECUTOR_VERSION: "0.163.0" })
    expect(lines, stdout).toContain("codex exit: 0")
    expect(lines, stdout).toContain("capabilities/discoverV2 calls: 0")
    for (const line of ["process/start with shellSnapshot: 1", "process/start with networkProxy: 1"]) expect(lines, stdout).toContain(line)
    expect(countOf(lines, "environmentConfig/read calls"), stdout).toBeGreaterThan(0)
  }, 160_000)

  it("ours, networkProxyLaunch false: Codex refuses the command itself and starts nothing", async () => {
    const { lines, stdout } = await turn("ours", { CAPS: JSON.stringify({ networkProxyLaunch: false }) })
    expect(lines, stdout).toContain("codex exit: 0")
    expect(lines, stdout).toContain("process/start calls: 0")
    expect(lines, stdout).toContain("refused: selected exec-server does not support executor-local network proxy launches")
  }, 160_000)

  // Codex's network_proxy.transparent_tcp, with a command that ignores the proxy variables.
  for (const server of ["ref", "ours"] as const) {
    it.skipIf(server === "ours" && !transparentTcpSupported())(
      `${server}: transparent TCP asked for, and the command's direct connects reach the proxy by name`,
      async () => {
        const { lines, stdout } = await turn(server, { TRANSPARENT: "1" })
        expect(lines, stdout).toContain("codex exit: 0")
        expect(lines, stdout).toContain("process/start with networkProxy: 1")
        expect(proxyOf(lines), stdout).toMatchObject({ enableSocks5: true, transparentTcp: true })
        // SOCKS5 notes with the names, as for every SOCKS5 client; localhost is the sandbox's own loopback (nothing there: 000).
        expect(lines, stdout).toContain("policyDecision: deny denied.test socks5_tcp denied")
        expect(lines, stdout).toContain("policyDecision: deny allowed.test socks5_tcp not_allowed_local")
        expect(lines.filter((line) => line.startsWith("policyDecision: ") && !line.includes(" socks5_tcp ")), stdout).toEqual([])
        expect(lines, stdout).toContain("command: localhost 000")
        expect(lines, stdout).toContain("command: denied.test 000")
      },
      160_000
    )
  }

  it("ours, networkProxyTransparentTcp false with transparent TCP configured: Codex refuses the command", async () => {
    const { lines, stdout } = await turn("ours", { TRANSPARENT: "1", CAPS: JSON.stringify({ networkProxyTransparentTcp: false }) })
    expect(lines, stdout).toContain("codex exit: 0")
    expect(lines, stdout).toContain("process/start calls: 0")
    expect(lines, stdout).toContain("refused: selected exec-server does not support transparent TCP")
  }, 160_000)

  it("ours, networkProxyReviewDomains false with review domains required: Codex refuses the command", async (context) => {
    if (!canOverlayEtc) context.skip("needs root's mount namespace to lay a requirements file over /etc")
    const { lines, stdout } = await turn("ours", { CAPS: JSON.stringify({ networkProxyReviewDomains: false }) })
    expect(lines, stdout).toContain("codex exit: 0")
    expect(lines, stdout).toContain("process/start calls: 0")
    expect(lines, stdout).toContain("refused: selected exec-server does not support managed network review domains")
  }, 160_000)
})
