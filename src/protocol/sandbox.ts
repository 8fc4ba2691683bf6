/**
 * The `sandbox` parameter of `process/start` and `fs/*`, in its two forms:
 * the reference's `FileSystemSandboxContext` (what Codex sends) and a
 * smaller form of ours. Both are strict below their top level: a field this
 * server does not know inside `permissions`, a file-system entry or our
 * policy is refused (-32602) rather than dropped, since a dropped field
 * could be a restriction the client counts on. At the top level of the
 * reference's context an unknown field is ignored (logged once at debug),
 * as the reference ignores it: that is where newer Codex versions add their
 * context (`loopbackPorts`, ...), and an older server must not break them.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"
import type * as SchemaIssue from "effect/SchemaIssue"
import * as SchemaParser from "effect/SchemaParser"
import * as SchemaTransformation from "effect/SchemaTransformation"
import { AbsolutePath, OptionalNullable, OptionalWithDefault } from "./primitives.js"

/**
 * Unknown fields are errors, at every level of a sandbox request. Effect 4
 * has no per-node parse options (v3's `parseOptions` annotation), and a
 * struct drops unknown keys before its checks run: the struct is read with
 * a rest of any other keys, those are refused, and the value is the
 * struct's fields alone. Its known fields stay in its shape, so a union of
 * such structs is still told apart by their `type`.
 */
const Strict = <const Fields extends Schema.Struct.Fields>(fields: Fields): StrictStruct<Fields> => {
  const names: ReadonlySet<string> = new Set(Object.keys(fields))
  const expected = [...names].map((name) => JSON.stringify(name)).join(" | ")
  const struct = Schema.Struct(fields)
  const known = (value: object): Schema.Struct.Type<Fields> =>
    Object.fromEntries(Object.entries(value).filter(([name]) => names.has(name))) as Schema.Struct.Type<Fields>
  const open = Schema.StructWithRest(struct, [Schema.Record(Schema.String, Schema.Unknown)])
  return Object.assign(
    open.check(Schema.makeFilter((input) => {
      const unknown = Object.keys(input).filter((name) => !names.has(name))
      return unknown.length === 0 ||
        unknown.map((name) => ({ path: [name], issue: `is unexpected, expected: ${expected}` }))
    })).pipe(Schema.decodeTo(
      Schema.toType(struct),
      SchemaTransformation.transform<Schema.Struct.Type<Fields>, typeof open.Type>({
        decode: known,
        encode: (value) => value as typeof open.Type
      })
    )),
    { fields }
  )
}

/**
 * What `Strict` makes, as a named type: declarations (and editors) then
 * print each struct's fields once, instead of three times at every level of
 * nesting (the inferred type of the sandbox request alone was megabytes).
 */
export interface StrictStruct<Fields extends Schema.Struct.Fields> extends Schema.decodeTo<
  Schema.toType<Schema.Struct<Fields>>,
  Schema.StructWithRest<Schema.Struct<Fields>, readonly [Schema.$Record<Schema.String, Schema.Unknown>]>
> {
  readonly fields: Fields
}

/** How an entry of a restricted file system may be used (`none` is an alias of `deny`). */
export const SandboxAccess = Schema.Literals(["read", "write", "deny", "none"])

/**
 * Paths the policy names by role: `root` (/), `minimal` (what running
 * programs needs: /usr, /bin, /lib, /etc, ...), `project_roots` (each
 * workspace root; `current_working_directory` is the same), `tmpdir` (the
 * command's $TMPDIR), `slash_tmp` (/tmp). `unknown` is refused.
 */
export const SpecialPathKind = Schema.Literals([
  "root",
  "minimal",
  "project_roots",
  "current_working_directory",
  "tmpdir",
  "slash_tmp",
  "unknown"
])

/** The path of an entry. */
export const SandboxPath = Schema.Union([
  Strict({ type: Schema.Literal("path"), path: AbsolutePath }),
  Strict({ type: Schema.Literal("glob_pattern"), pattern: Schema.String }),
  Strict({
    type: Schema.Literal("special"),
    value: Strict({ kind: SpecialPathKind, subpath: OptionalNullable(Schema.String) })
  })
])
/** @see SandboxPath */
export type SandboxPath = typeof SandboxPath.Type

