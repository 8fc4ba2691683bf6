/**
 * The shapes of exec-server.v0 (see PROTOCOL.md): params, results and
 * notification payloads as `effect/Schema` values. Decoding a request's params
 * with these schemas is the whole of input validation.
 */
import * as Schema from "effect/Schema";
/** The protocol version string returned by `initialize`. */
export declare const PROTOCOL_VERSION = "exec-server.v0";
export { AbsolutePath, Base64Bytes, Environment, OsString, ProcessId } from "./primitives.js";
/** `initialize` params. */
export declare const InitializeParams: Schema.Struct<{
    clientName: typeof Schema.String;
    resumeSessionId: Schema.optionalWith<typeof Schema.String, {
        nullable: true;
    }>;
    detachTtlMs: Schema.optionalWith<Schema.filter<typeof Schema.Int>, {
        nullable: true;
    }>;
}>;
/**
 * What the server offers beyond the base protocol, by the reference's flag
 * names: a client turns features on from these, so a flag is true only for
 * what this server implements.
 */
export declare const EnvironmentCapabilities: Schema.Struct<{
    networkProxyLaunch: typeof Schema.Boolean;
    networkProxyReviewDomains: typeof Schema.Boolean;
    credentialMasking: typeof Schema.Boolean;
    credentialMaskingCustomProviders: typeof Schema.Boolean;
    capabilityDiscoverySandbox: typeof Schema.Boolean;
    fsWatchMissing: typeof Schema.Boolean;
    capabilityDiscoveryV2: typeof Schema.Boolean;
    environmentConfigRead: typeof Schema.Boolean;
    httpHeaderEnvVars: typeof Schema.Boolean;
    sandboxedFileStreaming: typeof Schema.Boolean;
    fileWriteStreaming: typeof Schema.Boolean;
    shellSnapshotV2: typeof Schema.Boolean;
    windowsMxc: typeof Schema.Boolean;
}>;
/** @see EnvironmentCapabilities */
export type EnvironmentCapabilities = typeof EnvironmentCapabilities.Type;
/** The host a server runs on, as `environment/info` and `initialize` describe it (the reference's shape). */
export declare const EnvironmentInfo: Schema.Struct<{
    /** The user's login shell: `path` is a program path, not a URI. */
    shell: Schema.Struct<{
        name: typeof Schema.String;
        path: typeof Schema.String;
    }>;
    executorVersion: typeof Schema.String;
    /** The server's working directory, a `file://` URI. */
    cwd: typeof Schema.String;
    userHomeDir: typeof Schema.String;
    platformOs: typeof Schema.String;
    /** Directories to put in front of `PATH`: none here (the reference lists its bundled tools). */
    prependPathDirs: Schema.optional<Schema.Array$<typeof Schema.String>>;
    /** `$TMPDIR` when set, as `file://` URIs (what `:tmpdir` in a sandbox policy means). */
    temporaryDirectories: Schema.Array$<typeof Schema.String>;
    tempDir: typeof Schema.String;
    capabilities: Schema.Struct<{
        networkProxyLaunch: typeof Schema.Boolean;
        networkProxyReviewDomains: typeof Schema.Boolean;
        credentialMasking: typeof Schema.Boolean;
        credentialMaskingCustomProviders: typeof Schema.Boolean;
        capabilityDiscoverySandbox: typeof Schema.Boolean;
        fsWatchMissing: typeof Schema.Boolean;
        capabilityDiscoveryV2: typeof Schema.Boolean;
        environmentConfigRead: typeof Schema.Boolean;
        httpHeaderEnvVars: typeof Schema.Boolean;
        sandboxedFileStreaming: typeof Schema.Boolean;
        fileWriteStreaming: typeof Schema.Boolean;
        shellSnapshotV2: typeof Schema.Boolean;
        windowsMxc: typeof Schema.Boolean;
    }>;
}>;
/** @see EnvironmentInfo */
export type EnvironmentInfo = typeof EnvironmentInfo.Type;
/** `environment/status` result. */
export declare const EnvironmentStatus: Schema.Struct<{
    status: Schema.Literal<["ready"]>;
}>;
/** `initialize` result. */
export declare const InitializeResult: Schema.Struct<{
    protocolVersion: typeof Schema.String;
    sessionId: typeof Schema.String;
    /** As the reference: the host, so that a client needs no `environment/info` round trip. */
    environmentInfo: Schema.optional<Schema.Struct<{
        /** The user's login shell: `path` is a program path, not a URI. */
        shell: Schema.Struct<{
            name: typeof Schema.String;
            path: typeof Schema.String;
        }>;
        executorVersion: typeof Schema.String;
        /** The server's working directory, a `file://` URI. */
        cwd: typeof Schema.String;
        userHomeDir: typeof Schema.String;
        platformOs: typeof Schema.String;
        /** Directories to put in front of `PATH`: none here (the reference lists its bundled tools). */
        prependPathDirs: Schema.optional<Schema.Array$<typeof Schema.String>>;
        /** `$TMPDIR` when set, as `file://` URIs (what `:tmpdir` in a sandbox policy means). */
        temporaryDirectories: Schema.Array$<typeof Schema.String>;
        tempDir: typeof Schema.String;
        capabilities: Schema.Struct<{
            networkProxyLaunch: typeof Schema.Boolean;
            networkProxyReviewDomains: typeof Schema.Boolean;
            credentialMasking: typeof Schema.Boolean;
            credentialMaskingCustomProviders: typeof Schema.Boolean;
            capabilityDiscoverySandbox: typeof Schema.Boolean;
            fsWatchMissing: typeof Schema.Boolean;
            capabilityDiscoveryV2: typeof Schema.Boolean;
            environmentConfigRead: typeof Schema.Boolean;
            httpHeaderEnvVars: typeof Schema.Boolean;
            sandboxedFileStreaming: typeof Schema.Boolean;
            fileWriteStreaming: typeof Schema.Boolean;
            shellSnapshotV2: typeof Schema.Boolean;
            windowsMxc: typeof Schema.Boolean;
        }>;
    }>>;
    serverInfo: Schema.Struct<{
        name: typeof Schema.String;
        version: typeof Schema.String;
    }>;
    /** (ours) Limits a client should check before sending: a larger message is refused unread. */
    limits: Schema.optional<Schema.Struct<{
        maxMessageBytes: Schema.filter<typeof Schema.Int>;
    }>>;
}>;
/** @see InitializeResult */
export type InitializeResult = typeof InitializeResult.Type;
/** Terminal size in character cells. */
export declare const TerminalSize: Schema.Struct<{
    rows: Schema.filter<Schema.filter<typeof Schema.Int>>;
    cols: Schema.filter<Schema.filter<typeof Schema.Int>>;
}>;
/** @see TerminalSize */
export type TerminalSize = typeof TerminalSize.Type;
/**
 * How to build a child's environment from the server's own (`inherit`), minus
 * names matching the default secret patterns (`*KEY*`, `*SECRET*`, `*TOKEN*`,
 * unless `ignoreDefaultExcludes`) and `exclude`, plus `set`, restricted to
 * `includeOnly` when given; the request's `env` is laid over the result.
 */
