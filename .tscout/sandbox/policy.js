/**
 * The sandbox policy as this server enforces it: a list of path rules (the
 * deepest rule covering a path decides its access) and a network switch.
 * Both request forms (the reference's context and ours) and the operator's
 * policy resolve to it, against the real file system: paths are made real
 * (symlinks resolved), missing paths are skipped or protected as asked.
 */
import * as Effect from "effect/Effect";
import * as Fs from "node:fs";
import * as Path from "node:path";
import { InvalidParams } from "../protocol/errors.js";
import { DEFAULT_PROTECTED_NAMES } from "../protocol/sandbox.js";
const RANK = { none: 0, read: 1, write: 2 };
const leastOf = (a, b) => RANK[a] <= RANK[b] ? a : b;
export const UNCONFINED = { _tag: "Unconfined" };
/** What the paths of `minimal` are: enough to run the system's programs. */
export const MINIMAL_PATHS = [
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/etc"
];
const isUnder = (path, root) => root === "/" ? path.startsWith("/") : path === root || path.startsWith(root + "/");
/** The rule deciding `path`: the deepest covering it (the most restrictive of equals). */
export const ruleAt = (policy, path) => {
    let best;
    for (const rule of policy.rules) {
        if (!isUnder(path, rule.path))
            continue;
        if (best === undefined || rule.path.length > best.path.length ||
            (rule.path.length === best.path.length && RANK[rule.access] < RANK[best.access])) {
            best = rule;
        }
    }
    return best ?? NOTHING;
};
/** Where no rule says anything: no access. */
const NOTHING = { path: "/", access: "none", missing: false };
/** The access of `path` (already real) under the policy. */
export const accessAt = (policy, path) => ruleAt(policy, path).access;
/** Whether the policy lets anything at or below `path` (already real) be seen: a deeper rule may show what its own does not. */
export const showsAnythingAt = (policy, path) => accessAt(policy, path) !== "none" ||
    policy.rules.some((rule) => rule.access !== "none" && rule.path !== path && isUnder(rule.path, path));
/**
 * `path` with symlinks resolved as far as it exists, the rest appended
 * (`..` is resolved first, lexically, as the kernel would after the real
 * prefix). With `followLast: false` the last component is kept as it is (an
 * operation on a symlink itself, such as removing or replacing it).
 */
export const realPathOf = (path, followLast = true) => {
    const normal = Path.resolve(path);
    if (!followLast) {
        const parent = Path.dirname(normal);
        return parent === normal ? normal : Path.join(realPathOf(parent), Path.basename(normal));
    }
    let existing = normal;
    const rest = [];
    while (true) {
        try {
            const real = Fs.realpathSync.native(existing);
            return rest.length === 0 ? real : Path.join(real, ...rest.reverse());
        }
        catch {
            const parent = Path.dirname(existing);
            if (parent === existing)
                return normal;
            rest.push(Path.basename(existing));
            existing = parent;
        }
    }
};
const exists = (path) => Fs.existsSync(path);
const isSymlink = (path) => {
    try {
        return Fs.lstatSync(path).isSymbolicLink();
    }
    catch {
        return false;
    }
};
/** The first component of `path` that does not exist (the one a placeholder must cover). */
const firstMissing = (path) => {
    let current = path;
    let missing = path;
    while (!exists(current)) {
        missing = current;
        const parent = Path.dirname(current);
        if (parent === current)
            break;
        current = parent;
    }
    return missing;
};
const invalid = (message) => new InvalidParams({ message: `sandbox: ${message}` });
/**
 * Resolves raw rules: real paths, missing paths skipped or protected (a
 * missing path under a writable rule is covered where it starts missing), a
 * protected name that is a symlink inside a writable area refused (it could
 * be replaced from inside).
 */
