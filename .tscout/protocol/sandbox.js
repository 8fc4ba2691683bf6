/**
 * The `sandbox` parameter of `process/start` and `fs/*`, in its two forms:
 * the reference's `FileSystemSandboxContext` (what Codex sends) and a
 * smaller form of ours. Both are strict: a field this server does not know
 * is refused (-32602) rather than dropped, since a dropped field could be a
 * restriction the client counts on.
 */
import * as ParseResult from "effect/ParseResult";
import * as Schema from "effect/Schema";
import { AbsolutePath } from "./primitives.js";
/** Unknown fields are errors, at every level of a sandbox request. */
const strict = { parseOptions: { onExcessProperty: "error" } };
const Strict = (fields) => Schema.Struct(fields).annotations(strict);
const OptionalNullable = (schema) => Schema.optionalWith(schema, { nullable: true });
/** How an entry of a restricted file system may be used (`none` is an alias of `deny`). */
export const SandboxAccess = Schema.Literal("read", "write", "deny", "none");
/**
 * Paths the policy names by role: `root` (/), `minimal` (what running
 * programs needs: /usr, /bin, /lib, /etc, ...), `project_roots` (each
 * workspace root; `current_working_directory` is the same), `tmpdir` (the
 * command's $TMPDIR), `slash_tmp` (/tmp). `unknown` is refused.
 */
export const SpecialPathKind = Schema.Literal("root", "minimal", "project_roots", "current_working_directory", "tmpdir", "slash_tmp", "unknown");
/** The path of an entry. */
export const SandboxPath = Schema.Union(Strict({ type: Schema.Literal("path"), path: AbsolutePath }), Strict({ type: Schema.Literal("glob_pattern"), pattern: Schema.String }), Strict({
    type: Schema.Literal("special"),
    value: Strict({ kind: SpecialPathKind, subpath: OptionalNullable(Schema.String) })
}));
/** One entry of a restricted file system; `skip` drops it when its path does not exist. */
export const SandboxEntry = Strict({
    path: SandboxPath,
    access: SandboxAccess,
    missing_path_behavior: OptionalNullable(Schema.Literal("skip"))
});
/** `restricted`: only what the entries grant; `unrestricted`: the whole file system, writable. */
export const SandboxFileSystem = Schema.Union(Strict({
    type: Schema.Literal("restricted"),
    entries: Schema.Array(SandboxEntry),
    glob_scan_max_depth: OptionalNullable(Schema.Int.pipe(Schema.nonNegative()))
}), Strict({ type: Schema.Literal("unrestricted") }));
/** Network access: none (a network namespace of its own), or the host's. */
export const SandboxNetwork = Schema.Literal("restricted", "enabled");
/**
 * `managed`: the server confines the command; `disabled`: the client asks
 * for no confinement; `external`: another layer confines it (the file system
 * is left as it is, the network setting is honoured).
 */
export const SandboxPermissions = Schema.Union(Strict({ type: Schema.Literal("managed"), file_system: SandboxFileSystem, network: SandboxNetwork }), Strict({ type: Schema.Literal("disabled") }), Strict({ type: Schema.Literal("external"), network: Schema.optionalWith(SandboxNetwork, { default: () => "enabled" }) }));
/** Where project roots are, when the client sends them apart from the top level. */
const PolicyContext = Strict({
    cwd: OptionalNullable(AbsolutePath),
    workspaceRoots: OptionalNullable(Schema.Array(AbsolutePath))
});
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
    windowsSandboxLevel: Schema.Literal("disabled", "restricted-token", "elevated", "mxc"),
    windowsSandboxPrivateDesktop: OptionalNullable(Schema.Boolean),
    windowsSandboxProxySettingsMode: OptionalNullable(Schema.String),
    useLegacyLandlock: OptionalNullable(Schema.Boolean)
});
/** The names kept read-only in every writable project root, even when missing (as the reference). */
export const DEFAULT_PROTECTED_NAMES = [".git", ".agents", ".codex", ".aws"];
/**
 * Our own form **(ours)**: the whole file system readable (or only what
 * programs need, `readable: "minimal"`), writable where `writableRoots` say,
 * minus `readOnlyPaths` (kept read-only even when missing: nothing can be
 * created there) and `deniedPaths` (neither read nor written), with
 * `protectedNames` read-only in each writable root. No network unless
 * `network: true`.
 */
export const SandboxPolicy = Strict({
    writableRoots: Schema.optionalWith(Schema.Array(AbsolutePath), { default: () => [] }),
    readOnlyPaths: Schema.optionalWith(Schema.Array(AbsolutePath), { default: () => [] }),
    deniedPaths: Schema.optionalWith(Schema.Array(AbsolutePath), { default: () => [] }),
    protectedNames: Schema.optionalWith(Schema.Array(Schema.String.pipe(Schema.filter((name) => /^[^/\u0000]+$/.test(name) && name !== "." && name !== ".." || "must be a plain file name"))), { default: () => DEFAULT_PROTECTED_NAMES }),
    readable: Schema.optionalWith(Schema.Literal("all", "minimal"), { default: () => "all" }),
    network: Schema.optionalWith(Schema.Boolean, { default: () => false })
});
/**
 * The `sandbox` parameter: the reference's context when it has
 * `permissions`, else our policy. Told apart by that key, so that an error
 * names what is wrong with the form that was meant rather than with both.
 */
export const SandboxRequest = Schema.transformOrFail(Schema.Unknown, Schema.Union(Schema.typeSchema(CodexSandbox), Schema.typeSchema(SandboxPolicy)), {
    strict: true,
    decode: (input, options) => isCodexForm(input)
        ? ParseResult.decodeUnknown(CodexSandbox)(input, options)
        : ParseResult.decodeUnknown(SandboxPolicy)(input, options),
    encode: (value, options) => isCodexForm(value)
        ? ParseResult.encodeUnknown(CodexSandbox)(value, options)
        : ParseResult.encodeUnknown(SandboxPolicy)(value, options)
}).annotations({ identifier: "Sandbox" });
const isCodexForm = (input) => typeof input === "object" && input !== null && "permissions" in input;
/**
 * What `process/start` reports: `none` when nothing confines the process,
 * `linuxSeccomp` (the name Codex's client knows for the Linux sandbox) when
 * bubblewrap does.
 */
export const SandboxType = Schema.Literal("none", "linuxSeccomp");
//# sourceMappingURL=sandbox.js.map