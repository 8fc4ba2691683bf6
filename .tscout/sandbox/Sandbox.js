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
import * as Schema from "effect/Schema";
import { SandboxUnavailable } from "../protocol/errors.js";
import { SandboxPolicy } from "../protocol/sandbox.js";
import { commandPidOf, confinedArgv, findExecutable, probe } from "./bubblewrap.js";
import { makePlaceholders } from "./placeholders.js";
import { sandboxedPeerOf } from "./peers.js";
import { filterPath, seccompFilter } from "./seccomp.js";
import { combine, resolve, restrictsAnything, UNCONFINED } from "./policy.js";
/** Confines processes and file operations. */
export class Sandbox extends Context.Tag("effect-exec-server/Sandbox")() {
}
/** Decodes an operator policy given as JSON (the CLI's `--sandbox-policy` file, or flags gathered into one). */
export const decodeOperatorPolicy = Schema.decodeUnknown(SandboxPolicy);
/** The bubblewrap sandbox. */
export const make = (options = {}) => Effect.gen(function* () {
    const placeholders = yield* makePlaceholders;
    const isPlaceholder = (path) => placeholders.current().includes(path);
    // Checked once, when a confinement is first asked for: bubblewrap, a
    // filter for this architecture, and a real sandbox built with them.
    let availability;
    const available = Effect.suspend(() => {
        availability ??= prepareLaunchers(options.bwrap ?? "bwrap");
        return "launchers" in availability
            ? Effect.succeed(availability.launchers)
            : Effect.fail(new SandboxUnavailable({ message: `sandbox unavailable, nothing was run: ${availability.reason}` }));
    });
    const operator = options.operatorPolicy === undefined
        ? undefined
        : (context) => resolve(options.operatorPolicy, context);
    const confinementOf = (request, context) => Effect.gen(function* () {
        const resolveContext = { ...context, isPlaceholder };
        const client = request === undefined ? UNCONFINED : yield* resolve(request, resolveContext);
        const combined = operator === undefined ? client : combine(yield* operator(resolveContext), client);
        // A policy that allows everything needs no sandbox.
        return combined._tag === "Confined" && !restrictsAnything(combined.policy) ? UNCONFINED : combined;
    });
    const prepare = (policy) => Effect.gen(function* () {
        const launchers = yield* available;
        yield* placeholders.hold(policy.rules.filter((rule) => rule.missing).map((rule) => rule.path));
        return { launcher: policy.network ? launchers.withNetwork : launchers.withoutNetwork, policy };
    });
    // Sandboxes with network running now: without any, no sandbox can reach a listener of ours.
    let withNetwork = 0;
    const countWithNetwork = Effect.acquireRelease(Effect.sync(() => void withNetwork++), () => Effect.sync(() => void withNetwork--));
    return {
        confinementOf,
        prepare,
        launch: (policy, command) => Effect.map(Effect.zipLeft(prepare(policy, []), policy.network ? countWithNetwork : Effect.void), ({ launcher }) => ({
            argv: confinedArgv(launcher, { policy, cwd: command.cwd }, command.argv, command.arg0),
            commandPid: commandPidOf
        })),
        placeholders: placeholders.current,
        isSandboxedPeer: (ends) => withNetwork > 0 && sandboxedPeerOf(ends) !== undefined
    };
});
/** Finds bubblewrap, writes the filters and builds a sandbox with them; the reason when it cannot. */
const prepareLaunchers = (bwrapName) => {
    const bwrap = findExecutable(bwrapName);
    if (bwrap === undefined)
        return { reason: "bubblewrap (bwrap) is not installed (Debian: apt-get install bubblewrap)" };
    const withNetwork = seccompFilter({ denyUnixSockets: false });
    const withoutNetwork = seccompFilter({ denyUnixSockets: true });
    if (withNetwork === undefined || withoutNetwork === undefined) {
        return { reason: `no seccomp filter for this architecture (${process.arch})` };
    }
    let launchers;
    try {
        launchers = {
            withNetwork: { bwrap, seccompFilter: filterPath(withNetwork) },
            withoutNetwork: { bwrap, seccompFilter: filterPath(withoutNetwork) }
        };
    }
    catch (error) {
        return { reason: `the seccomp filter cannot be written: ${error.message}` };
    }
    const reason = probe(launchers.withoutNetwork);
    return reason === undefined ? { launchers } : { reason };
};
/** The bubblewrap sandbox, with the operator's policy if given. */
export const layer = (options = {}) => Layer.effect(Sandbox, make(options));
/**
 * No sandbox at all (a server, or a test, without bubblewrap's): a request
 * is resolved as usual, and one that asks for any confinement is refused
 * (fail closed); one that confines nothing runs.
 */
export const unavailable = (reason = "this server has no sandbox service") => {
    const refuse = Effect.suspend(() => Effect.fail(new SandboxUnavailable({ message: `sandbox unavailable, nothing was run: ${reason}` })));
    return {
        confinementOf: (request, context) => request === undefined
            ? Effect.succeed(UNCONFINED)
            : Effect.flatMap(resolve(request, context), (confinement) => confinement._tag === "Confined" && restrictsAnything(confinement.policy) ? refuse : Effect.succeed(UNCONFINED)),
        launch: () => refuse,
        prepare: () => refuse,
        placeholders: () => [],
        isSandboxedPeer: () => false
    };
};
/** The sandbox that refuses every confinement (see `unavailable`). */
export const layerUnavailable = Layer.sync(Sandbox, () => unavailable());
//# sourceMappingURL=Sandbox.js.map