export declare const EnvPolicy: Schema.Struct<{
    inherit: Schema.optionalWith<Schema.Literal<["all", "none", "core"]>, {
        default: () => "all";
    }>;
    ignoreDefaultExcludes: Schema.optionalWith<typeof Schema.Boolean, {
        default: () => false;
    }>;
    exclude: Schema.optionalWith<Schema.Array$<typeof Schema.String>, {
        default: () => never[];
    }>;
    includeOnly: Schema.optionalWith<Schema.Array$<typeof Schema.String>, {
        default: () => never[];
    }>;
    set: Schema.optionalWith<Schema.filter<Schema.Record$<typeof Schema.String, Schema.filter<typeof Schema.String>>>, {
        default: () => {};
    }>;
}>;
/** @see EnvPolicy */
export type EnvPolicy = typeof EnvPolicy.Type;
/** `process/start` params. */
export declare const StartParams: Schema.Struct<{
    processId: Schema.filter<typeof Schema.String>;
    argv: Schema.filter<Schema.Array$<Schema.filter<typeof Schema.String>>>;
    /** (ours: optional) Absent: the server's own working directory. */
    cwd: Schema.optionalWith<Schema.transformOrFail<typeof Schema.String, typeof Schema.String, never>, {
        nullable: true;
    }>;
    env: Schema.filter<Schema.Record$<typeof Schema.String, Schema.filter<typeof Schema.String>>>;
    tty: typeof Schema.Boolean;
    pipeStdin: Schema.optionalWith<typeof Schema.Boolean, {
        default: () => false;
    }>;
    arg0: Schema.optionalWith<Schema.filter<typeof Schema.String>, {
        nullable: true;
    }>;
    size: Schema.optional<Schema.Struct<{
        rows: Schema.filter<Schema.filter<typeof Schema.Int>>;
        cols: Schema.filter<Schema.filter<typeof Schema.Int>>;
    }>>;
    envPolicy: Schema.optionalWith<Schema.Struct<{
        inherit: Schema.optionalWith<Schema.Literal<["all", "none", "core"]>, {
            default: () => "all";
        }>;
        ignoreDefaultExcludes: Schema.optionalWith<typeof Schema.Boolean, {
            default: () => false;
        }>;
        exclude: Schema.optionalWith<Schema.Array$<typeof Schema.String>, {
            default: () => never[];
        }>;
        includeOnly: Schema.optionalWith<Schema.Array$<typeof Schema.String>, {
            default: () => never[];
        }>;
        set: Schema.optionalWith<Schema.filter<Schema.Record$<typeof Schema.String, Schema.filter<typeof Schema.String>>>, {
            default: () => {};
        }>;
    }>, {
        nullable: true;
    }>;
    /** Confine the process (see docs/PROTOCOL.md, "Sandbox"); the operator's sandbox applies as well. */
    sandbox: Schema.optionalWith<Schema.transformOrFail<typeof Schema.Unknown, Schema.Union<[Schema.SchemaClass<{
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
    }, never>]>, never>, {
        nullable: true;
    }>;
    /**
     * The reference's "only through the managed network proxy": this server
     * has no proxy, so a sandboxed process that must use it gets no network.
     */
    enforceManagedNetwork: Schema.optionalWith<typeof Schema.Boolean, {
        nullable: true;
    }>;
}>;
/** @see StartParams */
export type StartParams = typeof StartParams.Type;
/** `process/start` result. */
export declare const StartResult: Schema.Struct<{
    processId: typeof Schema.String;
    sandboxType: Schema.Literal<["none", "linuxSeccomp"]>;
}>;
/** How a write (or stdin close) to a process ended. */
export declare const WriteStatus: Schema.Literal<["accepted", "unknownProcess", "stdinClosed", "starting"]>;
/** @see WriteStatus */
export type WriteStatus = typeof WriteStatus.Type;
/** `process/write` params. */
export declare const WriteParams: Schema.Struct<{
    processId: Schema.filter<typeof Schema.String>;
    chunk: Schema.transformOrFail<typeof Schema.String, typeof Schema.Uint8ArrayFromSelf, never>;
    writeId: Schema.optionalWith<typeof Schema.String, {
        nullable: true;
    }>;
}>;
/** `process/write` and `process/closeStdin` result. */
export declare const WriteResult: Schema.Struct<{
    accepted: typeof Schema.Boolean;
    status: Schema.Literal<["accepted", "unknownProcess", "stdinClosed", "starting"]>;
}>;
/** @see WriteResult */
export type WriteResult = typeof WriteResult.Type;
/** Which stream of a process a chunk came from. */
export declare const OutputStream: Schema.Literal<["stdout", "stderr", "pty"]>;
/** @see OutputStream */
export type OutputStream = typeof OutputStream.Type;
/** `process/read` params. */
export declare const ReadParams: Schema.Struct<{
    processId: Schema.filter<typeof Schema.String>;
    afterSeq: Schema.optionalWith<Schema.filter<typeof Schema.Int>, {
        nullable: true;
    }>;
    maxBytes: Schema.optionalWith<Schema.filter<typeof Schema.Int>, {
        nullable: true;
    }>;
    waitMs: Schema.optionalWith<Schema.filter<typeof Schema.Int>, {
        nullable: true;
    }>;
}>;
/** @see ReadParams */
export type ReadParams = typeof ReadParams.Type;
/** One retained output chunk. */
export declare const OutputChunk: Schema.Struct<{
    seq: Schema.filter<typeof Schema.Int>;
    stream: Schema.Literal<["stdout", "stderr", "pty"]>;
    chunk: Schema.transformOrFail<typeof Schema.String, typeof Schema.Uint8ArrayFromSelf, never>;
}>;
/** @see OutputChunk */
export type OutputChunk = typeof OutputChunk.Type;
/** `process/read` result. */
export declare const ReadResult: Schema.Struct<{
    chunks: Schema.Array$<Schema.Struct<{
        seq: Schema.filter<typeof Schema.Int>;
        stream: Schema.Literal<["stdout", "stderr", "pty"]>;
        chunk: Schema.transformOrFail<typeof Schema.String, typeof Schema.Uint8ArrayFromSelf, never>;
    }>>;
    nextSeq: Schema.filter<typeof Schema.Int>;
    exited: typeof Schema.Boolean;
    exitCode: Schema.NullOr<typeof Schema.Int>;
    closed: typeof Schema.Boolean;
    failure: Schema.NullOr<typeof Schema.String>;
    truncated: typeof Schema.Boolean;
    /** True when the process exited and the sandbox likely refused it something (see PROTOCOL.md). */
    sandboxDenied: typeof Schema.Boolean;
    /** (ours) The name of the signal that ended the process, as on `process/exited`. */
    signal: Schema.optionalWith<Schema.NullOr<typeof Schema.String>, {
        default: () => null;
    }>;
    /** (ours) The seq of the process's `exited` event once it has exited, so a reader can place it among the output. */
    exitedSeq: Schema.optionalWith<Schema.NullOr<Schema.filter<typeof Schema.Int>>, {
        default: () => null;
    }>;
}>;
/** @see ReadResult */
export type ReadResult = typeof ReadResult.Type;
/** How `process/terminate` stops a process. */
export declare const TerminateMode: Schema.Literal<["graceful", "force"]>;
/** `process/terminate` params. */
export declare const TerminateParams: Schema.Struct<{
    processId: Schema.filter<typeof Schema.String>;
    mode: Schema.optionalWith<Schema.Literal<["graceful", "force"]>, {
        default: () => "graceful";
    }>;
    graceMs: Schema.optionalWith<Schema.filter<typeof Schema.Int>, {
        nullable: true;
    }>;
}>;
/** `process/terminate` result. */
export declare const TerminateResult: Schema.Struct<{
    running: typeof Schema.Boolean;
}>;
/** `process/resize` params. */
export declare const ResizeParams: Schema.Struct<{
    processId: Schema.filter<typeof Schema.String>;
    rows: Schema.filter<Schema.filter<typeof Schema.Int>>;
    cols: Schema.filter<Schema.filter<typeof Schema.Int>>;
}>;
/** `process/closeStdin` params. */
export declare const CloseStdinParams: Schema.Struct<{
    processId: Schema.filter<typeof Schema.String>;
}>;
/** The signals a client may send, by POSIX name, plus the reference's `"interrupt"`. */
export declare const SignalName: Schema.Literal<["SIGINT", "SIGTERM", "SIGKILL", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGSTOP", "SIGCONT", "SIGWINCH", "interrupt"]>;
/** @see SignalName */
export type SignalName = typeof SignalName.Type;
/** `process/signal` params. */
export declare const SignalParams: Schema.Struct<{
    processId: Schema.filter<typeof Schema.String>;
    signal: Schema.Literal<["SIGINT", "SIGTERM", "SIGKILL", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGSTOP", "SIGCONT", "SIGWINCH", "interrupt"]>;
}>;
/** `process/signal` result. */
export declare const SignalResult: Schema.Struct<{
    delivered: typeof Schema.Boolean;
}>;
/** One entry of `process/list`. */
export declare const ProcessInfo: Schema.Struct<{
    processId: typeof Schema.String;
    pid: typeof Schema.Int;
    argv: Schema.Array$<typeof Schema.String>;
    tty: typeof Schema.Boolean;
    running: typeof Schema.Boolean;
    exitCode: Schema.NullOr<typeof Schema.Int>;
    startedAtMs: typeof Schema.Number;
}>;
/** @see ProcessInfo */
export type ProcessInfo = typeof ProcessInfo.Type;
/** `process/list` result. */
export declare const ListResult: Schema.Struct<{
    processes: Schema.Array$<Schema.Struct<{
        processId: typeof Schema.String;
        pid: typeof Schema.Int;
        argv: Schema.Array$<typeof Schema.String>;
        tty: typeof Schema.Boolean;
        running: typeof Schema.Boolean;
        exitCode: Schema.NullOr<typeof Schema.Int>;
        startedAtMs: typeof Schema.Number;
    }>>;
}>;
/** A result with no fields. */
export declare const EmptyResult: Schema.Struct<{}>;
/** The params of a method that takes none (absent, `null` or `{}`). */
export declare const EmptyParams: Schema.Struct<{}>;
/** `process/output` payload. */
export declare const OutputNotification: Schema.Struct<{
    processId: typeof Schema.String;
    seq: Schema.filter<typeof Schema.Int>;
    stream: Schema.Literal<["stdout", "stderr", "pty"]>;
    chunk: Schema.transformOrFail<typeof Schema.String, typeof Schema.Uint8ArrayFromSelf, never>;
}>;
/** `process/exited` payload: `exitCode` is 128 + n when signal n ended the process. */
export declare const ExitedNotification: Schema.Struct<{
    processId: typeof Schema.String;
    seq: Schema.filter<typeof Schema.Int>;
    exitCode: typeof Schema.Int;
    signal: Schema.NullOr<typeof Schema.String>;
    sandboxDenied: typeof Schema.Boolean;
}>;
/** `process/closed` payload: the last event of a process. */
export declare const ClosedNotification: Schema.Struct<{
    processId: typeof Schema.String;
    seq: Schema.filter<typeof Schema.Int>;
}>;
/** `fs/readFile` params: the whole file, or `length` bytes from `offset`. */
export declare const ReadFileParams: Schema.Struct<{
    path: Schema.transformOrFail<typeof Schema.String, typeof Schema.String, never>;
    sandbox: Schema.optionalWith<Schema.transformOrFail<typeof Schema.Unknown, Schema.Union<[Schema.SchemaClass<{
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
    }, never>]>, never>, {
        nullable: true;
    }>;
    offset: Schema.optionalWith<Schema.filter<typeof Schema.Int>, {
        nullable: true;
    }>;
    length: Schema.optionalWith<Schema.filter<typeof Schema.Int>, {
        nullable: true;
    }>;
}>;
/** `fs/readFile` result. */
export declare const ReadFileResult: Schema.Struct<{
    dataBase64: Schema.transformOrFail<typeof Schema.String, typeof Schema.Uint8ArrayFromSelf, never>;
}>;
/** `fs/writeFile` params. */
export declare const WriteFileParams: Schema.Struct<{
    path: Schema.transformOrFail<typeof Schema.String, typeof Schema.String, never>;
    dataBase64: Schema.transformOrFail<typeof Schema.String, typeof Schema.Uint8ArrayFromSelf, never>;
    sandbox: Schema.optionalWith<Schema.transformOrFail<typeof Schema.Unknown, Schema.Union<[Schema.SchemaClass<{
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
    }, never>]>, never>, {
        nullable: true;
    }>;
}>;
/** `fs/createDirectory` params (recursive unless told otherwise, as the reference). */
export declare const CreateDirectoryParams: Schema.Struct<{
    path: Schema.transformOrFail<typeof Schema.String, typeof Schema.String, never>;
    sandbox: Schema.optionalWith<Schema.transformOrFail<typeof Schema.Unknown, Schema.Union<[Schema.SchemaClass<{
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
    }, never>]>, never>, {
        nullable: true;
    }>;
    recursive: Schema.optionalWith<typeof Schema.Boolean, {
        default: () => true;
        nullable: true;
    }>;
}>;
/** `fs/getMetadata` params. */
export declare const GetMetadataParams: Schema.Struct<{
    path: Schema.transformOrFail<typeof Schema.String, typeof Schema.String, never>;
    sandbox: Schema.optionalWith<Schema.transformOrFail<typeof Schema.Unknown, Schema.Union<[Schema.SchemaClass<{
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
    }, never>]>, never>, {
        nullable: true;
    }>;
}>;
/** `fs/getMetadata` result: the target's kind and size (symlinks followed), and whether the path is a symlink. */
export declare const GetMetadataResult: Schema.Struct<{
    isDirectory: typeof Schema.Boolean;
    isFile: typeof Schema.Boolean;
    isSymlink: typeof Schema.Boolean;
    size: typeof Schema.Number;
    createdAtMs: typeof Schema.Number;
    modifiedAtMs: typeof Schema.Number;
}>;
/** `fs/readDirectory` params. */
export declare const ReadDirectoryParams: Schema.Struct<{
    path: Schema.transformOrFail<typeof Schema.String, typeof Schema.String, never>;
    sandbox: Schema.optionalWith<Schema.transformOrFail<typeof Schema.Unknown, Schema.Union<[Schema.SchemaClass<{
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
    }, never>]>, never>, {
        nullable: true;
    }>;
}>;
/** One entry of `fs/readDirectory` (symlinks followed). */
export declare const DirectoryEntry: Schema.Struct<{
    fileName: typeof Schema.String;
    isDirectory: typeof Schema.Boolean;
    isFile: typeof Schema.Boolean;
}>;
/** `fs/readDirectory` result. */
export declare const ReadDirectoryResult: Schema.Struct<{
    entries: Schema.Array$<Schema.Struct<{
        fileName: typeof Schema.String;
        isDirectory: typeof Schema.Boolean;
        isFile: typeof Schema.Boolean;
    }>>;
}>;
/** `fs/remove` params. */
export declare const RemoveParams: Schema.Struct<{
    path: Schema.transformOrFail<typeof Schema.String, typeof Schema.String, never>;
    sandbox: Schema.optionalWith<Schema.transformOrFail<typeof Schema.Unknown, Schema.Union<[Schema.SchemaClass<{
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
    }, never>]>, never>, {
        nullable: true;
    }>;
    recursive: Schema.optionalWith<typeof Schema.Boolean, {
        default: () => false;
        nullable: true;
    }>;
    force: Schema.optionalWith<typeof Schema.Boolean, {
        default: () => false;
        nullable: true;
    }>;
}>;
/** `fs/copy` params. */
export declare const CopyParams: Schema.Struct<{
    sourcePath: Schema.transformOrFail<typeof Schema.String, typeof Schema.String, never>;
    destinationPath: Schema.transformOrFail<typeof Schema.String, typeof Schema.String, never>;
    sandbox: Schema.optionalWith<Schema.transformOrFail<typeof Schema.Unknown, Schema.Union<[Schema.SchemaClass<{
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
    }, never>]>, never>, {
        nullable: true;
    }>;
    recursive: Schema.optionalWith<typeof Schema.Boolean, {
        default: () => false;
        nullable: true;
    }>;
}>;
/** `fs/canonicalize` params. */
export declare const CanonicalizeParams: Schema.Struct<{
    path: Schema.transformOrFail<typeof Schema.String, typeof Schema.String, never>;
    sandbox: Schema.optionalWith<Schema.transformOrFail<typeof Schema.Unknown, Schema.Union<[Schema.SchemaClass<{
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
    }, never>]>, never>, {
        nullable: true;
    }>;
}>;
/** `fs/canonicalize` result: the resolved path as a `file://` URI, as the reference answers. */
export declare const CanonicalizeResult: Schema.Struct<{
    path: typeof Schema.String;
}>;
/** The largest `fs/walk` limits (the reference's), and what a walk's answer may weigh. */
export declare const WALK_MAXIMUMS: {
    readonly maxDepth: 64;
    readonly maxDirectories: 10000;
    readonly maxEntries: 50000;
    readonly answerBytes: number;
};
/** `fs/walk` params (the reference's; its limits are at most the `WALK_MAXIMUMS`). */
export declare const WalkParams: Schema.Struct<{
    path: Schema.transformOrFail<typeof Schema.String, typeof Schema.String, never>;
    options: Schema.Struct<{
        maxDepth: Schema.filter<typeof Schema.Int>;
        maxDirectories: Schema.filter<typeof Schema.Int>;
        maxEntries: Schema.filter<typeof Schema.Int>;
        followDirectorySymlinks: typeof Schema.Boolean;
        pruneHiddenDirectories: Schema.optionalWith<typeof Schema.Boolean, {
            default: () => false;
            nullable: true;
        }>;
    }>;
    sandbox: Schema.optionalWith<Schema.transformOrFail<typeof Schema.Unknown, Schema.Union<[Schema.SchemaClass<{
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
    }, never>]>, never>, {
        nullable: true;
    }>;
}>;
/** The bounds of a walk (`fs/walk` options). */
export type WalkOptions = typeof WalkParams.Type["options"];
/** `fs/walk` result: entries as `file://` URIs, breadth first; `truncated` when a limit stopped the walk. */
export declare const WalkResult: Schema.Struct<{
    entries: Schema.Array$<Schema.Struct<{
        path: typeof Schema.String;
        kind: Schema.Literal<["directory", "file"]>;
    }>>;
    errors: Schema.Array$<Schema.Struct<{
        path: typeof Schema.String;
        message: typeof Schema.String;
    }>>;
    truncated: typeof Schema.Boolean;
}>;
/**
 * `fs/watchMissing` params (the reference's): paths believed missing, and
 * one believed present; **(ours)** `sandbox?`, as every `fs/*` method takes.
 */
export declare const WatchMissingParams: Schema.Struct<{
    watchId: Schema.filter<typeof Schema.Int>;
    missing: Schema.Array$<Schema.transformOrFail<typeof Schema.String, typeof Schema.String, never>>;
    present: Schema.optionalWith<Schema.transformOrFail<typeof Schema.String, typeof Schema.String, never>, {
        nullable: true;
    }>;
    sandbox: Schema.optionalWith<Schema.transformOrFail<typeof Schema.Unknown, Schema.Union<[Schema.SchemaClass<{
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
    }, never>]>, never>, {
        nullable: true;
    }>;
}>;
/** `fs/watchMissing` result: whether a watch is now installed. */
export declare const WatchMissingResult: Schema.Struct<{
    watching: typeof Schema.Boolean;
}>;
/** `fs/missingChanged` payload. */
export declare const MissingChangedNotification: Schema.Struct<{
    watchId: Schema.filter<typeof Schema.Int>;
}>;
/** `fs/watch` params (ours): a client-chosen id, the path, whether to watch below it. */
export declare const WatchParams: Schema.Struct<{
    watchId: Schema.filter<typeof Schema.String>;
    path: Schema.transformOrFail<typeof Schema.String, typeof Schema.String, never>;
    recursive: Schema.optionalWith<typeof Schema.Boolean, {
        default: () => false;
        nullable: true;
    }>;
    sandbox: Schema.optionalWith<Schema.transformOrFail<typeof Schema.Unknown, Schema.Union<[Schema.SchemaClass<{
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
    }, never>]>, never>, {
        nullable: true;
    }>;
}>;
/** `fs/watch` result. */
export declare const WatchResult: Schema.Struct<{
    watchId: typeof Schema.String;
}>;
/** `fs/unwatch` params. */
export declare const UnwatchParams: Schema.Struct<{
    watchId: typeof Schema.String;
}>;
/** `fs/changed` payload: paths as `file://` URIs with their net change; `overflow` when some were left out. */
export declare const ChangedNotification: Schema.Struct<{
    watchId: typeof Schema.String;
    changes: Schema.Array$<Schema.Struct<{
        path: typeof Schema.String;
        kind: Schema.Literal<["created", "modified", "removed"]>;
    }>>;
    overflow: typeof Schema.Boolean;
}>;
/** A client-chosen file handle id, unique among the session's open handles. */
export declare const FileHandleId: Schema.filter<Schema.filter<typeof Schema.String>>;
/** How a handle opens its file: `read` it, or `replace` it (written aside, put in place on `fs/close`). */
export declare const FileOpenMode: Schema.Literal<["read", "replace"]>;
/** @see FileOpenMode */
export type FileOpenMode = typeof FileOpenMode.Type;
/** `fs/open` params. */
export declare const OpenFileParams: Schema.Struct<{
    handleId: Schema.filter<Schema.filter<typeof Schema.String>>;
    path: Schema.transformOrFail<typeof Schema.String, typeof Schema.String, never>;
    mode: Schema.optionalWith<Schema.Literal<["read", "replace"]>, {
        default: () => "read";
        nullable: true;
    }>;
    sandbox: Schema.optionalWith<Schema.transformOrFail<typeof Schema.Unknown, Schema.Union<[Schema.SchemaClass<{
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
    }, never>]>, never>, {
        nullable: true;
    }>;
}>;
/** `fs/open` result. */
export declare const OpenFileResult: Schema.Struct<{
    handleId: typeof Schema.String;
}>;
/** `fs/readBlock` params: `len` bytes from `offset` (a shorter block at the end of the file, or above the server's block limit). */
export declare const ReadBlockParams: Schema.Struct<{
    handleId: Schema.filter<Schema.filter<typeof Schema.String>>;
    offset: Schema.filter<typeof Schema.Int>;
    len: Schema.filter<typeof Schema.Int>;
}>;
/** `fs/readBlock` result: `eof` once the block reached the end of the file. */
export declare const ReadBlockResult: Schema.Struct<{
    chunk: Schema.transformOrFail<typeof Schema.String, typeof Schema.Uint8ArrayFromSelf, never>;
    eof: typeof Schema.Boolean;
}>;
/** `fs/writeBlock` params. */
export declare const WriteBlockParams: Schema.Struct<{
    handleId: Schema.filter<Schema.filter<typeof Schema.String>>;
    offset: Schema.filter<typeof Schema.Int>;
    chunk: Schema.transformOrFail<typeof Schema.String, typeof Schema.Uint8ArrayFromSelf, never>;
}>;
/** `fs/close` params. */
export declare const CloseFileParams: Schema.Struct<{
    handleId: Schema.filter<Schema.filter<typeof Schema.String>>;
    /** (ours) Drop a replacing handle's file instead of putting it in place. */
    discard: Schema.optionalWith<typeof Schema.Boolean, {
        default: () => false;
        nullable: true;
    }>;
}>;
/** A header as the reference carries it; `valueEnvVar` appends a variable of the server's environment. */
export declare const HttpHeader: Schema.Struct<{
    name: typeof Schema.String;
    value: Schema.optionalWith<typeof Schema.String, {
        default: () => string;
    }>;
    valueEnvVar: Schema.optionalWith<typeof Schema.String, {
        nullable: true;
    }>;
}>;
/** `http/request` params (the reference's). */
export declare const HttpRequestParams: Schema.Struct<{
    method: typeof Schema.String;
    url: typeof Schema.String;
    headers: Schema.optionalWith<Schema.Array$<Schema.Struct<{
        name: typeof Schema.String;
        value: Schema.optionalWith<typeof Schema.String, {
            default: () => string;
        }>;
        valueEnvVar: Schema.optionalWith<typeof Schema.String, {
            nullable: true;
        }>;
    }>>, {
        default: () => never[];
        nullable: true;
    }>;
    bodyBase64: Schema.optionalWith<Schema.transformOrFail<typeof Schema.String, typeof Schema.Uint8ArrayFromSelf, never>, {
        nullable: true;
    }>;
    /** One deadline for the whole exchange, body included; absent: none. */
    timeoutMs: Schema.optionalWith<Schema.filter<typeof Schema.Int>, {
        nullable: true;
    }>;
    redirectPolicy: Schema.optionalWith<Schema.Literal<["follow", "stop"]>, {
        default: () => "follow";
        nullable: true;
    }>;
    /** Names the `http/request/bodyDelta` stream: unique among the connection's active streams. */
    requestId: typeof Schema.String;
    streamResponse: Schema.optionalWith<typeof Schema.Boolean, {
        default: () => false;
        nullable: true;
    }>;
}>;
/** @see HttpRequestParams */
export type HttpRequestParams = typeof HttpRequestParams.Type;
/** `http/request` result: the body is empty when it is streamed. */
export declare const HttpRequestResult: Schema.Struct<{
    status: typeof Schema.Int;
    headers: Schema.Array$<Schema.Struct<{
        name: typeof Schema.String;
        value: typeof Schema.String;
    }>>;
    bodyBase64: Schema.transformOrFail<typeof Schema.String, typeof Schema.Uint8ArrayFromSelf, never>;
}>;
/** `http/request/bodyDelta` payload: `seq` from 1; the last one has `done` (and `error` when the body failed). */
export declare const HttpBodyDeltaNotification: Schema.Struct<{
    requestId: typeof Schema.String;
    seq: Schema.filter<typeof Schema.Int>;
    deltaBase64: Schema.transformOrFail<typeof Schema.String, typeof Schema.Uint8ArrayFromSelf, never>;
    done: typeof Schema.Boolean;
    error: Schema.NullOr<typeof Schema.String>;
}>;
//# sourceMappingURL=schema.d.ts.map