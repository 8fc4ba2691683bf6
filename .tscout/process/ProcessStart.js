/**
 * A `process/start` decided before it reaches the table: its working
 * directory, its whole environment, and what confines it (the request's
 * sandbox and the operator's, as the sandbox service resolves them). The
 * table only claims, spawns and keeps.
 */
import * as Effect from "effect/Effect";
import { Sandbox } from "../sandbox/Sandbox.js";
import { buildEnvironment } from "./environment.js";
/**
 * Decides a start: the environment an `envPolicy` builds on the server's,
 * and the confinement (a server without a sandbox refuses one when it
 * would launch: fail closed).
 */
export const resolveStart = (request, serverEnvironment) => Effect.gen(function* () {
    const sandbox = yield* Sandbox;
    const params = { ...request, cwd: request.cwd ?? process.cwd() };
    const env = buildEnvironment(serverEnvironment, params.envPolicy, params.env);
    const resolved = yield* sandbox.confinementOf(params.sandbox, { cwd: params.cwd, env });
    // No managed proxy here: a process that may only use the proxy gets no network at all.
    const confinement = resolved._tag === "Confined" && params.enforceManagedNetwork === true
        ? { _tag: "Confined", policy: { ...resolved.policy, network: false } }
        : resolved;
    return { params, env, confinement };
});
//# sourceMappingURL=ProcessStart.js.map