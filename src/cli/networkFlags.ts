/**
 * `exec`'s network flags (--allow-domain, --deny-domain, --network-mode,
 * --ask-domains/--no-ask-domains, --verbose) and what they make of a run:
 * the start's `networkProxy`, who answers the proxy's questions and hears
 * its decisions, and the terminal's asker. What each means, and the asking
 * itself, are networkPrompt.ts's.
 */
import * as Option from "effect/Option"
import type { NetworkProxyLaunch } from "../protocol/networkSchema.js"
import type { CliFlag, CliValuesOf } from "./commandSpec.js"
import {
  asksClient,
  canPrompt,
  denialTeller,
  type NetworkFlags,
  networkOn,
  networkProxyOf,
  sayDecision,
  TerminalAsker,
  terminalDecider
} from "./networkPrompt.js"
import type { Connection } from "./remoteConnection.js"

/** The flags, spread into `exec`'s (their order is their order in its `--help`). */
export const networkOptions = {
  allowDomain: {
    _tag: "RepeatedText",
    name: "allow-domain",
    help: "Run the command behind a managed network proxy that lets it reach hosts matching PATTERN " +
      "(example.com; *.example.com its subdomains; **.example.com both; repeatable). Other hosts are denied, or asked (see --ask-domains)"
  },
  denyDomain: {
    _tag: "RepeatedText",
    name: "deny-domain",
    help: "Behind the managed network proxy, never let it reach hosts matching PATTERN (repeatable; wins over --allow-domain)"
  },
  networkMode: {
    _tag: "OptionalChoice",
    name: "network-mode",
    choices: ["limited", "full"],
    help: "The managed network proxy's mode: limited (GET, HEAD and OPTIONS only, no HTTPS) or full (default full); turns the proxy on"
  },
  askDomains: {
    _tag: "Switch",
    name: "ask-domains",
    help: "Behind the managed network proxy, ask about a host no pattern decides (turns the proxy on): a question on the terminal, " +
      "denied where there is none (the default when stdin and stderr are terminals)"
  },
  noAskDomains: { _tag: "Switch", name: "no-ask-domains", help: "Never ask about a host no pattern decides: the proxy denies it" },
  verbose: {
    _tag: "Switch",
    name: "verbose",
    help: "Say on stderr each connection the managed network proxy decided, and why (without it: each host it refused, once)"
  }
} as const satisfies Record<string, CliFlag>

/** What the flags yield. */
export type NetworkOptionValues = CliValuesOf<typeof networkOptions>

/** What an `exec` does about the network. */
export interface ExecNetwork {
  /** Spread into the start: its `networkProxy` when the flags turn the proxy on, else nothing. */
  readonly start: { readonly networkProxy: NetworkProxyLaunch } | Record<never, never>
  /** The client's part: who answers the proxy's questions, who hears its decisions. */
  readonly client: NonNullable<Connection["network"]>
  /** The one reader of the terminal: attach hands it the keys of an open question. */
  readonly asker: TerminalAsker | undefined
}

/** Whether a flag of the managed proxy's was given (a sandbox then needs `--sandbox-network proxy`). */
export const networkFlagsGiven = (flags: NetworkOptionValues): boolean =>
  networkOn({
    allowDomains: flags.allowDomain,
    denyDomains: flags.denyDomain,
    mode: Option.getOrUndefined(flags.networkMode),
    askDomains: flags.askDomains,
    noAskDomains: flags.noAskDomains
  })

/**
 * What `exec`'s network flags make of a run that leaves at once (`--detach`)
 * or stays, or the misuse to report (checked after exec's other flags);
 * `forced` turns the proxy on without a pattern.
 */
export const execNetworkOf = (flags: NetworkOptionValues, detach: boolean, forced = false): ExecNetwork | string => {
  if (flags.askDomains && flags.noAskDomains) return "--ask-domains and --no-ask-domains contradict each other: give one"
  const networkFlags: NetworkFlags = {
    allowDomains: flags.allowDomain,
    denyDomains: flags.denyDomain,
    mode: Option.getOrUndefined(flags.networkMode),
    askDomains: flags.askDomains,
    noAskDomains: flags.noAskDomains
  }
  // `forced`: a sandbox whose network is the proxy (`--sandbox-network proxy`), with or without a pattern.
  const network = forced || networkOn(networkFlags)
  if (network && flags.askDomains && detach) {
    return "--ask-domains needs this client to stay and answer: it cannot go with --detach"
  }
  const asked = network && asksClient(networkFlags, detach)
  const asker = asked && canPrompt() ? new TerminalAsker() : undefined
  return {
    start: network ? { networkProxy: networkProxyOf(networkFlags, asked) } : {},
    client: {
      ...(asked ? { networkPolicyDecider: terminalDecider(asker) } : {}),
      ...(flags.verbose
        ? { onNetworkPolicyDecision: sayDecision }
        : network
        ? { onNetworkPolicyDecision: denialTeller(asker !== undefined) }
        : {})
    },
    asker
  }
}
