import * as Schema from "effect/Schema";
/** How an entry of a restricted file system may be used (`none` is an alias of `deny`). */
export declare const SandboxAccess: Schema.Literal<["read", "write", "deny", "none"]>;
/**
 * Paths the policy names by role: `root` (/), `minimal` (what running
 * programs needs: /usr, /bin, /lib, /etc, ...), `project_roots` (each
 * workspace root; `current_working_directory` is the same), `tmpdir` (the
 * command's $TMPDIR), `slash_tmp` (/tmp). `unknown` is refused.
 */
export declare const SpecialPathKind: Schema.Literal<["root", "minimal", "project_roots", "current_working_directory", "tmpdir", "slash_tmp", "unknown"]>;
/** The path of an entry. */
export declare const SandboxPath: Schema.Union<[Schema.Struct<{
    type: Schema.Literal<["path"]>;
    path: Schema.transformOrFail<typeof Schema.String, typeof Schema.String, never>;
}>, Schema.Struct<{
    type: Schema.Literal<["glob_pattern"]>;
    pattern: typeof Schema.String;
}>, Schema.Struct<{
    type: Schema.Literal<["special"]>;
    value: Schema.Struct<{
        kind: Schema.Literal<["root", "minimal", "project_roots", "current_working_directory", "tmpdir", "slash_tmp", "unknown"]>;
        subpath: Schema.optionalWith<typeof Schema.String, {
            nullable: true;
        }>;
    }>;
}>]>;
/** @see SandboxPath */
export type SandboxPath = typeof SandboxPath.Type;
/** One entry of a restricted file system; `skip` drops it when its path does not exist. */
export declare const SandboxEntry: Schema.Struct<{
    path: Schema.Union<[Schema.Struct<{
        type: Schema.Literal<["path"]>;
        path: Schema.transformOrFail<typeof Schema.String, typeof Schema.String, never>;
    }>, Schema.Struct<{
        type: Schema.Literal<["glob_pattern"]>;
        pattern: typeof Schema.String;
    }>, Schema.Struct<{
        type: Schema.Literal<["special"]>;
        value: Schema.Struct<{
            kind: Schema.Literal<["root", "minimal", "project_roots", "current_working_directory", "tmpdir", "slash_tmp", "unknown"]>;
            subpath: Schema.optionalWith<typeof Schema.String, {
                nullable: true;
            }>;
        }>;
    }>]>;
    access: Schema.Literal<["read", "write", "deny", "none"]>;
    missing_path_behavior: Schema.optionalWith<Schema.Literal<["skip"]>, {
        nullable: true;
    }>;
}>;
/** @see SandboxEntry */
export type SandboxEntry = typeof SandboxEntry.Type;
/** `restricted`: only what the entries grant; `unrestricted`: the whole file system, writable. */
export declare const SandboxFileSystem: Schema.Union<[Schema.Struct<{
    type: Schema.Literal<["restricted"]>;
    entries: Schema.Array$<Schema.Struct<{
        path: Schema.Union<[Schema.Struct<{
            type: Schema.Literal<["path"]>;
            path: Schema.transformOrFail<typeof Schema.String, typeof Schema.String, never>;
        }>, Schema.Struct<{
            type: Schema.Literal<["glob_pattern"]>;
            pattern: typeof Schema.String;
        }>, Schema.Struct<{
            type: Schema.Literal<["special"]>;
            value: Schema.Struct<{
                kind: Schema.Literal<["root", "minimal", "project_roots", "current_working_directory", "tmpdir", "slash_tmp", "unknown"]>;
                subpath: Schema.optionalWith<typeof Schema.String, {
                    nullable: true;
                }>;
            }>;
        }>]>;
        access: Schema.Literal<["read", "write", "deny", "none"]>;
        missing_path_behavior: Schema.optionalWith<Schema.Literal<["skip"]>, {
            nullable: true;
        }>;
    }>>;
    glob_scan_max_depth: Schema.optionalWith<Schema.filter<typeof Schema.Int>, {
        nullable: true;
    }>;
}>, Schema.Struct<{
    type: Schema.Literal<["unrestricted"]>;
}>]>;
/** Network access: none (a network namespace of its own), or the host's. */
export declare const SandboxNetwork: Schema.Literal<["restricted", "enabled"]>;
/**
 * `managed`: the server confines the command; `disabled`: the client asks
 * for no confinement; `external`: another layer confines it (the file system
 * is left as it is, the network setting is honoured).
 */
