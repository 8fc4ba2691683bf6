/**
 * The sandbox policy as this server enforces it: a list of path rules (the
 * deepest rule covering a path decides its access) and a network switch.
 * Both request forms (the reference's context and ours) and the operator's
 * policy resolve to it, against the real file system: paths are made real
 * (symlinks resolved), missing paths are skipped or protected as asked.
 */
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { InvalidParams } from "../protocol/errors.js"
import {
  type CodexSandbox,
  DEFAULT_PROTECTED_NAMES,
  type SandboxEntry,
  type SandboxPolicy,
  type SandboxRequest
} from "../protocol/sandbox.js"

/** What a path allows, from least to most. */
export type Access = "none" | "read" | "write"

const RANK: Record<Access, number> = { none: 0, read: 1, write: 2 }
const leastOf = (a: Access, b: Access): Access => RANK[a] <= RANK[b] ? a : b

/** The access of a path and everything under it, unless a deeper rule says otherwise. */
export interface PathRule {
  /** Absolute, normalized, symlinks resolved (as far as the path exists). */
  readonly path: string
  readonly access: Access
  /**
   * The path does not exist and lies where writes are allowed: it is kept
   * from being created (an empty read-only directory is mounted there).
   */
  readonly missing: boolean
}

/** A policy ready to enforce. */
export interface ResolvedSandbox {
  /** Sorted by path; always one for "/". */
  readonly rules: ReadonlyArray<PathRule>
  readonly network: boolean
}

/** What confinement a request resolves to: none at all, or a policy. */
export type Confinement =
  | { readonly _tag: "Unconfined" }
  | { readonly _tag: "Confined"; readonly policy: ResolvedSandbox }

export const UNCONFINED: Confinement = { _tag: "Unconfined" }

/** What the paths of `minimal` are: enough to run the system's programs. */
export const MINIMAL_PATHS: ReadonlyArray<string> = [
  "/usr",
  "/bin",
  "/sbin",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/etc"
]

/** What the request's paths resolve against. */
export interface ResolveContext {
  /** The process's working directory (absent for `fs/*`). */
  readonly cwd?: string | undefined
  /** The process's environment (for `tmpdir`: its $TMPDIR). */
  readonly env?: Readonly<Record<string, string>> | undefined
  /** This server's placeholder directories: they count as missing. */
  readonly isPlaceholder?: ((path: string) => boolean) | undefined
}

const isUnder = (path: string, root: string): boolean =>
  root === "/" ? path.startsWith("/") : path === root || path.startsWith(root + "/")

/** The rule deciding `path`: the deepest covering it (the most restrictive of equals). */
export const ruleAt = (policy: ResolvedSandbox, path: string): PathRule => {
  let best: PathRule | undefined
  for (const rule of policy.rules) {
    if (!isUnder(path, rule.path)) continue
    if (
      best === undefined || rule.path.length > best.path.length ||
      (rule.path.length === best.path.length && RANK[rule.access] < RANK[best.access])
    ) {
      best = rule
    }
  }
  return best ?? NOTHING
}

/** Where no rule says anything: no access. */
const NOTHING: PathRule = { path: "/", access: "none", missing: false }

/** The access of `path` (already real) under the policy. */
export const accessAt = (policy: ResolvedSandbox, path: string): Access => ruleAt(policy, path).access

/** Whether the policy lets anything at or below `path` (already real) be seen: a deeper rule may show what its own does not. */
export const showsAnythingAt = (policy: ResolvedSandbox, path: string): boolean =>
  accessAt(policy, path) !== "none" ||
  policy.rules.some((rule) => rule.access !== "none" && rule.path !== path && isUnder(rule.path, path))

/**
 * `path` with symlinks resolved as far as it exists, the rest appended
 * (`..` is resolved first, lexically, as the kernel would after the real
 * prefix). With `followLast: false` the last component is kept as it is (an
 * operation on a symlink itself, such as removing or replacing it).
 */
export const realPathOf = (path: string, followLast = true): string => {
  const normal = Path.resolve(path)
  if (!followLast) {
    const parent = Path.dirname(normal)
    return parent === normal ? normal : Path.join(realPathOf(parent), Path.basename(normal))
  }
  let existing = normal
  const rest: Array<string> = []
  while (true) {
    try {
      const real = Fs.realpathSync.native(existing)
      return rest.length === 0 ? real : Path.join(real, ...rest.reverse())
    } catch {
      const parent = Path.dirname(existing)
      if (parent === existing) return normal
      rest.push(Path.basename(existing))
      existing = parent
    }
  }
}

const exists = (path: string): boolean => Fs.existsSync(path)

const isSymlink = (path: string): boolean => {
  try {
    return Fs.lstatSync(path).isSymbolicLink()
  } catch {
    return false
  }
}

