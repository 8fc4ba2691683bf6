/**
 * `codex exec-server`'s command line on this server (issue 68): what the
 * reference's flags (commandFlags.ts, `referenceFlags`) amount to in the
 * server's settings, and the one line that refuses its cloud flags and
 * `forward` (we reach remote executors over NATS and the gateway instead).
 * docs/OPERATIONS.md, "Codex's command line", says what each does here.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { parseTcpUpstreamProxy } from "../network/tcpUpstream.js"
import type { ServerConfigShape } from "../server/ServerConfig.js"
import type * as ServerFlags from "./commandFlags.js"
import type { ValuesOf } from "./flagOptions.js"
import { ListenUrlError } from "./webSocketListen.js"

/**
 * A switch that an environment variable may turn on too: the flag, or else
 * the variable, which takes `true` or `false` only (as the reference's
 * does; anything else is refused rather than guessed at).
 */
export const switchOrEnv = (flag: boolean, name: string): Effect.Effect<boolean, ListenUrlError> => {
  const value = process.env[name]
  if (flag || value === undefined || value === "false") return Effect.succeed(flag)
  if (value === "true") return Effect.succeed(true)
  return Effect.fail(new ListenUrlError({ message: `${name} must be true or false, not ${JSON.stringify(value)}` }))
}

type ReferenceFlags = ValuesOf<typeof ServerFlags.referenceFlags>

/** The settings the reference's flags give the server. */
export type ReferenceSettings = Pick<
  ServerConfigShape,
  "tcpUpstreamProxy" | "proxyPrivateIpsViaUpstream" | "sandboxTransparentTcp" | "sandboxPidNamespace"
>

/**
 * The reference's flags as settings, checked as the reference checks them
 * (`--tcp-upstream-proxy bogus` in its words; with `--strict-config`, a
 * `-c` without `=`), with a warning for what is accepted but not done.
 */
export const referenceSettingsOf = (
  flags: ReferenceFlags,
  privateIpsEnv: string
): Effect.Effect<ReferenceSettings, ListenUrlError> =>
  Effect.gen(function*() {
    const upstreamText = Option.getOrUndefined(flags.tcpUpstreamProxy)
    const upstream = upstreamText === undefined ? undefined : parseTcpUpstreamProxy(upstreamText)
    if (typeof upstream === "string") return yield* new ListenUrlError({ message: upstream })
    if (flags.strictConfig) {
      const missing = flags.config.find((override) => !override.includes("="))
      if (missing !== undefined) return yield* new ListenUrlError({ message: `Invalid override (missing '='): ${missing}` })
    }
    if (flags.sandboxPidNamespace === "inherit") {
      yield* Effect.logWarning("--linux-sandbox-pid-namespace inherit is not implemented: every sandbox still has a PID namespace of its own")
    }
    return {
      tcpUpstreamProxy: upstream,
      proxyPrivateIpsViaUpstream: yield* switchOrEnv(flags.proxyPrivateIpsViaUpstream, privateIpsEnv),
      sandboxTransparentTcp: flags.sandboxTransparentTcp,
      sandboxPidNamespace: flags.sandboxPidNamespace
    }
  })

/** The reference's flags for its cloud registry, which this server does not serve. */
export const CLOUD_FLAGS: ReadonlySet<string> = new Set([
  "--remote",
  "--remote-transport",
  "--use-agent-identity-auth",
  "--registration-bearer-stdin",
  "--executor-credential-stdin",
  "--chatgpt-token-stdin",
  "--chatgpt-account-id",
  "--aws-sigv4",
  "--aws-profile",
  "--aws-region",
  "--aws-service"
])

/** What this server offers instead of the reference's cloud registry. */
const INSTEAD =
  "serve an environment through NATS instead (--connect nats://HOST:PORT --environment-id ID), and reach it from elsewhere through `exec-server gateway` (docs/OPERATIONS.md)"

/**
 * The line refusing the reference's cloud registry, when the server's
 * arguments (before any subcommand) name one of its flags or its `forward`
 * subcommand; undefined otherwise. `takesValue` says which of our flags
 * take a value, so that a value is not read as a command.
 */
export const cloudRefusal = (args: ReadonlyArray<string>, takesValue: (name: string) => boolean): string | undefined => {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === "--") return undefined
    if (arg === "forward") return `codex exec-server forward (registering a WebSocket exec-server with Codex's cloud registry) is not served here: ${INSTEAD}`
    if (!arg.startsWith("-")) return undefined
    const name = arg.split("=", 1)[0]!
    if (CLOUD_FLAGS.has(name)) return `${name} (codex exec-server's cloud registry) is not served here: ${INSTEAD}`
    if (!arg.includes("=") && takesValue(name)) i++
  }
  return undefined
}
