/**
 * The sandbox service: resolves what confines a request (the operator's
 * policy and the client's, combined so that the client can only narrow the
 * operator's) and confines processes and file operations with bubblewrap.
 * It fails closed: a confinement that cannot be applied is an error, and
 * nothing runs.
 */
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import type * as Scope from "effect/Scope";
import type { InternalError, InvalidParams } from "../protocol/errors.js";
import { SandboxUnavailable } from "../protocol/errors.js";
import { SandboxPolicy, type SandboxRequest } from "../protocol/sandbox.js";
import { type Launcher } from "./bubblewrap.js";
import { type TcpEnds } from "./peers.js";
import { type Confinement, type ResolveContext, type ResolvedSandbox } from "./policy.js";
/** A command confined by the sandbox: what to execute instead, and where the command itself is. */
export interface SandboxedLaunch {
    /** The launcher's argv (bubblewrap, its options, the command with its argv[0]). */
    readonly argv: ReadonlyArray<string>;
    /** The host pid of the confined command, once it runs (the launcher's pid is the child's). */
    readonly commandPid: (launcherPid: number) => number | undefined;
}
/** What to confine. */
export interface ConfinedCommand {
    readonly argv: ReadonlyArray<string>;
    readonly arg0: string | undefined;
    readonly cwd: string;
}
/** The sandbox service. */
export interface SandboxService {
    /** The operator's policy applies to every request, with or without a `sandbox` of its own. */
    readonly confinementOf: (request: SandboxRequest | undefined, context: Omit<ResolveContext, "isPlaceholder">) => Effect.Effect<Confinement, InvalidParams | SandboxUnavailable>;
    /**
     * Confines a command until the scope closes (placeholders are held that
     * long). Fails with SandboxUnavailable when bubblewrap cannot run here.
     */
    readonly launch: (policy: ResolvedSandbox, command: ConfinedCommand) => Effect.Effect<SandboxedLaunch, SandboxUnavailable | InvalidParams | InternalError, Scope.Scope>;
    /** The bubblewrap options of a policy with its placeholders held until the scope closes (the fs worker's launch). */
    readonly prepare: (policy: ResolvedSandbox, extraReadable: ReadonlyArray<string>) => Effect.Effect<{
        readonly launcher: Launcher;
        readonly policy: ResolvedSandbox;
    }, SandboxUnavailable | InvalidParams | InternalError, Scope.Scope>;
    /** The placeholder directories this server holds now. */
    readonly placeholders: () => ReadonlyArray<string>;
    /**
     * Whether the other end of a TCP connection to this server is a process in
     * one of its sandboxes (only one with network can reach it): a listener
     * refuses it, so a sandbox cannot start unconfined processes through its
     * own server.
     */
    readonly isSandboxedPeer: (ends: TcpEnds) => boolean;
}
declare const Sandbox_base: Context.TagClass<Sandbox, "effect-exec-server/Sandbox", SandboxService>;
/** Confines processes and file operations. */
export declare class Sandbox extends Sandbox_base {
}
/** Options of the bubblewrap sandbox. */
export interface SandboxOptions {
    /** The operator's policy: every process and fs call of the server runs under it. */
    readonly operatorPolicy?: SandboxPolicy | undefined;
    /** The bubblewrap executable (default: `bwrap` from PATH). */
    readonly bwrap?: string | undefined;
}
/** Decodes an operator policy given as JSON (the CLI's `--sandbox-policy` file, or flags gathered into one). */
export declare const decodeOperatorPolicy: (u: unknown, overrideOptions?: import("effect/SchemaAST").ParseOptions) => Effect.Effect<{
    readonly network: boolean;
    readonly writableRoots: readonly string[];
    readonly readOnlyPaths: readonly string[];
    readonly deniedPaths: readonly string[];
    readonly protectedNames: readonly string[];
    readonly readable: "minimal" | "all";
}, import("effect/ParseResult").ParseError, never>;
/** The bubblewrap sandbox. */
export declare const make: (options?: SandboxOptions) => Effect.Effect<SandboxService>;
/** The bubblewrap sandbox, with the operator's policy if given. */
export declare const layer: (options?: SandboxOptions) => Layer.Layer<Sandbox>;
/**
 * No sandbox at all (a server, or a test, without bubblewrap's): a request
 * is resolved as usual, and one that asks for any confinement is refused
 * (fail closed); one that confines nothing runs.
 */
export declare const unavailable: (reason?: string) => SandboxService;
/** The sandbox that refuses every confinement (see `unavailable`). */
export declare const layerUnavailable: Layer.Layer<Sandbox>;
export {};
//# sourceMappingURL=Sandbox.d.ts.map