export declare const SandboxPermissions: Schema.Union<[Schema.Struct<{
    type: Schema.Literal<["managed"]>;
    file_system: Schema.Union<[Schema.Struct<{
        type: Schema.Literal<["restricted"]>;
        entries: Schema.Array$<Schema.Struct<{
            path: Schema.Union<[Schema.Struct<{
                type: Schema.Literal<["path"]>;
                path: Schema.transformOrFail<typeof Schema.String, typeof Schema.String, never>;
            }>, Schema.Struct<{
                type: Schema.Literal<["glob_pattern"]>;
                pattern: typeof Schema.String;
            }>, Schema.Struct<{
                type: Schema.Literal<["special"]>;
                value: Schema.Struct<{
                    kind: Schema.Literal<["root", "minimal", "project_roots", "current_working_directory", "tmpdir", "slash_tmp", "unknown"]>;
                    subpath: Schema.optionalWith<typeof Schema.String, {
                        nullable: true;
                    }>;
                }>;
            }>]>;
            access: Schema.Literal<["read", "write", "deny", "none"]>;
            missing_path_behavior: Schema.optionalWith<Schema.Literal<["skip"]>, {
                nullable: true;
            }>;
        }>>;
        glob_scan_max_depth: Schema.optionalWith<Schema.filter<typeof Schema.Int>, {
            nullable: true;
        }>;
    }>, Schema.Struct<{
        type: Schema.Literal<["unrestricted"]>;
    }>]>;
    network: Schema.Literal<["restricted", "enabled"]>;
}>, Schema.Struct<{
    type: Schema.Literal<["disabled"]>;
}>, Schema.Struct<{
    type: Schema.Literal<["external"]>;
    network: Schema.optionalWith<Schema.Literal<["restricted", "enabled"]>, {
        default: () => "enabled";
    }>;
}>]>;
/** @see SandboxPermissions */
export type SandboxPermissions = typeof SandboxPermissions.Type;
/**
 * The reference's `FileSystemSandboxContext`. The Windows fields and
 * `useLegacyLandlock` choose among the reference's own mechanisms; they are
 * accepted and have no effect here (the policy is enforced with bubblewrap
 * whatever they say).
 */