/** The first component of `path` that does not exist (the one a placeholder must cover). */
const firstMissing = (path: string): string => {
  let current = path
  let missing = path
  while (!exists(current)) {
    missing = current
    const parent = Path.dirname(current)
    if (parent === current) break
    current = parent
  }
  return missing
}

const invalid = (message: string) => new InvalidParams({ message: `sandbox: ${message}` })

/** One rule before resolution against the file system. */
interface RawRule {
  readonly path: string
  readonly access: Access
  /** What to do when the path does not exist: drop the rule, or keep it from being created. */
  readonly ifMissing: "skip" | "protect" | "fail"
  /** A rule that applies only where the path would otherwise be writable (it must never open a denied path). */
  readonly onlyWhereWritable?: boolean
}

/**
 * A protected `.git` that is a file (`gitdir: PATH`, as a worktree or a
 * submodule has) protects the git directory it names, and that directory's
 * common directory (`commondir`: a worktree's main `.git`, where hooks and
 * config live), as the reference protects them: else a hook could be planted
 * in a git directory inside a writable root.
 */
const withGitDirectories = (raw: ReadonlyArray<RawRule>): ReadonlyArray<RawRule> =>
  raw.flatMap((rule) => {
    if (rule.ifMissing !== "protect" || Path.basename(rule.path) !== ".git") return [rule]
    const gitDir = gitDirOf(rule.path)
    if (gitDir === undefined) return [rule]
    const common = readFirstLine(Path.join(gitDir, "commondir"))
    const directories = common === undefined ? [gitDir] : [gitDir, Path.resolve(gitDir, common)]
    return [rule, ...directories.map((path): RawRule => ({ path, access: rule.access, ifMissing: "skip", onlyWhereWritable: true }))]
  })

/** The directory a `.git` file names (relative to the file's directory), or undefined when it is not such a file. */
const gitDirOf = (dotGit: string): string | undefined => {
  try {
    if (!Fs.lstatSync(dotGit).isFile()) return undefined
  } catch {
    return undefined
  }
  const line = readFirstLine(dotGit)
  const named = line?.startsWith("gitdir:") ? line.slice("gitdir:".length).trim() : undefined
  return named === undefined || named === "" ? undefined : Path.resolve(Path.dirname(dotGit), named)
}

/** The first line of a small file, or undefined when it cannot be read. */
const readFirstLine = (path: string): string | undefined => {
  try {
    const fd = Fs.openSync(path, Fs.constants.O_RDONLY | Fs.constants.O_NONBLOCK | Fs.constants.O_NOFOLLOW)
    try {
      if (!Fs.fstatSync(fd).isFile()) return undefined
      const buffer = Buffer.alloc(4096)
      const length = Fs.readSync(fd, buffer, 0, buffer.length, 0)
      return buffer.subarray(0, length).toString("utf8").split("\n")[0]!.trim()
    } finally {
      Fs.closeSync(fd)
    }
  } catch {
    return undefined
  }
}

/**
 * Resolves raw rules: real paths, missing paths skipped or protected (a
 * missing path under a writable rule is covered where it starts missing), a
 * protected name that is a symlink inside a writable area refused (it could
 * be replaced from inside), or its target kept read-only under an approved
 * escalation.
 */
const resolveRules = (
  raw: ReadonlyArray<RawRule>,
  network: boolean,
  isPlaceholder: (path: string) => boolean,
  approvedEscalation: boolean
): Effect.Effect<ResolvedSandbox, InvalidParams> =>
  Effect.suspend(() => {
    const exists = (path: string) => Fs.existsSync(path) && !isPlaceholder(path)
    const present: Array<PathRule> = []
    const pending: Array<RawRule> = []
    const whereWritable: Array<RawRule> = []
    for (const rule of withGitDirectories(raw)) {
      const normal = Path.resolve(rule.path)
      if (rule.onlyWhereWritable === true) {
        whereWritable.push({ ...rule, path: normal })
      } else if (rule.ifMissing === "protect" && isSymlink(normal)) {
        pending.push({ ...rule, path: normal })
      } else if (exists(normal)) {
        present.push({ path: realPathOf(normal), access: rule.access, missing: false })
      } else if (rule.ifMissing === "fail") {
        return Effect.fail(invalid(`${normal} does not exist`))
      } else if (rule.ifMissing === "protect") {
        pending.push({ ...rule, path: normal })
      }
    }
    if (!present.some((rule) => rule.path === "/")) present.push({ path: "/", access: "none", missing: false })
    const base: ResolvedSandbox = { rules: present, network }
    const rules = [...present]
    for (const rule of whereWritable) {
      const real = realPathOf(rule.path)
      if (exists(real) && accessAt(base, real) === "write") rules.push({ path: real, access: rule.access, missing: false })
    }
    for (const rule of pending) {
      const real = realPathOf(rule.path)
      if (isSymlink(rule.path)) {
        // Its target can be kept read-only, but where its directory is
        // writable the link itself could be replaced from inside: refused,
        // unless the user approved this escalation (the reference keeps the
        // target read-only then, rather than failing the approved command).
        if (!approvedEscalation && accessAt(base, Path.dirname(realPathOf(rule.path, false))) === "write") {
          return Effect.fail(invalid(
            `${rule.path} is a symlink inside a writable root and cannot be kept read-only; make it a real directory or file`
          ))
        }
        if (exists(rule.path)) rules.push({ path: real, access: rule.access, missing: false })
        continue
      }
      // Nothing needs protecting where nothing can be created.
      if (accessAt(base, real) !== "write") continue
      rules.push({ path: firstMissing(real), access: rule.access, missing: true })
    }
    return Effect.succeed(simplify({ rules, network }))
  })

