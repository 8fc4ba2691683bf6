import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import { SandboxDenied } from "../protocol/errors.js";
import { type Confinement, type ResolvedSandbox } from "../sandbox/policy.js";
import { Sandbox } from "../sandbox/Sandbox.js";
import type { FsBackend } from "./FsBackend.js";
/** What an operation reads and writes, for the check before it runs. */
export interface Access {
    /** Paths read (symlinks followed). */
    readonly reads: ReadonlyArray<string>;
    /** Paths created, replaced or removed (the last component is not followed). */
    readonly writes: ReadonlyArray<string>;
    /** Paths whose own entry is looked at (the last component is not followed, as lstat). */
    readonly entries?: ReadonlyArray<string> | undefined;
}
declare const SandboxedFs_base: Context.TagClass<SandboxedFs, "effect-exec-server/SandboxedFs", {
    /**
     * The operations under `policy`: each checks what it reads and writes,
     * then has the policy's worker perform it. A handle's file holds the
     * worker while it is open.
     */
    readonly backend: (policy: ResolvedSandbox) => FsBackend;
}>;
/** File operations confined by a policy. */
export declare class SandboxedFs extends SandboxedFs_base {
}
/**
 * The policy a worker must enforce for a request so confined: none when
 * nothing confines, or when the policy leaves the whole file system
 * writable (the host's files are then what the worker would see).
 */
export declare const policyToEnforce: (confinement: Confinement) => ResolvedSandbox | undefined;
/** The protocol's error for a refusal of the policy: writing where only reading is allowed, or touching a denied path. */
export declare const denied: (operation: string, path: string, readable: boolean) => SandboxDenied;
/** Checks every path of an operation against the policy, after resolving symlinks and `..`. */
export declare const check: (operation: string, policy: ResolvedSandbox, access: Access) => Effect.Effect<void, SandboxDenied>;
/** The sandboxed file operations, on the sandbox service. */
export declare const layer: Layer.Layer<SandboxedFs, never, Sandbox>;
export {};
//# sourceMappingURL=SandboxedFs.d.ts.map