/** One entry of a restricted file system; `skip` drops it when its path does not exist. */
export const SandboxEntry = Strict({
  path: SandboxPath,
  access: SandboxAccess,
  missing_path_behavior: OptionalNullable(Schema.Literal("skip"))
})
/** @see SandboxEntry */
export type SandboxEntry = typeof SandboxEntry.Type

/** `restricted`: only what the entries grant; `unrestricted`: the whole file system, writable. */
export const SandboxFileSystem = Schema.Union([
  Strict({
    type: Schema.Literal("restricted"),
    entries: Schema.Array(SandboxEntry),
    glob_scan_max_depth: OptionalNullable(Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0))))
  }),
  Strict({ type: Schema.Literal("unrestricted") })
])

/** Network access: none (a network namespace of its own), or the host's. */
export const SandboxNetwork = Schema.Literals(["restricted", "enabled"])

/**
 * `managed`: the server confines the command; `disabled`: the client asks
 * for no confinement; `external`: another layer confines it (the file system
 * is left as it is, the network setting is honoured).
 */
export const SandboxPermissions = Schema.Union([
  Strict({ type: Schema.Literal("managed"), file_system: SandboxFileSystem, network: SandboxNetwork }),
  Strict({ type: Schema.Literal("disabled") }),
  Strict({ type: Schema.Literal("external"), network: OptionalWithDefault(SandboxNetwork, "enabled") })
])
/** @see SandboxPermissions */
export type SandboxPermissions = typeof SandboxPermissions.Type

/** Where project roots are, when the client sends them apart from the top level. */
const PolicyContext = Strict({
  cwd: OptionalNullable(AbsolutePath),
  workspaceRoots: OptionalNullable(Schema.Array(AbsolutePath))
})

/**
 * The client's decision about the sandbox for this command (the reference's
 * `SandboxOverride`): `escalatedSandboxWithRestrictions` is an escalation
 * the user approved, whose wider `permissions` keep the restrictions inside
 * them (denied paths, and each project root's protected names, a symlinked
 * one by its target). None of the values widens what `permissions` allow.
 */
export const SandboxOverride = Schema.Literals([
  "noOverride",
  "escalatedSandboxWithRestrictions",
  "bypassSandboxFirstAttempt"
])
/** @see SandboxOverride */
export type SandboxOverride = typeof SandboxOverride.Type

/**
 * The reference's `FileSystemSandboxContext`. The Windows fields and
 * `useLegacyLandlock` choose among the reference's own mechanisms; they are
 * accepted and have no effect here (the policy is enforced with bubblewrap
 * whatever they say).
 */
export const CodexSandbox = Strict({
  permissions: SandboxPermissions,
  cwd: OptionalNullable(AbsolutePath),
  workspaceRoots: OptionalNullable(Schema.Array(AbsolutePath)),
  policyContext: OptionalNullable(PolicyContext),
  userHomeDir: OptionalNullable(AbsolutePath),
  temporaryDirectories: OptionalNullable(Schema.Array(AbsolutePath)),
  windowsSandboxLevel: Schema.Literals(["disabled", "restricted-token", "elevated", "mxc"]),
  windowsSandboxPrivateDesktop: OptionalNullable(Schema.Boolean),
  windowsSandboxProxySettingsMode: OptionalNullable(Schema.String),
  useLegacyLandlock: OptionalNullable(Schema.Boolean),
  sandboxOverride: OptionalNullable(SandboxOverride)
})
/** @see CodexSandbox */
export type CodexSandbox = typeof CodexSandbox.Type

/** The names kept read-only in every writable project root, even when missing (as the reference). */
export const DEFAULT_PROTECTED_NAMES: ReadonlyArray<string> = [".git", ".agents", ".codex", ".aws"]

/**
 * Our own form **(ours)**: the whole file system readable (or only what
 * programs need, `readable: "minimal"`), writable where `writableRoots` say,
 * minus `readOnlyPaths` (kept read-only even when missing: nothing can be
 * created there) and `deniedPaths` (neither read nor written), with
 * `protectedNames` read-only in each writable root. No network unless
 * `network: true`.
 */