/** Rules in path order: a directory's rule before the rules under it. */
export const byPathOrder = (a: PathRule, b: PathRule): number => a.path < b.path ? -1 : a.path > b.path ? 1 : 0

/**
 * Sorted rules, one per path (the most restrictive), without rules that
 * repeat their parent's access (but for writable roots).
 */
export const simplify = (policy: ResolvedSandbox): ResolvedSandbox => {
  const byPath = new Map<string, PathRule>()
  for (const rule of policy.rules) {
    const previous = byPath.get(rule.path)
    byPath.set(
      rule.path,
      previous === undefined
        ? rule
        : { path: rule.path, access: leastOf(previous.access, rule.access), missing: previous.missing || rule.missing }
    )
  }
  const sorted = [...byPath.values()].sort(byPathOrder)
  const kept: Array<PathRule> = []
  for (const rule of sorted) {
    if (rule.path !== "/") {
      const parent = ruleAt({ rules: kept, network: policy.network }, Path.dirname(rule.path))
      // A missing path needs covering only where it could be created. A
      // writable root inside another stays a rule of its own: it is bound
      // apart, so it cannot be renamed away from under its protected paths.
      if (rule.missing ? parent.access !== "write" : parent.access === rule.access && rule.access !== "write") continue
    }
    kept.push(rule)
  }
  return { rules: kept, network: policy.network }
}

/**
 * Both policies at once: a path allows what both allow, the network is on
 * only when both have it. A client's sandbox can narrow the operator's,
 * never widen it.
 */
export const intersect = (a: ResolvedSandbox, b: ResolvedSandbox): ResolvedSandbox => {
  const paths = new Set([...a.rules.map((rule) => rule.path), ...b.rules.map((rule) => rule.path)])
  const missing = new Set([...a.rules, ...b.rules].filter((rule) => rule.missing).map((rule) => rule.path))
  const rules = [...paths].map((path): PathRule => ({
    path,
    access: leastOf(accessAt(a, path), accessAt(b, path)),
    missing: missing.has(path)
  }))
  return simplify({ rules, network: a.network && b.network })
}

const ACCESS_OF: Record<SandboxEntry["access"], Access> = { read: "read", write: "write", deny: "none", none: "none" }

/** A subpath of a project root, kept inside it. */
const underRoot = (root: string, subpath: string | null | undefined): Effect.Effect<string, InvalidParams> => {
  if (subpath === undefined || subpath === null || subpath === "") return Effect.succeed(root)
  const joined = Path.resolve(root, subpath)
  return isUnder(joined, root) ? Effect.succeed(joined) : Effect.fail(invalid(`subpath ${JSON.stringify(subpath)} leaves its root`))
}

