/**
 * What credentialMasking.test.ts (in process) and
 * credentialMaskingProcess.test.ts (the binary) share: the credentials a
 * child is given, its environment, the custom provider, the managed proxy
 * that masks, a server's CODEX_HOME and trust, and a masked run.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { expect } from "vitest"
import { launchOf, type NetworkProxyLaunchWire } from "./networkProxy.js"
import type { WireClient } from "./WireClient.js"

export const GITHUB = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
export const OTHER_GITHUB = "ghp_Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2"
export const OPENAI = "sk-proj-abcDEF123ghiJKL456mnoPQR789stuVWX012yzaBCD345efgHIJ678"
export const MINE = "mytok_abcdefghijklmnopqrstuvwxyz012345"

/** A masked child's environment: the real credentials, a header that holds one, and a variable that is none. */
export const childEnvironment = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: Os.tmpdir(),
  GITHUB_TOKEN: GITHUB,
  GH_TOKEN: OTHER_GITHUB,
  OPENAI_API_KEY: OPENAI,
  MY_TOKEN: MINE,
  AUTH_HEADER: `Bearer ${GITHUB}`,
  UNRELATED: "nothing to see"
}

/**
 * A file's masking helpers. Each reads its settings when it is called (the
 * scratch directory, the CA and the destinations' ports are known only once
 * `beforeAll` has run): `scratch` and `caFile`, the server's; `urlPrefixes`,
 * where `MY_TOKEN` is bound; `afterClose`, what a run waits for once its
 * process closed.
 */
export const maskingHelpers = (settings: {
  readonly scratch: () => string
  readonly caFile: () => string
  readonly urlPrefixes: () => ReadonlyArray<string>
  readonly afterClose?: () => Promise<void>
}) => {
  /** A fresh CODEX_HOME for one server, and the server's environment (its own trust of the test's CA). */
  const serverEnvironment = () => {
    const codexHome = Fs.mkdtempSync(Path.join(settings.scratch(), "codex-home-"))
    return { codexHome, env: { CODEX_HOME: codexHome, SSL_CERT_FILE: settings.caFile() } }
  }

  /** The custom provider the cases use: `MY_TOKEN`, bound to `urlPrefixes`. */
  const myProvider = (extra: Record<string, unknown> = {}) => ({
    my: { env: ["MY_TOKEN"], patterns: ["mytok_[a-z0-9]{32}"], url_prefixes: [...settings.urlPrefixes()], auth: ["bearer", "basic"], ...extra }
  })

  const maskingLaunch = (providers: NetworkProxyLaunchWire["proxy"]["credentialProviders"] = myProvider()) =>
    launchOf({ enableSocks5: true, domains: { "127.0.0.1": "allow" }, credentialMasking: true, credentialProviders: providers })

  /** Runs `argv` with masking and waits for it to close; its output. */
  const run = async (server: WireClient, processId: string, argv: ReadonlyArray<string>, networkProxy: NetworkProxyLaunchWire = maskingLaunch()) => {
    const started = await server.request("process/start", {
      processId,
      argv,
      cwd: "file:///tmp",
      env: childEnvironment,
      tty: false,
      networkProxy
    })
    expect(started.error).toBeUndefined()
    await server.closed(processId, 40_000)
    await settings.afterClose?.()
    return server.outputOf(processId).toString()
  }

  return { serverEnvironment, myProvider, maskingLaunch, run }
}
