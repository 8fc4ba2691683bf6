/**
 * The operator's settings the server's flags give, checked at start: its
 * sandbox policy (which must resolve, with bubblewrap working here) and its
 * resource limits. A bad one stops the start (exit 2), never a server that
 * runs laxer than told.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Record from "effect/Record"
import * as Struct from "effect/Struct"
import { readFileSync } from "node:fs"
import { LIMIT_FLAGS, operatorLimitsOf } from "../limits/operatorFlags.js"
import type { OperatorLimits } from "../limits/ResourceLimits.js"
import type { SandboxPolicy } from "../protocol/sandbox.js"
import * as Placeholders from "../sandbox/placeholders.js"
import * as Sandbox from "../sandbox/Sandbox.js"
import { formatParseError } from "../wire/parseErrors.js"
import type * as ServerFlags from "./commandFlags.js"
import type { ValuesOf } from "./flagOptions.js"
import { ListenUrlError } from "./webSocketListen.js"

/** What the operator's sandbox flags say. */
export type SandboxFlags = ValuesOf<typeof ServerFlags.sandboxFlags>

/**
 * The operator's sandbox policy from the flags, checked at startup: the
 * policy must resolve (its writable roots exist) and bubblewrap must work
 * here, or the server does not start (it never runs unconfined when told
 * not to).
 */
export const operatorPolicyOf = (flags: SandboxFlags): Effect.Effect<SandboxPolicy | undefined, ListenUrlError> =>
  Effect.gen(function*() {
    const fromFlags = flags.sandboxWrite.length > 0 || flags.sandboxReadOnly.length > 0 || flags.sandboxDeny.length > 0 ||
      flags.sandboxNetwork
    if (Option.isSome(flags.sandboxPolicy) && fromFlags) {
      return yield* new ListenUrlError({ message: "give --sandbox-policy or the other --sandbox-* flags, not both" })
    }
    if (!flags.sandbox && !fromFlags && Option.isNone(flags.sandboxPolicy)) return undefined
    const policyFile = Option.getOrUndefined(flags.sandboxPolicy)
    const input: unknown = policyFile !== undefined
      ? yield* Effect.try({
        try: () => JSON.parse(readFileSync(policyFile, "utf8")) as unknown,
        catch: (error) => new ListenUrlError({ message: `--sandbox-policy: ${(error as Error).message}` })
      })
      : {
        writableRoots: flags.sandboxWrite,
        readOnlyPaths: flags.sandboxReadOnly,
        deniedPaths: flags.sandboxDeny,
        network: flags.sandboxNetwork
      }
    const policy = yield* Sandbox.decodeOperatorPolicy(input).pipe(
      Effect.mapError((error) => new ListenUrlError({ message: `invalid sandbox policy: ${formatParseError(error)}` }))
    )
    // A check at start: what it creates is gone with its scope, so nothing needs guarding should the server die.
    const service = yield* Sandbox.make({ operatorPolicy: policy, bwrap: Option.getOrUndefined(flags.bwrap) }).pipe(
      Effect.provide(Placeholders.layerNone)
    )
    yield* service.confinementOf(undefined, {}).pipe(
      Effect.flatMap((confinement) =>
        confinement._tag === "Confined" ? Effect.scoped(service.prepare(confinement.policy, [])) : Effect.void
      ),
      Effect.mapError((error) => new ListenUrlError({ message: error.message }))
    )
    return policy
  })

/** The operator's resource limits from `--process-*-max` and `--session-*-max`. */
export const operatorLimitsOfFlags = (
  flags: { readonly [K in (typeof LIMIT_FLAGS)[number]]: Option.Option<string> }
): Effect.Effect<OperatorLimits, ListenUrlError> => {
  const limits = operatorLimitsOf(Record.map(Struct.pick(flags, LIMIT_FLAGS), Option.getOrUndefined))
  return typeof limits === "string" ? Effect.fail(new ListenUrlError({ message: limits })) : Effect.succeed(limits)
}