/** The reference's context as raw rules. */
const codexRules = (
  sandbox: CodexSandbox,
  context: ResolveContext
): Effect.Effect<Confinement | RawPolicy, InvalidParams> =>
  Effect.gen(function*() {
    const permissions = sandbox.permissions
    const approvedEscalation = sandbox.sandboxOverride === "escalatedSandboxWithRestrictions"
    if (permissions.type === "disabled") return UNCONFINED
    if (permissions.type === "external") {
      // Another layer confines the file system; the network setting is still ours to honour.
      if (permissions.network === "enabled") return UNCONFINED
      return { raw: [{ path: "/", access: "write", ifMissing: "skip" }], network: false, approvedEscalation: false }
    }
    const network = permissions.network === "enabled"
    if (permissions.file_system.type === "unrestricted") {
      if (network) return UNCONFINED
      return { raw: [{ path: "/", access: "write", ifMissing: "skip" }], network, approvedEscalation: false }
    }
    const cwd = sandbox.cwd ?? sandbox.policyContext?.cwd ?? context.cwd
    const declaredRoots = sandbox.workspaceRoots ?? sandbox.policyContext?.workspaceRoots ?? []
    const projectRoots = declaredRoots.length > 0 ? declaredRoots : cwd === undefined ? [] : [cwd]
    const raw: Array<RawRule> = []
    for (const entry of permissions.file_system.entries) {
      const access = ACCESS_OF[entry.access]
      const skip = entry.missing_path_behavior === "skip"
      const path = entry.path
      const add = (target: string, ifMissing: RawRule["ifMissing"]) => raw.push({ path: target, access, ifMissing })
      // Nothing can be read or written where nothing exists; a missing writable root is an error.
      const missingRule: RawRule["ifMissing"] = skip ? "skip" : access === "write" ? "fail" : "protect"
      switch (path.type) {
        case "path":
          add(path.path, missingRule)
          break
        case "glob_pattern":
          return yield* invalid(`glob_pattern entries (${JSON.stringify(path.pattern)}) are not supported by this server`)
        case "special": {
          const { kind, subpath } = path.value
          switch (kind) {
            case "root":
              add(yield* underRoot("/", subpath), missingRule)
              break
            case "minimal":
              for (const minimal of MINIMAL_PATHS) add(minimal, "skip")
              break
            case "project_roots":
            case "current_working_directory": {
              if (projectRoots.length === 0) return yield* invalid("project_roots without a cwd or workspaceRoots")
              for (const root of projectRoots) {
                add(yield* underRoot(root, subpath), missingRule)
                // As the reference: a writable project root keeps these read-only, even when missing.
                if (access === "write" && !subpath && !approvedEscalation) {
                  for (const name of DEFAULT_PROTECTED_NAMES) {
                    raw.push({ path: Path.join(root, name), access: "read", ifMissing: "protect" })
                  }
                }
              }
              break
            }
            case "tmpdir": {
              const tmpdir = context.env?.TMPDIR
              if (tmpdir !== undefined && Path.isAbsolute(tmpdir)) add(yield* underRoot(tmpdir, subpath), "skip")
              break
            }
            case "slash_tmp":
              add(yield* underRoot("/tmp", subpath), "skip")
              break
            case "unknown":
              return yield* invalid("an entry of kind \"unknown\" cannot be honoured")
          }
        }
      }
    }
    // An approved escalation keeps each project root's protected names
    // read-only however the root became writable (by `root` write too).
    if (approvedEscalation) {
      for (const root of projectRoots) {
        for (const name of DEFAULT_PROTECTED_NAMES) raw.push({ path: Path.join(root, name), access: "read", ifMissing: "protect" })
      }
    }
    return { raw, network, approvedEscalation }
  })

/** Rules before resolution, and whether they come from an escalation the user approved. */
interface RawPolicy {
  readonly raw: ReadonlyArray<RawRule>
  readonly network: boolean
  readonly approvedEscalation: boolean
}

/** Our policy form as raw rules. */
const policyRules = (policy: SandboxPolicy): RawPolicy => {
  const raw: Array<RawRule> = policy.readable === "all"
    ? [{ path: "/", access: "read", ifMissing: "skip" }]
    : MINIMAL_PATHS.map((path) => ({ path, access: "read", ifMissing: "skip" }))
  for (const root of policy.writableRoots) {
    raw.push({ path: root, access: "write", ifMissing: "fail" })
    for (const name of policy.protectedNames) raw.push({ path: Path.join(root, name), access: "read", ifMissing: "protect" })
  }
  for (const path of policy.readOnlyPaths) raw.push({ path, access: "read", ifMissing: "protect" })
  for (const path of policy.deniedPaths) raw.push({ path, access: "none", ifMissing: "protect" })
  return { raw, network: policy.network, approvedEscalation: false }
}

/** Resolves a `sandbox` parameter (either form) against the file system. */
export const resolve = (
  request: SandboxRequest,
  context: ResolveContext = {}
): Effect.Effect<Confinement, InvalidParams> =>
  Effect.gen(function*() {
    const rules = "permissions" in request ? yield* codexRules(request, context) : policyRules(request)
    if ("_tag" in rules) return rules
    const policy = yield* resolveRules(rules.raw, rules.network, context.isPlaceholder ?? (() => false), rules.approvedEscalation)
    return { _tag: "Confined", policy } as const
  })

/** Whether the policy restricts anything at all (an unrestricted one needs no confinement). */
export const restrictsAnything = (policy: ResolvedSandbox): boolean =>
  !policy.network || policy.rules.some((rule) => rule.access !== "write")

/**
 * The confinement of a request under the operator's: the operator's alone,
 * the client's alone, both intersected, or none.
 */
export const combine = (operator: Confinement, client: Confinement): Confinement => {
  if (operator._tag === "Unconfined") return client
  if (client._tag === "Unconfined") return operator
  return { _tag: "Confined", policy: intersect(operator.policy, client.policy) }
}
