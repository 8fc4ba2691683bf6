/**
 * The NATS credential and TLS flags (declared in commandFlags.ts) as the
 * remote transport's connect options, for the executor and the client
 * subcommands alike; inconsistent combinations are refused with a message.
 */
import * as Option from "effect/Option"
import type { NatsAuth, NatsTls } from "../remote/natsOptions.js"
import type { natsFlags } from "./commandFlags.js"
import type { ValuesOf } from "./flagOptions.js"

export type NatsFlagValues = ValuesOf<typeof natsFlags>

/** The authentication and TLS the flags ask for, or why they cannot be used together. */
export const natsAuthOf = (flags: NatsFlagValues): { readonly auth: NatsAuth; readonly tls: NatsTls } | string => {
  const creds = Option.getOrUndefined(flags.natsCreds)
  const user = Option.getOrUndefined(flags.natsUser)
  const passwordFile = Option.getOrUndefined(flags.natsPasswordFile)
  const tokenFile = Option.getOrUndefined(flags.natsTokenFile)
  const given = [creds, user ?? passwordFile, tokenFile].filter((value) => value !== undefined).length
  if (given > 1) return "give one of --nats-creds, --nats-user (with --nats-password-file) and --nats-token-file"
  if ((user === undefined) !== (passwordFile === undefined)) return "--nats-user and --nats-password-file go together"
  const cert = Option.getOrUndefined(flags.natsTlsCert)
  const key = Option.getOrUndefined(flags.natsTlsKey)
  if ((cert === undefined) !== (key === undefined)) return "--nats-tls-cert and --nats-tls-key go together"
  const auth: NatsAuth = creds !== undefined
    ? { _tag: "Creds", credsFile: creds }
    : user !== undefined && passwordFile !== undefined
    ? { _tag: "UserPassword", user, passwordFile }
    : tokenFile !== undefined
    ? { _tag: "Token", tokenFile }
    : { _tag: "None" }
  return { auth, tls: { caFile: Option.getOrUndefined(flags.natsTlsCa), certFile: cert, keyFile: key } }
}

/** Whether any NATS flag was given (they need `--connect`, or a `nats://` URL). */
export const hasNatsFlags = (flags: NatsFlagValues): boolean =>
  // Named one by one: `flags` is often a command's whole set of values.
  [flags.natsCreds, flags.natsUser, flags.natsPasswordFile, flags.natsTokenFile, flags.natsTlsCa, flags.natsTlsCert, flags.natsTlsKey]
    .some(Option.isSome)

/** `--connect nats://H:P[,nats://H:P...]` (the scheme optional after the first) as server URLs, or why it is not one. */
export const serversOf = (connect: string): ReadonlyArray<string> | string => {
  const servers = connect.split(",").map((server) => server.trim()).filter((server) => server !== "")
    .map((server) => server.includes("://") ? server : `nats://${server}`)
  return servers.length === 0 || servers.some((server) => !server.startsWith("nats://") && !server.startsWith("tls://"))
    ? `invalid --connect value ${JSON.stringify(connect)}: expected nats://HOST:PORT[,nats://HOST:PORT...]`
    : servers
}