export declare const CodexSandbox: Schema.Struct<{
    permissions: Schema.Union<[Schema.Struct<{
        type: Schema.Literal<["managed"]>;
        file_system: Schema.Union<[Schema.Struct<{
            type: Schema.Literal<["restricted"]>;
            entries: Schema.Array$<Schema.Struct<{
                path: Schema.Union<[Schema.Struct<{
                    type: Schema.Literal<["path"]>;
                    path: Schema.transformOrFail<typeof Schema.String, typeof Schema.String, never>;
                }>, Schema.Struct<{
                    type: Schema.Literal<["glob_pattern"]>;
                    pattern: typeof Schema.String;
                }>, Schema.Struct<{
                    type: Schema.Literal<["special"]>;
                    value: Schema.Struct<{
                        kind: Schema.Literal<["root", "minimal", "project_roots", "current_working_directory", "tmpdir", "slash_tmp", "unknown"]>;
                        subpath: Schema.optionalWith<typeof Schema.String, {
                            nullable: true;
                        }>;
                    }>;
                }>]>;
                access: Schema.Literal<["read", "write", "deny", "none"]>;
                missing_path_behavior: Schema.optionalWith<Schema.Literal<["skip"]>, {
                    nullable: true;
                }>;
            }>>;
            glob_scan_max_depth: Schema.optionalWith<Schema.filter<typeof Schema.Int>, {
                nullable: true;
            }>;
        }>, Schema.Struct<{
            type: Schema.Literal<["unrestricted"]>;
        }>]>;
        network: Schema.Literal<["restricted", "enabled"]>;
    }>, Schema.Struct<{
        type: Schema.Literal<["disabled"]>;
    }>, Schema.Struct<{
        type: Schema.Literal<["external"]>;
        network: Schema.optionalWith<Schema.Literal<["restricted", "enabled"]>, {
            default: () => "enabled";
        }>;
    }>]>;
    cwd: Schema.optionalWith<Schema.transformOrFail<typeof Schema.String, typeof Schema.String, never>, {
        nullable: true;
    }>;
    workspaceRoots: Schema.optionalWith<Schema.Array$<Schema.transformOrFail<typeof Schema.String, typeof Schema.String, never>>, {
        nullable: true;
    }>;
    policyContext: Schema.optionalWith<Schema.Struct<{
        cwd: Schema.optionalWith<Schema.transformOrFail<typeof Schema.String, typeof Schema.String, never>, {
            nullable: true;
        }>;
        workspaceRoots: Schema.optionalWith<Schema.Array$<Schema.transformOrFail<typeof Schema.String, typeof Schema.String, never>>, {
            nullable: true;
        }>;
    }>, {
        nullable: true;
    }>;
    userHomeDir: Schema.optionalWith<Schema.transformOrFail<typeof Schema.String, typeof Schema.String, never>, {
        nullable: true;
    }>;
    temporaryDirectories: Schema.optionalWith<Schema.Array$<Schema.transformOrFail<typeof Schema.String, typeof Schema.String, never>>, {
        nullable: true;
    }>;
    windowsSandboxLevel: Schema.Literal<["disabled", "restricted-token", "elevated", "mxc"]>;
    windowsSandboxPrivateDesktop: Schema.optionalWith<typeof Schema.Boolean, {
        nullable: true;
    }>;
    windowsSandboxProxySettingsMode: Schema.optionalWith<typeof Schema.String, {
        nullable: true;
    }>;
    useLegacyLandlock: Schema.optionalWith<typeof Schema.Boolean, {
        nullable: true;
    }>;
}>;
/** @see CodexSandbox */
export type CodexSandbox = typeof CodexSandbox.Type;
/** The names kept read-only in every writable project root, even when missing (as the reference). */
export declare const DEFAULT_PROTECTED_NAMES: ReadonlyArray<string>;
/**
 * Our own form **(ours)**: the whole file system readable (or only what
 * programs need, `readable: "minimal"`), writable where `writableRoots` say,
 * minus `readOnlyPaths` (kept read-only even when missing: nothing can be
 * created there) and `deniedPaths` (neither read nor written), with
 * `protectedNames` read-only in each writable root. No network unless
 * `network: true`.
 */
export declare const SandboxPolicy: Schema.Struct<{
    writableRoots: Schema.optionalWith<Schema.Array$<Schema.transformOrFail<typeof Schema.String, typeof Schema.String, never>>, {
        default: () => never[];
    }>;
    readOnlyPaths: Schema.optionalWith<Schema.Array$<Schema.transformOrFail<typeof Schema.String, typeof Schema.String, never>>, {
        default: () => never[];
    }>;
    deniedPaths: Schema.optionalWith<Schema.Array$<Schema.transformOrFail<typeof Schema.String, typeof Schema.String, never>>, {
        default: () => never[];
    }>;
    protectedNames: Schema.optionalWith<Schema.Array$<Schema.filter<typeof Schema.String>>, {
        default: () => readonly string[];
    }>;
    readable: Schema.optionalWith<Schema.Literal<["all", "minimal"]>, {
        default: () => "all";
    }>;
    network: Schema.optionalWith<typeof Schema.Boolean, {
        default: () => false;
    }>;
}>;
/** @see SandboxPolicy */
export type SandboxPolicy = typeof SandboxPolicy.Type;
/**
 * The `sandbox` parameter: the reference's context when it has
 * `permissions`, else our policy. Told apart by that key, so that an error
 * names what is wrong with the form that was meant rather than with both.
 */
