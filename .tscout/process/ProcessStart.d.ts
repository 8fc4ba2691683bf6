/**
 * A `process/start` decided before it reaches the table: its working
 * directory, its whole environment, and what confines it (the request's
 * sandbox and the operator's, as the sandbox service resolves them). The
 * table only claims, spawns and keeps.
 */
import * as Effect from "effect/Effect";
import type { InvalidParams, SandboxUnavailable } from "../protocol/errors.js";
import type { StartParams } from "../protocol/schema.js";
import type { Confinement } from "../sandbox/policy.js";
import { Sandbox } from "../sandbox/Sandbox.js";
/** What the table starts. */
export interface ProcessStart {
    readonly params: StartParams & {
        readonly cwd: string;
    };
    /** The child's whole environment. */
    readonly env: Readonly<Record<string, string>>;
    readonly confinement: Confinement;
}
/**
 * Decides a start: the environment an `envPolicy` builds on the server's,
 * and the confinement (a server without a sandbox refuses one when it
 * would launch: fail closed).
 */
export declare const resolveStart: (request: StartParams, serverEnvironment: Readonly<Record<string, string | undefined>>) => Effect.Effect<ProcessStart, InvalidParams | SandboxUnavailable, Sandbox>;
//# sourceMappingURL=ProcessStart.d.ts.map