export const SandboxPolicy = Strict({
  writableRoots: OptionalWithDefault(Schema.Array(AbsolutePath), []),
  readOnlyPaths: OptionalWithDefault(Schema.Array(AbsolutePath), []),
  deniedPaths: OptionalWithDefault(Schema.Array(AbsolutePath), []),
  protectedNames: OptionalWithDefault(Schema.Array(Schema.String.pipe(
      Schema.check(Schema.makeFilter((name) => /^[^/\u0000]+$/.test(name) && name !== "." && name !== ".." || "must be a plain file name"))
    )), DEFAULT_PROTECTED_NAMES),
  readable: OptionalWithDefault(Schema.Literals(["all", "minimal"]), "all"),
  network: OptionalWithDefault(Schema.Boolean, false)
})
/** @see SandboxPolicy */
export type SandboxPolicy = typeof SandboxPolicy.Type

/**
 * The `sandbox` parameter: the reference's context when it has
 * `permissions`, else our policy. Told apart by that key, so that an error
 * names what is wrong with the form that was meant rather than with both.
 */
const decodeCodex = SchemaParser.decodeUnknownEffect(CodexSandbox)
const decodePolicy = SchemaParser.decodeUnknownEffect(SandboxPolicy)
const encodeCodex: (value: unknown, options?: SchemaAST.ParseOptions) => Effect.Effect<unknown, SchemaIssue.Issue> =
  SchemaParser.encodeUnknownEffect(CodexSandbox)
const encodePolicy: (value: unknown, options?: SchemaAST.ParseOptions) => Effect.Effect<unknown, SchemaIssue.Issue> =
  SchemaParser.encodeUnknownEffect(SandboxPolicy)
/** The type of `SandboxRequest`, named for the same reason as `StrictStruct`. */
export interface SandboxRequestSchema extends Schema.decodeTo<
  Schema.Union<readonly [Schema.toType<typeof CodexSandbox>, Schema.toType<typeof SandboxPolicy>]>,
  Schema.Unknown
> {}
export const SandboxRequest: SandboxRequestSchema = Schema.Unknown.pipe(
  Schema.decodeTo(
    Schema.Union([Schema.toType(CodexSandbox), Schema.toType(SandboxPolicy)]),
    SchemaTransformation.transformEffect({
      decode: (input: unknown, options) =>
        isCodexForm(input)
          ? Effect.andThen(ignoreUnknownFields(input), decodeCodex(knownFieldsOf(input), options))
          : decodePolicy(input, options),
      encode: (value: CodexSandbox | SandboxPolicy, options): Effect.Effect<unknown, SchemaIssue.Issue> =>
        isCodexForm(value) ? encodeCodex(value, options) : encodePolicy(value, options)
    })
  )
).annotate({ identifier: "Sandbox" })
const isCodexForm = (input: unknown): input is Record<string, unknown> =>
  typeof input === "object" && input !== null && "permissions" in input

const CODEX_FIELDS: ReadonlySet<string> = new Set(Object.keys(CodexSandbox.fields))
/** The unknown fields already logged: once each, for the life of the process. */
const loggedUnknownFields = new Set<string>()

const knownFieldsOf = (input: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(input).filter(([name]) => CODEX_FIELDS.has(name)))

const ignoreUnknownFields = (input: Record<string, unknown>): Effect.Effect<void> =>
  Effect.suspend(() => {
    const unknown = Object.keys(input).filter((name) => !CODEX_FIELDS.has(name) && !loggedUnknownFields.has(name))
    if (unknown.length === 0) return Effect.void
    for (const name of unknown) loggedUnknownFields.add(name)
    return Effect.logDebug("sandbox: fields this server does not know are ignored").pipe(
      Effect.annotateLogs({ fields: unknown.join(",") })
    )
  })
/** @see SandboxRequest */
export type SandboxRequest = typeof SandboxRequest.Type

/**
 * What `process/start` reports: `none` when nothing confines the process,
 * `linuxSeccomp` (the name Codex's client knows for the Linux sandbox) when
 * bubblewrap does.
 */
export const SandboxType = Schema.Literals(["none", "linuxSeccomp"])
/** @see SandboxType */
export type SandboxType = typeof SandboxType.Type