export declare const SandboxRequest: Schema.transformOrFail<typeof Schema.Unknown, Schema.Union<[Schema.SchemaClass<{
    readonly cwd?: string | undefined;
    readonly workspaceRoots?: readonly string[] | undefined;
    readonly permissions: {
        readonly type: "managed";
        readonly file_system: {
            readonly entries: readonly {
                readonly path: {
                    readonly path: string;
                    readonly type: "path";
                } | {
                    readonly type: "glob_pattern";
                    readonly pattern: string;
                } | {
                    readonly type: "special";
                    readonly value: {
                        readonly kind: "root" | "minimal" | "project_roots" | "current_working_directory" | "tmpdir" | "slash_tmp" | "unknown";
                        readonly subpath?: string | undefined;
                    };
                };
                readonly access: "read" | "write" | "deny" | "none";
                readonly missing_path_behavior?: "skip" | undefined;
            }[];
            readonly type: "restricted";
            readonly glob_scan_max_depth?: number | undefined;
        } | {
            readonly type: "unrestricted";
        };
        readonly network: "restricted" | "enabled";
    } | {
        readonly type: "disabled";
    } | {
        readonly type: "external";
        readonly network: "restricted" | "enabled";
    };
    readonly policyContext?: {
        readonly cwd?: string | undefined;
        readonly workspaceRoots?: readonly string[] | undefined;
    } | undefined;
    readonly userHomeDir?: string | undefined;
    readonly temporaryDirectories?: readonly string[] | undefined;
    readonly windowsSandboxLevel: "disabled" | "restricted-token" | "elevated" | "mxc";
    readonly windowsSandboxPrivateDesktop?: boolean | undefined;
    readonly windowsSandboxProxySettingsMode?: string | undefined;
    readonly useLegacyLandlock?: boolean | undefined;
}, {
    readonly cwd?: string | undefined;
    readonly workspaceRoots?: readonly string[] | undefined;
    readonly permissions: {
        readonly type: "managed";
        readonly file_system: {
            readonly entries: readonly {
                readonly path: {
                    readonly path: string;
                    readonly type: "path";
                } | {
                    readonly type: "glob_pattern";
                    readonly pattern: string;
                } | {
                    readonly type: "special";
                    readonly value: {
                        readonly kind: "root" | "minimal" | "project_roots" | "current_working_directory" | "tmpdir" | "slash_tmp" | "unknown";
                        readonly subpath?: string | undefined;
                    };
                };
                readonly access: "read" | "write" | "deny" | "none";
                readonly missing_path_behavior?: "skip" | undefined;
            }[];
            readonly type: "restricted";
            readonly glob_scan_max_depth?: number | undefined;
        } | {
            readonly type: "unrestricted";
        };
        readonly network: "restricted" | "enabled";
    } | {
        readonly type: "disabled";
    } | {
        readonly type: "external";
        readonly network: "restricted" | "enabled";
    };
    readonly policyContext?: {
        readonly cwd?: string | undefined;
        readonly workspaceRoots?: readonly string[] | undefined;
    } | undefined;
    readonly userHomeDir?: string | undefined;
    readonly temporaryDirectories?: readonly string[] | undefined;
    readonly windowsSandboxLevel: "disabled" | "restricted-token" | "elevated" | "mxc";
    readonly windowsSandboxPrivateDesktop?: boolean | undefined;
    readonly windowsSandboxProxySettingsMode?: string | undefined;
    readonly useLegacyLandlock?: boolean | undefined;
}, never>, Schema.SchemaClass<{
    readonly network: boolean;
    readonly writableRoots: readonly string[];
    readonly readOnlyPaths: readonly string[];
    readonly deniedPaths: readonly string[];
    readonly protectedNames: readonly string[];
    readonly readable: "minimal" | "all";
}, {
    readonly network: boolean;
    readonly writableRoots: readonly string[];
    readonly readOnlyPaths: readonly string[];
    readonly deniedPaths: readonly string[];
    readonly protectedNames: readonly string[];
    readonly readable: "minimal" | "all";
}, never>]>, never>;
/** @see SandboxRequest */
export type SandboxRequest = typeof SandboxRequest.Type;
/**
 * What `process/start` reports: `none` when nothing confines the process,
 * `linuxSeccomp` (the name Codex's client knows for the Linux sandbox) when
 * bubblewrap does.
 */
export declare const SandboxType: Schema.Literal<["none", "linuxSeccomp"]>;
/** @see SandboxType */
export type SandboxType = typeof SandboxType.Type;
//# sourceMappingURL=sandbox.d.ts.map