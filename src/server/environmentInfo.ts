/**
 * The host as `environment/info` describes it, in the reference's shape:
 * the login shell, directories as `file://` URIs, and the capabilities this
 * server implements (a client turns features on from those flags, so none
 * is claimed that is not here).
 */
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { startupSnapshot } from "node:v8"
import type { EnvironmentCapabilities, EnvironmentInfo } from "../protocol/schema.js"
import { transparentTcpSupported } from "../sandbox/transparentTcp.js"

const uri = (path: string) => pathToFileURL(path).href

/** The platform names the reference uses. */
const platformOs = (platform: NodeJS.Platform): string =>
  platform === "darwin" ? "macos" : platform === "win32" ? "windows" : platform

type Shell = { readonly name: string; readonly path: string }

let shellOfUser: Shell | undefined

/** The user's login shell (from the password database, read once), else `sh`. */
const loginShell = (): Shell => (shellOfUser ??= readLoginShell())

const readLoginShell = (): Shell => {
  let path = "/bin/sh"
  try {
    const shell = Os.userInfo().shell
    if (shell !== null && shell !== "" && !shell.endsWith("/nologin") && !shell.endsWith("/false")) path = shell
  } catch {
    // No password entry for this user: the POSIX shell.
  }
  return { name: Path.basename(path), path }
}

/**
 * `executorVersion`: the version of codex exec-server whose protocol this
 * server implements, not this package's (that is `serverInfo.version`). A
 * Codex client decides features from it: it calls `capabilities/discoverV2`
 * only for 0.164.0 or newer, whatever `capabilityDiscoveryV2` says, so
 * reporting our own 0.1.0 kept the executor's skills from the model.
 */
export const REFERENCE_EXECUTOR_VERSION = "0.171.0"

let providerIdOfInstall: string | undefined

/**
 * Who provides this environment, as the reference names it: `sha256:` and
 * 64 hex digits, the same for one host and install, and different for
 * another host or another install on it (a client uses it as an opaque
 * identity). Digested from the machine id (the host name where there is
 * none) and the directory the server runs from.
 */
export const providerId = (): string => (providerIdOfInstall ??= digestProvider())

const digestProvider = (): string => {
  let machine: string
  try {
    machine = readFileSync("/etc/machine-id", "utf8").trim()
  } catch {
    machine = Os.hostname()
  }
  const install = Path.dirname(fileURLToPath(import.meta.url))
  return `sha256:${createHash("sha256").update(`${machine}\0${install}`).digest("hex")}`
}

/** What this server offers besides the base protocol. */
export const capabilities = (features: { readonly sandboxedFiles: boolean; readonly http: boolean }): EnvironmentCapabilities => ({
  // process/start.networkProxy and its questions to the client (network/policyRequest).
  networkProxyLaunch: true,
  networkProxyReviewDomains: true,
  // networkProxy.proxy.transparentTcp: where a transparent sandbox can be built (sandbox/transparentTcp.ts).
  networkProxyTransparentTcp: features.sandboxedFiles && transparentTcpSupported(),
  // proxy.credentialMasking and proxy.credentialProviders (test/integration/credentialMasking.test.ts).
  credentialMasking: true,
  credentialMaskingCustomProviders: true,
  capabilityDiscoverySandbox: true,
  fsWatchMissing: true,
  capabilityDiscoveryV2: true,
  environmentConfigRead: true,
  httpHeaderEnvVars: features.http,
  sandboxedFileStreaming: features.sandboxedFiles,
  fileWriteStreaming: true,
  shellSnapshotV2: true,
  windowsMxc: false,
  // Both hold where the sandbox runs (bubblewrap, whose /dev is its own); off the wire otherwise, as the reference.
  ...(features.sandboxedFiles ? { linuxRootWritePreservesDevices: true, linuxApprovedRootWritePreservesRestrictions: true } : {})
})

/** The last answer of `environmentInfo` and what it was made of. */
let lastInfo: { readonly inputs: ReadonlyArray<unknown>; readonly info: EnvironmentInfo } | undefined

/**
 * The environment of this server process. Every `initialize` answers it:
 * the answer is made again only when what it is made of changed (the
 * working directory, the home and temporary directories), since making the
 * four file URIs was most of what it cost.
 */
export const environmentInfo = (options: {
  readonly environment: Readonly<Record<string, string | undefined>>
  readonly sandboxedFiles: boolean
  readonly http: boolean
}): EnvironmentInfo => {
  const tmpdir = options.environment.TMPDIR
  const cwd = process.cwd()
  const home = Os.homedir()
  const temp = Os.tmpdir()
  const inputs = [tmpdir, options.sandboxedFiles, options.http, cwd, home, temp]
  if (lastInfo !== undefined && lastInfo.inputs.every((input, i) => input === inputs[i])) return lastInfo.info
  const info: EnvironmentInfo = {
    shell: loginShell(),
    executorVersion: REFERENCE_EXECUTOR_VERSION,
    providerId: providerId(),
    cwd: uri(cwd),
    userHomeDir: uri(home),
    platformOs: platformOs(process.platform),
    // The reference lists its bundled tools here; this server bundles none.
    prependPathDirs: [],
    temporaryDirectories: tmpdir === undefined || tmpdir === "" ? [] : [uri(Path.resolve(tmpdir))],
    tempDir: uri(temp),
    capabilities: capabilities({ sandboxedFiles: options.sandboxedFiles, http: options.http })
  }
  lastInfo = { inputs, info }
  return info
}

// What the startup snapshot's rehearsal learnt of the machine that built it
// (its user's shell, its machine id) is found out again by each server.
if (startupSnapshot.isBuildingSnapshot()) {
  startupSnapshot.addSerializeCallback(() => {
    shellOfUser = undefined
    providerIdOfInstall = undefined
    lastInfo = undefined
  })
}
