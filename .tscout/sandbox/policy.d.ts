/**
 * The sandbox policy as this server enforces it: a list of path rules (the
 * deepest rule covering a path decides its access) and a network switch.
 * Both request forms (the reference's context and ours) and the operator's
 * policy resolve to it, against the real file system: paths are made real
 * (symlinks resolved), missing paths are skipped or protected as asked.
 */
import * as Effect from "effect/Effect";
import { InvalidParams } from "../protocol/errors.js";
import { type SandboxRequest } from "../protocol/sandbox.js";
/** What a path allows, from least to most. */
export type Access = "none" | "read" | "write";
/** The access of a path and everything under it, unless a deeper rule says otherwise. */
export interface PathRule {
    /** Absolute, normalized, symlinks resolved (as far as the path exists). */
    readonly path: string;
    readonly access: Access;
    /**
     * The path does not exist and lies where writes are allowed: it is kept
     * from being created (an empty read-only directory is mounted there).
     */
    readonly missing: boolean;
}
/** A policy ready to enforce. */
export interface ResolvedSandbox {
    /** Sorted by path; always one for "/". */
    readonly rules: ReadonlyArray<PathRule>;
    readonly network: boolean;
}
/** What confinement a request resolves to: none at all, or a policy. */
export type Confinement = {
    readonly _tag: "Unconfined";
} | {
    readonly _tag: "Confined";
    readonly policy: ResolvedSandbox;
};
export declare const UNCONFINED: Confinement;
/** What the paths of `minimal` are: enough to run the system's programs. */
export declare const MINIMAL_PATHS: ReadonlyArray<string>;
/** What the request's paths resolve against. */
export interface ResolveContext {
    /** The process's working directory (absent for `fs/*`). */
    readonly cwd?: string | undefined;
    /** The process's environment (for `tmpdir`: its $TMPDIR). */
    readonly env?: Readonly<Record<string, string>> | undefined;
    /** This server's placeholder directories: they count as missing. */
    readonly isPlaceholder?: ((path: string) => boolean) | undefined;
}
/** The rule deciding `path`: the deepest covering it (the most restrictive of equals). */
export declare const ruleAt: (policy: ResolvedSandbox, path: string) => PathRule;
/** The access of `path` (already real) under the policy. */
export declare const accessAt: (policy: ResolvedSandbox, path: string) => Access;
/** Whether the policy lets anything at or below `path` (already real) be seen: a deeper rule may show what its own does not. */
export declare const showsAnythingAt: (policy: ResolvedSandbox, path: string) => boolean;
/**
 * `path` with symlinks resolved as far as it exists, the rest appended
 * (`..` is resolved first, lexically, as the kernel would after the real
 * prefix). With `followLast: false` the last component is kept as it is (an
 * operation on a symlink itself, such as removing or replacing it).
 */
export declare const realPathOf: (path: string, followLast?: boolean) => string;
/** Rules in path order: a directory's rule before the rules under it. */
export declare const byPathOrder: (a: PathRule, b: PathRule) => number;
/**
 * Sorted rules, one per path (the most restrictive), without rules that
 * repeat their parent's access (but for writable roots).
 */
export declare const simplify: (policy: ResolvedSandbox) => ResolvedSandbox;
/**
 * Both policies at once: a path allows what both allow, the network is on
 * only when both have it. A client's sandbox can narrow the operator's,
 * never widen it.
 */
export declare const intersect: (a: ResolvedSandbox, b: ResolvedSandbox) => ResolvedSandbox;
/** Resolves a `sandbox` parameter (either form) against the file system. */
export declare const resolve: (request: SandboxRequest, context?: ResolveContext) => Effect.Effect<Confinement, InvalidParams>;
/** Whether the policy restricts anything at all (an unrestricted one needs no confinement). */
export declare const restrictsAnything: (policy: ResolvedSandbox) => boolean;
/**
 * The confinement of a request under the operator's: the operator's alone,
 * the client's alone, both intersected, or none.
 */
export declare const combine: (operator: Confinement, client: Confinement) => Confinement;
//# sourceMappingURL=policy.d.ts.map