const resolveRules = (raw, network, isPlaceholder) => Effect.suspend(() => {
    const exists = (path) => Fs.existsSync(path) && !isPlaceholder(path);
    const present = [];
    const pending = [];
    for (const rule of raw) {
        const normal = Path.resolve(rule.path);
        if (rule.ifMissing === "protect" && isSymlink(normal)) {
            pending.push({ ...rule, path: normal });
        }
        else if (exists(normal)) {
            present.push({ path: realPathOf(normal), access: rule.access, missing: false });
        }
        else if (rule.ifMissing === "fail") {
            return Effect.fail(invalid(`${normal} does not exist`));
        }
        else if (rule.ifMissing === "protect") {
            pending.push({ ...rule, path: normal });
        }
    }
    if (!present.some((rule) => rule.path === "/"))
        present.push({ path: "/", access: "none", missing: false });
    const base = { rules: present, network };
    const rules = [...present];
    for (const rule of pending) {
        const real = realPathOf(rule.path);
        if (isSymlink(rule.path)) {
            // Its target can be kept read-only, but where its directory is
            // writable the link itself could be replaced from inside.
            if (accessAt(base, Path.dirname(realPathOf(rule.path, false))) === "write") {
                return Effect.fail(invalid(`${rule.path} is a symlink inside a writable root and cannot be kept read-only; make it a real directory or file`));
            }
            if (exists(rule.path))
                rules.push({ path: real, access: rule.access, missing: false });
            continue;
        }
        // Nothing needs protecting where nothing can be created.
        if (accessAt(base, real) !== "write")
            continue;
        rules.push({ path: firstMissing(real), access: rule.access, missing: true });
    }
    return Effect.succeed(simplify({ rules, network }));
});
/** Rules in path order: a directory's rule before the rules under it. */
export const byPathOrder = (a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
/**
 * Sorted rules, one per path (the most restrictive), without rules that
 * repeat their parent's access (but for writable roots).
 */
export const simplify = (policy) => {
    const byPath = new Map();
    for (const rule of policy.rules) {
        const previous = byPath.get(rule.path);
        byPath.set(rule.path, previous === undefined
            ? rule
            : { path: rule.path, access: leastOf(previous.access, rule.access), missing: previous.missing || rule.missing });
    }
    const sorted = [...byPath.values()].sort(byPathOrder);
    const kept = [];
    for (const rule of sorted) {
        if (rule.path !== "/") {
            const parent = ruleAt({ rules: kept, network: policy.network }, Path.dirname(rule.path));
            // A missing path needs covering only where it could be created. A
            // writable root inside another stays a rule of its own: it is bound
            // apart, so it cannot be renamed away from under its protected paths.
            if (rule.missing ? parent.access !== "write" : parent.access === rule.access && rule.access !== "write")
                continue;
        }
        kept.push(rule);
    }
    return { rules: kept, network: policy.network };
};
/**
 * Both policies at once: a path allows what both allow, the network is on
 * only when both have it. A client's sandbox can narrow the operator's,
 * never widen it.
 */
export const intersect = (a, b) => {
    const paths = new Set([...a.rules.map((rule) => rule.path), ...b.rules.map((rule) => rule.path)]);
    const missing = new Set([...a.rules, ...b.rules].filter((rule) => rule.missing).map((rule) => rule.path));
    const rules = [...paths].map((path) => ({
        path,
        access: leastOf(accessAt(a, path), accessAt(b, path)),
        missing: missing.has(path)
    }));
    return simplify({ rules, network: a.network && b.network });
};
const ACCESS_OF = { read: "read", write: "write", deny: "none", none: "none" };
/** A subpath of a project root, kept inside it. */
const underRoot = (root, subpath) => {
    if (subpath === undefined || subpath === null || subpath === "")
        return Effect.succeed(root);
    const joined = Path.resolve(root, subpath);
    return isUnder(joined, root) ? Effect.succeed(joined) : Effect.fail(invalid(`subpath ${JSON.stringify(subpath)} leaves its root`));
};
/** The reference's context as raw rules. */
const codexRules = (sandbox, context) => Effect.gen(function* () {
    const permissions = sandbox.permissions;
    if (permissions.type === "disabled")
        return UNCONFINED;
    if (permissions.type === "external") {
        // Another layer confines the file system; the network setting is still ours to honour.
        if (permissions.network === "enabled")
            return UNCONFINED;
        return { raw: [{ path: "/", access: "write", ifMissing: "skip" }], network: false };
    }
    const network = permissions.network === "enabled";
    if (permissions.file_system.type === "unrestricted") {
        if (network)
            return UNCONFINED;
        return { raw: [{ path: "/", access: "write", ifMissing: "skip" }], network };
    }
    const cwd = sandbox.cwd ?? sandbox.policyContext?.cwd ?? context.cwd;
    const declaredRoots = sandbox.workspaceRoots ?? sandbox.policyContext?.workspaceRoots ?? [];
    const projectRoots = declaredRoots.length > 0 ? declaredRoots : cwd === undefined ? [] : [cwd];
    const raw = [];
    for (const entry of permissions.file_system.entries) {
        const access = ACCESS_OF[entry.access];
        const skip = entry.missing_path_behavior === "skip";
        const path = entry.path;
        const add = (target, ifMissing) => raw.push({ path: target, access, ifMissing });
        // Nothing can be read or written where nothing exists; a missing writable root is an error.
        const missingRule = skip ? "skip" : access === "write" ? "fail" : "protect";
        switch (path.type) {
            case "path":
                add(path.path, missingRule);
                break;
            case "glob_pattern":
                return yield* invalid(`glob_pattern entries (${JSON.stringify(path.pattern)}) are not supported by this server`);
            case "special": {
                const { kind, subpath } = path.value;
                switch (kind) {
                    case "root":
                        add(yield* underRoot("/", subpath), missingRule);
                        break;
                    case "minimal":
                        for (const minimal of MINIMAL_PATHS)
                            add(minimal, "skip");
                        break;
                    case "project_roots":
                    case "current_working_directory": {
                        if (projectRoots.length === 0)
                            return yield* invalid("project_roots without a cwd or workspaceRoots");
                        for (const root of projectRoots) {
                            add(yield* underRoot(root, subpath), missingRule);
                            // As the reference: a writable project root keeps these read-only, even when missing.
                            if (access === "write" && !subpath) {
                                for (const name of DEFAULT_PROTECTED_NAMES) {
                                    raw.push({ path: Path.join(root, name), access: "read", ifMissing: "protect" });
                                }
                            }
                        }
                        break;
                    }
                    case "tmpdir": {
                        const tmpdir = context.env?.TMPDIR;
                        if (tmpdir !== undefined && Path.isAbsolute(tmpdir))
                            add(yield* underRoot(tmpdir, subpath), "skip");
                        break;
                    }
                    case "slash_tmp":
                        add(yield* underRoot("/tmp", subpath), "skip");
                        break;
                    case "unknown":
                        return yield* invalid("an entry of kind \"unknown\" cannot be honoured");
                }
            }
        }
    }
    return { raw, network };
});
/** Our policy form as raw rules. */
const policyRules = (policy) => {
    const raw = policy.readable === "all"
        ? [{ path: "/", access: "read", ifMissing: "skip" }]
        : MINIMAL_PATHS.map((path) => ({ path, access: "read", ifMissing: "skip" }));
    for (const root of policy.writableRoots) {
        raw.push({ path: root, access: "write", ifMissing: "fail" });
        for (const name of policy.protectedNames)
            raw.push({ path: Path.join(root, name), access: "read", ifMissing: "protect" });
    }
    for (const path of policy.readOnlyPaths)
        raw.push({ path, access: "read", ifMissing: "protect" });
    for (const path of policy.deniedPaths)
        raw.push({ path, access: "none", ifMissing: "protect" });
    return { raw, network: policy.network };
};
/** Resolves a `sandbox` parameter (either form) against the file system. */
export const resolve = (request, context = {}) => Effect.gen(function* () {
    const rules = "permissions" in request ? yield* codexRules(request, context) : policyRules(request);
    if ("_tag" in rules)
        return rules;
    const policy = yield* resolveRules(rules.raw, rules.network, context.isPlaceholder ?? (() => false));
    return { _tag: "Confined", policy };
});
/** Whether the policy restricts anything at all (an unrestricted one needs no confinement). */
export const restrictsAnything = (policy) => !policy.network || policy.rules.some((rule) => rule.access !== "write");
/**
 * The confinement of a request under the operator's: the operator's alone,
 * the client's alone, both intersected, or none.
 */
export const combine = (operator, client) => {
    if (operator._tag === "Unconfined")
        return client;
    if (client._tag === "Unconfined")
        return operator;
    return { _tag: "Confined", policy: intersect(operator.policy, client.policy) };
};
//# sourceMappingURL=policy.js.map