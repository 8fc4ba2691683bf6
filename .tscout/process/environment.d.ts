/**
 * The child's environment under an `envPolicy`: start from the server's own
 * environment (all of it, none, or the core variables), drop names matching
 * the default secret patterns and `exclude`, add `set`, keep only
 * `includeOnly` when given, then lay the request's `env` over the result.
 */
import type { EnvPolicy } from "../protocol/schema.js";
/** The variables `inherit: "core"` keeps. */
export declare const CORE_VARIABLES: ReadonlyArray<string>;
/** Names excluded unless `ignoreDefaultExcludes`: likely secrets. */
export declare const DEFAULT_EXCLUDES: ReadonlyArray<string>;
/** A case-insensitive wildcard pattern (`*` any run of characters, `?` one) as a matcher. */
export declare const wildcard: (pattern: string) => (name: string) => boolean;
/** Builds a child's environment from the server's environment, a policy and the request's `env`. */
export declare const buildEnvironment: (serverEnv: Readonly<Record<string, string | undefined>>, policy: EnvPolicy | undefined, requestEnv: Readonly<Record<string, string>>) => Record<string, string>;
//# sourceMappingURL=environment.d.ts.map