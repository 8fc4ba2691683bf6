/**
 * `exec`'s sandbox flags: one command confined by the server's bubblewrap
 * sandbox, in our policy form (docs/PROTOCOL.md, "Sandbox"), without an
 * operator's sandbox on the whole server. The names and meanings are the
 * server's own `--sandbox*` flags (cli/commandFlags.ts), so that one
 * spelling means one thing wherever it is given; `--sandbox-network` adds
 * `proxy`: no network but the managed proxy that the `--allow-domain`
 * family configures (networkFlags.ts).
 */
import * as Option from "effect/Option"
import * as Path from "node:path"
import type { SandboxPolicy } from "../protocol/sandbox.js"
import type { CliFlag, CliValuesOf } from "./commandSpec.js"

/** The flags, spread into `exec`'s (their order is their order in its `--help`). */
export const sandboxOptions = {
  sandbox: {
    _tag: "Switch",
    name: "sandbox",
    help: "Run the command in a sandbox: the file system read-only, no network, unless the other --sandbox-* flags say more"
  },
  sandboxWrite: {
    _tag: "RepeatedText",
    name: "sandbox-write",
    help: "A directory the sandboxed command may write (absolute; repeatable; implies --sandbox); .git, .agents, .codex, .aws in it stay read-only"
  },
  sandboxReadOnly: {
    _tag: "RepeatedText",
    name: "sandbox-read-only",
    help: "A path kept read-only inside the --sandbox-write directories, even when missing (absolute; repeatable; implies --sandbox)"
  },
  sandboxDeny: {
    _tag: "RepeatedText",
    name: "sandbox-deny",
    help: "A path the sandboxed command can neither read nor write (absolute; repeatable; implies --sandbox)"
  },
  sandboxNetwork: {
    _tag: "OptionalChoice",
    name: "sandbox-network",
    choices: ["off", "on", "proxy"],
    help: "The sandbox's network (implies --sandbox): off (the default: loopback of its own only), on (the host's), " +
      "or proxy (only the managed network proxy, which --allow-domain configures; the default with --allow-domain)"
  }
} as const satisfies Record<string, CliFlag>

/** What the flags yield. */
export type SandboxOptionValues = CliValuesOf<typeof sandboxOptions>

/** What an `exec` asks about its sandbox. */
export interface ExecSandbox {
  /** Spread into the start: its `sandbox` when the flags ask for one, else nothing. */
  readonly start: { readonly sandbox: typeof SandboxPolicy.Encoded } | Record<never, never>
  /** The managed network proxy is to be on (`--sandbox-network proxy`), even without a domain flag. */
  readonly proxy: boolean
}

/**
 * The sandbox `exec`'s flags ask for, or the misuse to report (exit 2).
 * `networkFlagsGiven`: a flag of the managed proxy's (--allow-domain, ...)
 * was given, which in a sandbox needs its network to be the proxy.
 */
export const execSandboxOf = (flags: SandboxOptionValues, networkFlagsGiven: boolean): ExecSandbox | string => {
  const network = Option.getOrUndefined(flags.sandboxNetwork)
  const paths: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
    ["--sandbox-write", flags.sandboxWrite],
    ["--sandbox-read-only", flags.sandboxReadOnly],
    ["--sandbox-deny", flags.sandboxDeny]
  ]
  const on = flags.sandbox || network !== undefined || paths.some(([, given]) => given.length > 0)
  if (!on) return { start: {}, proxy: false }
  for (const [name, given] of paths) {
    // Resolved where the server runs, which may not be this host: only the server can say what exists.
    const relative = given.find((path) => path === "" || !Path.isAbsolute(path))
    if (relative !== undefined) return `${name} takes an absolute path: ${JSON.stringify(relative)} is not one`
  }
  if (networkFlagsGiven && (network === "off" || network === "on")) {
    return `--allow-domain, --deny-domain, --network-mode and --ask-domains configure the managed proxy: ` +
      `in a sandbox they need --sandbox-network proxy, not ${network}`
  }
  const proxy = network === "proxy" || network === undefined && networkFlagsGiven
  return {
    start: {
      sandbox: {
        writableRoots: flags.sandboxWrite,
        readOnlyPaths: flags.sandboxReadOnly,
        deniedPaths: flags.sandboxDeny,
        // With the proxy, the sandbox's own network stays off: the proxy is its only way out.
        network: network === "on"
      }
    },
    proxy
  }
}
