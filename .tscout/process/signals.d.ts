import * as Effect from "effect/Effect";
import type { SandboxedLaunch } from "../sandbox/Sandbox.js";
/** The name of a signal number (`9` → `"SIGKILL"`). */
export declare const signalName: (signal: number) => string;
/** The number of a signal name (`"SIGKILL"` → `9`). */
export declare const signalNumber: (signal: string) => number | undefined;
/** The protocol's exit code: the code, or 128 + n when signal n ended the process. */
export declare const exitCodeOf: (code: number | null, signal: string | null) => number;
/**
 * Sends `signal` to the process group led by `pgid`. False when no process of
 * the group is left (ESRCH) or it may not be signalled.
 */
export declare const killProcessGroup: (pgid: number, signal: NodeJS.Signals) => boolean;
/** True while a process of the group led by `pgid` is left (one we may not signal counts). */
export declare const processGroupExists: (pgid: number) => boolean;
/**
 * A child's `signal`: its process group, or for a confined command (see
 * `signalConfined`) the command's group once the command runs (a signal sent
 * while bubblewrap is still setting up waits for it).
 */
export declare const signalChild: (pid: number, sandbox: SandboxedLaunch | undefined, signal: NodeJS.Signals) => Effect.Effect<boolean>;
/**
 * Signals a command confined in a sandbox: its own process group (or the
 * command alone if it has not made its group yet), never the launcher's,
 * which would end the sandbox before the command could handle the signal.
 * SIGKILL goes to the launcher's group too, which ends the whole sandbox.
 */
export declare const signalConfined: (launcherPid: number, commandPid: number | undefined, signal: NodeJS.Signals) => boolean;
//# sourceMappingURL=signals.d.ts.map