/**
 * Every method and notification of the protocol as `@effect/rpc` values: the
 * single source of truth for the server's dispatcher, its handlers and the
 * client. Requests fail with `ExecServerError`, whose members carry their
 * JSON-RPC codes.
 */
import * as Rpc from "@effect/rpc/Rpc";
import * as RpcGroup from "@effect/rpc/RpcGroup";
import * as Context from "effect/Context";
/**
 * How a request is ordered against the others of its connection, as an
 * annotation on its Rpc (absent: it runs concurrently with everything).
 * `Alone`: nothing else runs meanwhile (the handshake). `PerProcess`: in
 * arrival order with the other commands to the same `processId`; with
 * `waitOnly`, it waits for the commands sent before it but holds up none
 * sent after it (a read right after a start sees the process).
 * `PerFileHandle`: in arrival order with the other requests to the same
 * `handleId` (a close comes after the writes sent before it).
 */
export type OrderingRule = {
    readonly _tag: "Alone";
} | {
    readonly _tag: "PerProcess";
    readonly waitOnly: boolean;
} | {
    readonly _tag: "PerFileHandle";
};
declare const RequestOrdering_base: Context.TagClass<RequestOrdering, "effect-exec-server/RequestOrdering", OrderingRule>;
/** The annotation that carries an Rpc's `OrderingRule`. */
export declare class RequestOrdering extends RequestOrdering_base {
}
declare const RetrySafe_base: Context.ReferenceClass<RetrySafe, "effect-exec-server/RetrySafe", boolean>;
/**
 * Whether a request's second sending does what the first did, as an
 * annotation on its Rpc (absent: it may not). A client re-sends such a
 * request after a reconnect when the first one's answer was lost; the
 * outcome of any other request in flight at a drop is unknown.
 * (`process/write` is one because every write carries a `writeId`.)
 */
export declare class RetrySafe extends RetrySafe_base {
}
declare const HandshakeRpcs_base: RpcGroup.RpcGroup<Rpc.Rpc<"initialize", import("effect/Schema").Struct<{
    clientName: typeof import("effect/Schema").String;
    resumeSessionId: import("effect/Schema").optionalWith<typeof import("effect/Schema").String, {
        nullable: true;
    }>;
    detachTtlMs: import("effect/Schema").optionalWith<import("effect/Schema").filter<typeof import("effect/Schema").Int>, {
        nullable: true;
    }>;
}>, import("effect/Schema").Struct<{
    protocolVersion: typeof import("effect/Schema").String;
    sessionId: typeof import("effect/Schema").String;
    environmentInfo: import("effect/Schema").optional<import("effect/Schema").Struct<{
        shell: import("effect/Schema").Struct<{
            name: typeof import("effect/Schema").String;
            path: typeof import("effect/Schema").String;
        }>;
        executorVersion: typeof import("effect/Schema").String;
        cwd: typeof import("effect/Schema").String;
        userHomeDir: typeof import("effect/Schema").String;
        platformOs: typeof import("effect/Schema").String;
        prependPathDirs: import("effect/Schema").optional<import("effect/Schema").Array$<typeof import("effect/Schema").String>>;
        temporaryDirectories: import("effect/Schema").Array$<typeof import("effect/Schema").String>;
        tempDir: typeof import("effect/Schema").String;
        capabilities: import("effect/Schema").Struct<{
            networkProxyLaunch: typeof import("effect/Schema").Boolean;
            networkProxyReviewDomains: typeof import("effect/Schema").Boolean;
            credentialMasking: typeof import("effect/Schema").Boolean;
            credentialMaskingCustomProviders: typeof import("effect/Schema").Boolean;
            capabilityDiscoverySandbox: typeof import("effect/Schema").Boolean;
            fsWatchMissing: typeof import("effect/Schema").Boolean;
            capabilityDiscoveryV2: typeof import("effect/Schema").Boolean;
            environmentConfigRead: typeof import("effect/Schema").Boolean;
            httpHeaderEnvVars: typeof import("effect/Schema").Boolean;
            sandboxedFileStreaming: typeof import("effect/Schema").Boolean;
            fileWriteStreaming: typeof import("effect/Schema").Boolean;
            shellSnapshotV2: typeof import("effect/Schema").Boolean;
            windowsMxc: typeof import("effect/Schema").Boolean;
        }>;
    }>>;
    serverInfo: import("effect/Schema").Struct<{
        name: typeof import("effect/Schema").String;
        version: typeof import("effect/Schema").String;
    }>;
    limits: import("effect/Schema").optional<import("effect/Schema").Struct<{
        maxMessageBytes: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    }>>;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"environment/info", import("effect/Schema").Struct<{}>, import("effect/Schema").Struct<{
    shell: import("effect/Schema").Struct<{
        name: typeof import("effect/Schema").String;
        path: typeof import("effect/Schema").String;
    }>;
    executorVersion: typeof import("effect/Schema").String;
    cwd: typeof import("effect/Schema").String;
    userHomeDir: typeof import("effect/Schema").String;
    platformOs: typeof import("effect/Schema").String;
    prependPathDirs: import("effect/Schema").optional<import("effect/Schema").Array$<typeof import("effect/Schema").String>>;
    temporaryDirectories: import("effect/Schema").Array$<typeof import("effect/Schema").String>;
    tempDir: typeof import("effect/Schema").String;
    capabilities: import("effect/Schema").Struct<{
        networkProxyLaunch: typeof import("effect/Schema").Boolean;
        networkProxyReviewDomains: typeof import("effect/Schema").Boolean;
        credentialMasking: typeof import("effect/Schema").Boolean;
        credentialMaskingCustomProviders: typeof import("effect/Schema").Boolean;
        capabilityDiscoverySandbox: typeof import("effect/Schema").Boolean;
        fsWatchMissing: typeof import("effect/Schema").Boolean;
        capabilityDiscoveryV2: typeof import("effect/Schema").Boolean;
        environmentConfigRead: typeof import("effect/Schema").Boolean;
        httpHeaderEnvVars: typeof import("effect/Schema").Boolean;
        sandboxedFileStreaming: typeof import("effect/Schema").Boolean;
        fileWriteStreaming: typeof import("effect/Schema").Boolean;
        shellSnapshotV2: typeof import("effect/Schema").Boolean;
        windowsMxc: typeof import("effect/Schema").Boolean;
    }>;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"environment/status", import("effect/Schema").Struct<{}>, import("effect/Schema").Struct<{
    status: import("effect/Schema").Literal<["ready"]>;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never>>;
/** The handshake: `initialize`. */
export declare class HandshakeRpcs extends HandshakeRpcs_base {
}
declare const ProcessRpcs_base: RpcGroup.RpcGroup<Rpc.Rpc<"process/start", import("effect/Schema").Struct<{
    processId: import("effect/Schema").filter<typeof import("effect/Schema").String>;
    argv: import("effect/Schema").filter<import("effect/Schema").Array$<import("effect/Schema").filter<typeof import("effect/Schema").String>>>;
    cwd: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").String, never>, {
        nullable: true;
    }>;
    env: import("effect/Schema").filter<import("effect/Schema").Record$<typeof import("effect/Schema").String, import("effect/Schema").filter<typeof import("effect/Schema").String>>>;
    tty: typeof import("effect/Schema").Boolean;
    pipeStdin: import("effect/Schema").optionalWith<typeof import("effect/Schema").Boolean, {
        default: () => false;
    }>;
    arg0: import("effect/Schema").optionalWith<import("effect/Schema").filter<typeof import("effect/Schema").String>, {
        nullable: true;
    }>;
    size: import("effect/Schema").optional<import("effect/Schema").Struct<{
        rows: import("effect/Schema").filter<import("effect/Schema").filter<typeof import("effect/Schema").Int>>;
        cols: import("effect/Schema").filter<import("effect/Schema").filter<typeof import("effect/Schema").Int>>;
    }>>;
    envPolicy: import("effect/Schema").optionalWith<import("effect/Schema").Struct<{
        inherit: import("effect/Schema").optionalWith<import("effect/Schema").Literal<["all", "none", "core"]>, {
            default: () => "all";
        }>;
        ignoreDefaultExcludes: import("effect/Schema").optionalWith<typeof import("effect/Schema").Boolean, {
            default: () => false;
        }>;
        exclude: import("effect/Schema").optionalWith<import("effect/Schema").Array$<typeof import("effect/Schema").String>, {
            default: () => never[];
        }>;
        includeOnly: import("effect/Schema").optionalWith<import("effect/Schema").Array$<typeof import("effect/Schema").String>, {
            default: () => never[];
        }>;
        set: import("effect/Schema").optionalWith<import("effect/Schema").filter<import("effect/Schema").Record$<typeof import("effect/Schema").String, import("effect/Schema").filter<typeof import("effect/Schema").String>>>, {
            default: () => {};
        }>;
    }>, {
        nullable: true;
    }>;
    sandbox: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").Unknown, import("effect/Schema").Union<[import("effect/Schema").SchemaClass<{
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
    }, never>, import("effect/Schema").SchemaClass<{
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
    enforceManagedNetwork: import("effect/Schema").optionalWith<typeof import("effect/Schema").Boolean, {
        nullable: true;
    }>;
}>, import("effect/Schema").Struct<{
    processId: typeof import("effect/Schema").String;
    sandboxType: import("effect/Schema").Literal<["none", "linuxSeccomp"]>;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"process/write", import("effect/Schema").Struct<{
    processId: import("effect/Schema").filter<typeof import("effect/Schema").String>;
    chunk: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").Uint8ArrayFromSelf, never>;
    writeId: import("effect/Schema").optionalWith<typeof import("effect/Schema").String, {
        nullable: true;
    }>;
}>, import("effect/Schema").Struct<{
    accepted: typeof import("effect/Schema").Boolean;
    status: import("effect/Schema").Literal<["accepted", "unknownProcess", "stdinClosed", "starting"]>;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"process/read", import("effect/Schema").Struct<{
    processId: import("effect/Schema").filter<typeof import("effect/Schema").String>;
    afterSeq: import("effect/Schema").optionalWith<import("effect/Schema").filter<typeof import("effect/Schema").Int>, {
        nullable: true;
    }>;
    maxBytes: import("effect/Schema").optionalWith<import("effect/Schema").filter<typeof import("effect/Schema").Int>, {
        nullable: true;
    }>;
    waitMs: import("effect/Schema").optionalWith<import("effect/Schema").filter<typeof import("effect/Schema").Int>, {
        nullable: true;
    }>;
}>, import("effect/Schema").Struct<{
    chunks: import("effect/Schema").Array$<import("effect/Schema").Struct<{
        seq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
        stream: import("effect/Schema").Literal<["stdout", "stderr", "pty"]>;
        chunk: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").Uint8ArrayFromSelf, never>;
    }>>;
    nextSeq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    exited: typeof import("effect/Schema").Boolean;
    exitCode: import("effect/Schema").NullOr<typeof import("effect/Schema").Int>;
    closed: typeof import("effect/Schema").Boolean;
    failure: import("effect/Schema").NullOr<typeof import("effect/Schema").String>;
    truncated: typeof import("effect/Schema").Boolean;
    sandboxDenied: typeof import("effect/Schema").Boolean;
    signal: import("effect/Schema").optionalWith<import("effect/Schema").NullOr<typeof import("effect/Schema").String>, {
        default: () => null;
    }>;
    exitedSeq: import("effect/Schema").optionalWith<import("effect/Schema").NullOr<import("effect/Schema").filter<typeof import("effect/Schema").Int>>, {
        default: () => null;
    }>;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"process/terminate", import("effect/Schema").Struct<{
    processId: import("effect/Schema").filter<typeof import("effect/Schema").String>;
    mode: import("effect/Schema").optionalWith<import("effect/Schema").Literal<["graceful", "force"]>, {
        default: () => "graceful";
    }>;
    graceMs: import("effect/Schema").optionalWith<import("effect/Schema").filter<typeof import("effect/Schema").Int>, {
        nullable: true;
    }>;
}>, import("effect/Schema").Struct<{
    running: typeof import("effect/Schema").Boolean;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"process/resize", import("effect/Schema").Struct<{
    processId: import("effect/Schema").filter<typeof import("effect/Schema").String>;
    rows: import("effect/Schema").filter<import("effect/Schema").filter<typeof import("effect/Schema").Int>>;
    cols: import("effect/Schema").filter<import("effect/Schema").filter<typeof import("effect/Schema").Int>>;
}>, import("effect/Schema").Struct<{}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"process/closeStdin", import("effect/Schema").Struct<{
    processId: import("effect/Schema").filter<typeof import("effect/Schema").String>;
}>, import("effect/Schema").Struct<{
    accepted: typeof import("effect/Schema").Boolean;
    status: import("effect/Schema").Literal<["accepted", "unknownProcess", "stdinClosed", "starting"]>;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"process/signal", import("effect/Schema").Struct<{
    processId: import("effect/Schema").filter<typeof import("effect/Schema").String>;
    signal: import("effect/Schema").Literal<["SIGINT", "SIGTERM", "SIGKILL", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGSTOP", "SIGCONT", "SIGWINCH", "interrupt"]>;
}>, import("effect/Schema").Struct<{
    delivered: typeof import("effect/Schema").Boolean;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"process/list", import("effect/Schema").Struct<{}>, import("effect/Schema").Struct<{
    processes: import("effect/Schema").Array$<import("effect/Schema").Struct<{
        processId: typeof import("effect/Schema").String;
        pid: typeof import("effect/Schema").Int;
        argv: import("effect/Schema").Array$<typeof import("effect/Schema").String>;
        tty: typeof import("effect/Schema").Boolean;
        running: typeof import("effect/Schema").Boolean;
        exitCode: import("effect/Schema").NullOr<typeof import("effect/Schema").Int>;
        startedAtMs: typeof import("effect/Schema").Number;
    }>>;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never>>;
/** Process supervision: `process/*`. */
export declare class ProcessRpcs extends ProcessRpcs_base {
}
declare const FsRpcs_base: RpcGroup.RpcGroup<Rpc.Rpc<"fs/readFile", import("effect/Schema").Struct<{
    path: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").String, never>;
    sandbox: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").Unknown, import("effect/Schema").Union<[import("effect/Schema").SchemaClass<{
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
    }, never>, import("effect/Schema").SchemaClass<{
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
    offset: import("effect/Schema").optionalWith<import("effect/Schema").filter<typeof import("effect/Schema").Int>, {
        nullable: true;
    }>;
    length: import("effect/Schema").optionalWith<import("effect/Schema").filter<typeof import("effect/Schema").Int>, {
        nullable: true;
    }>;
}>, import("effect/Schema").Struct<{
    dataBase64: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").Uint8ArrayFromSelf, never>;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/writeFile", import("effect/Schema").Struct<{
    path: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").String, never>;
    dataBase64: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").Uint8ArrayFromSelf, never>;
    sandbox: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").Unknown, import("effect/Schema").Union<[import("effect/Schema").SchemaClass<{
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
    }, never>, import("effect/Schema").SchemaClass<{
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
}>, import("effect/Schema").Struct<{}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/createDirectory", import("effect/Schema").Struct<{
    path: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").String, never>;
    sandbox: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").Unknown, import("effect/Schema").Union<[import("effect/Schema").SchemaClass<{
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
    }, never>, import("effect/Schema").SchemaClass<{
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
    recursive: import("effect/Schema").optionalWith<typeof import("effect/Schema").Boolean, {
        default: () => true;
        nullable: true;
    }>;
}>, import("effect/Schema").Struct<{}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/getMetadata", import("effect/Schema").Struct<{
    path: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").String, never>;
    sandbox: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").Unknown, import("effect/Schema").Union<[import("effect/Schema").SchemaClass<{
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
    }, never>, import("effect/Schema").SchemaClass<{
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
}>, import("effect/Schema").Struct<{
    isDirectory: typeof import("effect/Schema").Boolean;
    isFile: typeof import("effect/Schema").Boolean;
    isSymlink: typeof import("effect/Schema").Boolean;
    size: typeof import("effect/Schema").Number;
    createdAtMs: typeof import("effect/Schema").Number;
    modifiedAtMs: typeof import("effect/Schema").Number;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/readDirectory", import("effect/Schema").Struct<{
    path: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").String, never>;
    sandbox: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").Unknown, import("effect/Schema").Union<[import("effect/Schema").SchemaClass<{
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
    }, never>, import("effect/Schema").SchemaClass<{
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
}>, import("effect/Schema").Struct<{
    entries: import("effect/Schema").Array$<import("effect/Schema").Struct<{
        fileName: typeof import("effect/Schema").String;
        isDirectory: typeof import("effect/Schema").Boolean;
        isFile: typeof import("effect/Schema").Boolean;
    }>>;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/remove", import("effect/Schema").Struct<{
    path: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").String, never>;
    sandbox: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").Unknown, import("effect/Schema").Union<[import("effect/Schema").SchemaClass<{
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
    }, never>, import("effect/Schema").SchemaClass<{
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
    recursive: import("effect/Schema").optionalWith<typeof import("effect/Schema").Boolean, {
        default: () => false;
        nullable: true;
    }>;
    force: import("effect/Schema").optionalWith<typeof import("effect/Schema").Boolean, {
        default: () => false;
        nullable: true;
    }>;
}>, import("effect/Schema").Struct<{}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/copy", import("effect/Schema").Struct<{
    sourcePath: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").String, never>;
    destinationPath: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").String, never>;
    sandbox: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").Unknown, import("effect/Schema").Union<[import("effect/Schema").SchemaClass<{
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
    }, never>, import("effect/Schema").SchemaClass<{
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
    recursive: import("effect/Schema").optionalWith<typeof import("effect/Schema").Boolean, {
        default: () => false;
        nullable: true;
    }>;
}>, import("effect/Schema").Struct<{}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/watchMissing", import("effect/Schema").Struct<{
    watchId: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    missing: import("effect/Schema").Array$<import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").String, never>>;
    present: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").String, never>, {
        nullable: true;
    }>;
    sandbox: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").Unknown, import("effect/Schema").Union<[import("effect/Schema").SchemaClass<{
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
    }, never>, import("effect/Schema").SchemaClass<{
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
}>, import("effect/Schema").Struct<{
    watching: typeof import("effect/Schema").Boolean;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/watch", import("effect/Schema").Struct<{
    watchId: import("effect/Schema").filter<typeof import("effect/Schema").String>;
    path: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").String, never>;
    recursive: import("effect/Schema").optionalWith<typeof import("effect/Schema").Boolean, {
        default: () => false;
        nullable: true;
    }>;
    sandbox: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").Unknown, import("effect/Schema").Union<[import("effect/Schema").SchemaClass<{
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
    }, never>, import("effect/Schema").SchemaClass<{
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
}>, import("effect/Schema").Struct<{
    watchId: typeof import("effect/Schema").String;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/unwatch", import("effect/Schema").Struct<{
    watchId: typeof import("effect/Schema").String;
}>, import("effect/Schema").Struct<{}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/walk", import("effect/Schema").Struct<{
    path: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").String, never>;
    options: import("effect/Schema").Struct<{
        maxDepth: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
        maxDirectories: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
        maxEntries: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
        followDirectorySymlinks: typeof import("effect/Schema").Boolean;
        pruneHiddenDirectories: import("effect/Schema").optionalWith<typeof import("effect/Schema").Boolean, {
            default: () => false;
            nullable: true;
        }>;
    }>;
    sandbox: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").Unknown, import("effect/Schema").Union<[import("effect/Schema").SchemaClass<{
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
    }, never>, import("effect/Schema").SchemaClass<{
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
}>, import("effect/Schema").Struct<{
    entries: import("effect/Schema").Array$<import("effect/Schema").Struct<{
        path: typeof import("effect/Schema").String;
        kind: import("effect/Schema").Literal<["directory", "file"]>;
    }>>;
    errors: import("effect/Schema").Array$<import("effect/Schema").Struct<{
        path: typeof import("effect/Schema").String;
        message: typeof import("effect/Schema").String;
    }>>;
    truncated: typeof import("effect/Schema").Boolean;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/canonicalize", import("effect/Schema").Struct<{
    path: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").String, never>;
    sandbox: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").Unknown, import("effect/Schema").Union<[import("effect/Schema").SchemaClass<{
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
    }, never>, import("effect/Schema").SchemaClass<{
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
}>, import("effect/Schema").Struct<{
    path: typeof import("effect/Schema").String;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/open", import("effect/Schema").Struct<{
    handleId: import("effect/Schema").filter<import("effect/Schema").filter<typeof import("effect/Schema").String>>;
    path: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").String, never>;
    mode: import("effect/Schema").optionalWith<import("effect/Schema").Literal<["read", "replace"]>, {
        default: () => "read";
        nullable: true;
    }>;
    sandbox: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").Unknown, import("effect/Schema").Union<[import("effect/Schema").SchemaClass<{
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
    }, never>, import("effect/Schema").SchemaClass<{
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
}>, import("effect/Schema").Struct<{
    handleId: typeof import("effect/Schema").String;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/readBlock", import("effect/Schema").Struct<{
    handleId: import("effect/Schema").filter<import("effect/Schema").filter<typeof import("effect/Schema").String>>;
    offset: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    len: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
}>, import("effect/Schema").Struct<{
    chunk: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").Uint8ArrayFromSelf, never>;
    eof: typeof import("effect/Schema").Boolean;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/writeBlock", import("effect/Schema").Struct<{
    handleId: import("effect/Schema").filter<import("effect/Schema").filter<typeof import("effect/Schema").String>>;
    offset: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    chunk: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").Uint8ArrayFromSelf, never>;
}>, import("effect/Schema").Struct<{}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/close", import("effect/Schema").Struct<{
    handleId: import("effect/Schema").filter<import("effect/Schema").filter<typeof import("effect/Schema").String>>;
    discard: import("effect/Schema").optionalWith<typeof import("effect/Schema").Boolean, {
        default: () => false;
        nullable: true;
    }>;
}>, import("effect/Schema").Struct<{}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never>>;
/** Host filesystem access: `fs/*`. */
export declare class FsRpcs extends FsRpcs_base {
}
declare const HttpRpcs_base: RpcGroup.RpcGroup<Rpc.Rpc<"http/request", import("effect/Schema").Struct<{
    method: typeof import("effect/Schema").String;
    url: typeof import("effect/Schema").String;
    headers: import("effect/Schema").optionalWith<import("effect/Schema").Array$<import("effect/Schema").Struct<{
        name: typeof import("effect/Schema").String;
        value: import("effect/Schema").optionalWith<typeof import("effect/Schema").String, {
            default: () => string;
        }>;
        valueEnvVar: import("effect/Schema").optionalWith<typeof import("effect/Schema").String, {
            nullable: true;
        }>;
    }>>, {
        default: () => never[];
        nullable: true;
    }>;
    bodyBase64: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").Uint8ArrayFromSelf, never>, {
        nullable: true;
    }>;
    timeoutMs: import("effect/Schema").optionalWith<import("effect/Schema").filter<typeof import("effect/Schema").Int>, {
        nullable: true;
    }>;
    redirectPolicy: import("effect/Schema").optionalWith<import("effect/Schema").Literal<["follow", "stop"]>, {
        default: () => "follow";
        nullable: true;
    }>;
    requestId: typeof import("effect/Schema").String;
    streamResponse: import("effect/Schema").optionalWith<typeof import("effect/Schema").Boolean, {
        default: () => false;
        nullable: true;
    }>;
}>, import("effect/Schema").Struct<{
    status: typeof import("effect/Schema").Int;
    headers: import("effect/Schema").Array$<import("effect/Schema").Struct<{
        name: typeof import("effect/Schema").String;
        value: typeof import("effect/Schema").String;
    }>>;
    bodyBase64: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").Uint8ArrayFromSelf, never>;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never>>;
/** Requests the server makes on the client's behalf: `http/request`. */
export declare class HttpRpcs extends HttpRpcs_base {
}
/** Every request the server answers. */
export declare const ExecServerRpcs: RpcGroup.RpcGroup<Rpc.Rpc<"initialize", import("effect/Schema").Struct<{
    clientName: typeof import("effect/Schema").String;
    resumeSessionId: import("effect/Schema").optionalWith<typeof import("effect/Schema").String, {
        nullable: true;
    }>;
    detachTtlMs: import("effect/Schema").optionalWith<import("effect/Schema").filter<typeof import("effect/Schema").Int>, {
        nullable: true;
    }>;
}>, import("effect/Schema").Struct<{
    protocolVersion: typeof import("effect/Schema").String;
    sessionId: typeof import("effect/Schema").String;
    environmentInfo: import("effect/Schema").optional<import("effect/Schema").Struct<{
        shell: import("effect/Schema").Struct<{
            name: typeof import("effect/Schema").String;
            path: typeof import("effect/Schema").String;
        }>;
        executorVersion: typeof import("effect/Schema").String;
        cwd: typeof import("effect/Schema").String;
        userHomeDir: typeof import("effect/Schema").String;
        platformOs: typeof import("effect/Schema").String;
        prependPathDirs: import("effect/Schema").optional<import("effect/Schema").Array$<typeof import("effect/Schema").String>>;
        temporaryDirectories: import("effect/Schema").Array$<typeof import("effect/Schema").String>;
        tempDir: typeof import("effect/Schema").String;
        capabilities: import("effect/Schema").Struct<{
            networkProxyLaunch: typeof import("effect/Schema").Boolean;
            networkProxyReviewDomains: typeof import("effect/Schema").Boolean;
            credentialMasking: typeof import("effect/Schema").Boolean;
            credentialMaskingCustomProviders: typeof import("effect/Schema").Boolean;
            capabilityDiscoverySandbox: typeof import("effect/Schema").Boolean;
            fsWatchMissing: typeof import("effect/Schema").Boolean;
            capabilityDiscoveryV2: typeof import("effect/Schema").Boolean;
            environmentConfigRead: typeof import("effect/Schema").Boolean;
            httpHeaderEnvVars: typeof import("effect/Schema").Boolean;
            sandboxedFileStreaming: typeof import("effect/Schema").Boolean;
            fileWriteStreaming: typeof import("effect/Schema").Boolean;
            shellSnapshotV2: typeof import("effect/Schema").Boolean;
            windowsMxc: typeof import("effect/Schema").Boolean;
        }>;
    }>>;
    serverInfo: import("effect/Schema").Struct<{
        name: typeof import("effect/Schema").String;
        version: typeof import("effect/Schema").String;
    }>;
    limits: import("effect/Schema").optional<import("effect/Schema").Struct<{
        maxMessageBytes: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    }>>;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"environment/info", import("effect/Schema").Struct<{}>, import("effect/Schema").Struct<{
    shell: import("effect/Schema").Struct<{
        name: typeof import("effect/Schema").String;
        path: typeof import("effect/Schema").String;
    }>;
    executorVersion: typeof import("effect/Schema").String;
    cwd: typeof import("effect/Schema").String;
    userHomeDir: typeof import("effect/Schema").String;
    platformOs: typeof import("effect/Schema").String;
    prependPathDirs: import("effect/Schema").optional<import("effect/Schema").Array$<typeof import("effect/Schema").String>>;
    temporaryDirectories: import("effect/Schema").Array$<typeof import("effect/Schema").String>;
    tempDir: typeof import("effect/Schema").String;
    capabilities: import("effect/Schema").Struct<{
        networkProxyLaunch: typeof import("effect/Schema").Boolean;
        networkProxyReviewDomains: typeof import("effect/Schema").Boolean;
        credentialMasking: typeof import("effect/Schema").Boolean;
        credentialMaskingCustomProviders: typeof import("effect/Schema").Boolean;
        capabilityDiscoverySandbox: typeof import("effect/Schema").Boolean;
        fsWatchMissing: typeof import("effect/Schema").Boolean;
        capabilityDiscoveryV2: typeof import("effect/Schema").Boolean;
        environmentConfigRead: typeof import("effect/Schema").Boolean;
        httpHeaderEnvVars: typeof import("effect/Schema").Boolean;
        sandboxedFileStreaming: typeof import("effect/Schema").Boolean;
        fileWriteStreaming: typeof import("effect/Schema").Boolean;
        shellSnapshotV2: typeof import("effect/Schema").Boolean;
        windowsMxc: typeof import("effect/Schema").Boolean;
    }>;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"environment/status", import("effect/Schema").Struct<{}>, import("effect/Schema").Struct<{
    status: import("effect/Schema").Literal<["ready"]>;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"process/start", import("effect/Schema").Struct<{
    processId: import("effect/Schema").filter<typeof import("effect/Schema").String>;
    argv: import("effect/Schema").filter<import("effect/Schema").Array$<import("effect/Schema").filter<typeof import("effect/Schema").String>>>;
    cwd: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").String, never>, {
        nullable: true;
    }>;
    env: import("effect/Schema").filter<import("effect/Schema").Record$<typeof import("effect/Schema").String, import("effect/Schema").filter<typeof import("effect/Schema").String>>>;
    tty: typeof import("effect/Schema").Boolean;
    pipeStdin: import("effect/Schema").optionalWith<typeof import("effect/Schema").Boolean, {
        default: () => false;
    }>;
    arg0: import("effect/Schema").optionalWith<import("effect/Schema").filter<typeof import("effect/Schema").String>, {
        nullable: true;
    }>;
    size: import("effect/Schema").optional<import("effect/Schema").Struct<{
        rows: import("effect/Schema").filter<import("effect/Schema").filter<typeof import("effect/Schema").Int>>;
        cols: import("effect/Schema").filter<import("effect/Schema").filter<typeof import("effect/Schema").Int>>;
    }>>;
    envPolicy: import("effect/Schema").optionalWith<import("effect/Schema").Struct<{
        inherit: import("effect/Schema").optionalWith<import("effect/Schema").Literal<["all", "none", "core"]>, {
            default: () => "all";
        }>;
        ignoreDefaultExcludes: import("effect/Schema").optionalWith<typeof import("effect/Schema").Boolean, {
            default: () => false;
        }>;
        exclude: import("effect/Schema").optionalWith<import("effect/Schema").Array$<typeof import("effect/Schema").String>, {
            default: () => never[];
        }>;
        includeOnly: import("effect/Schema").optionalWith<import("effect/Schema").Array$<typeof import("effect/Schema").String>, {
            default: () => never[];
        }>;
        set: import("effect/Schema").optionalWith<import("effect/Schema").filter<import("effect/Schema").Record$<typeof import("effect/Schema").String, import("effect/Schema").filter<typeof import("effect/Schema").String>>>, {
            default: () => {};
        }>;
    }>, {
        nullable: true;
    }>;
    sandbox: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").Unknown, import("effect/Schema").Union<[import("effect/Schema").SchemaClass<{
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
    }, never>, import("effect/Schema").SchemaClass<{
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
    enforceManagedNetwork: import("effect/Schema").optionalWith<typeof import("effect/Schema").Boolean, {
        nullable: true;
    }>;
}>, import("effect/Schema").Struct<{
    processId: typeof import("effect/Schema").String;
    sandboxType: import("effect/Schema").Literal<["none", "linuxSeccomp"]>;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"process/write", import("effect/Schema").Struct<{
    processId: import("effect/Schema").filter<typeof import("effect/Schema").String>;
    chunk: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").Uint8ArrayFromSelf, never>;
    writeId: import("effect/Schema").optionalWith<typeof import("effect/Schema").String, {
        nullable: true;
    }>;
}>, import("effect/Schema").Struct<{
    accepted: typeof import("effect/Schema").Boolean;
    status: import("effect/Schema").Literal<["accepted", "unknownProcess", "stdinClosed", "starting"]>;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"process/read", import("effect/Schema").Struct<{
    processId: import("effect/Schema").filter<typeof import("effect/Schema").String>;
    afterSeq: import("effect/Schema").optionalWith<import("effect/Schema").filter<typeof import("effect/Schema").Int>, {
        nullable: true;
    }>;
    maxBytes: import("effect/Schema").optionalWith<import("effect/Schema").filter<typeof import("effect/Schema").Int>, {
        nullable: true;
    }>;
    waitMs: import("effect/Schema").optionalWith<import("effect/Schema").filter<typeof import("effect/Schema").Int>, {
        nullable: true;
    }>;
}>, import("effect/Schema").Struct<{
    chunks: import("effect/Schema").Array$<import("effect/Schema").Struct<{
        seq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
        stream: import("effect/Schema").Literal<["stdout", "stderr", "pty"]>;
        chunk: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").Uint8ArrayFromSelf, never>;
    }>>;
    nextSeq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    exited: typeof import("effect/Schema").Boolean;
    exitCode: import("effect/Schema").NullOr<typeof import("effect/Schema").Int>;
    closed: typeof import("effect/Schema").Boolean;
    failure: import("effect/Schema").NullOr<typeof import("effect/Schema").String>;
    truncated: typeof import("effect/Schema").Boolean;
    sandboxDenied: typeof import("effect/Schema").Boolean;
    signal: import("effect/Schema").optionalWith<import("effect/Schema").NullOr<typeof import("effect/Schema").String>, {
        default: () => null;
    }>;
    exitedSeq: import("effect/Schema").optionalWith<import("effect/Schema").NullOr<import("effect/Schema").filter<typeof import("effect/Schema").Int>>, {
        default: () => null;
    }>;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"process/terminate", import("effect/Schema").Struct<{
    processId: import("effect/Schema").filter<typeof import("effect/Schema").String>;
    mode: import("effect/Schema").optionalWith<import("effect/Schema").Literal<["graceful", "force"]>, {
        default: () => "graceful";
    }>;
    graceMs: import("effect/Schema").optionalWith<import("effect/Schema").filter<typeof import("effect/Schema").Int>, {
        nullable: true;
    }>;
}>, import("effect/Schema").Struct<{
    running: typeof import("effect/Schema").Boolean;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"process/resize", import("effect/Schema").Struct<{
    processId: import("effect/Schema").filter<typeof import("effect/Schema").String>;
    rows: import("effect/Schema").filter<import("effect/Schema").filter<typeof import("effect/Schema").Int>>;
    cols: import("effect/Schema").filter<import("effect/Schema").filter<typeof import("effect/Schema").Int>>;
}>, import("effect/Schema").Struct<{}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"process/closeStdin", import("effect/Schema").Struct<{
    processId: import("effect/Schema").filter<typeof import("effect/Schema").String>;
}>, import("effect/Schema").Struct<{
    accepted: typeof import("effect/Schema").Boolean;
    status: import("effect/Schema").Literal<["accepted", "unknownProcess", "stdinClosed", "starting"]>;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"process/signal", import("effect/Schema").Struct<{
    processId: import("effect/Schema").filter<typeof import("effect/Schema").String>;
    signal: import("effect/Schema").Literal<["SIGINT", "SIGTERM", "SIGKILL", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGSTOP", "SIGCONT", "SIGWINCH", "interrupt"]>;
}>, import("effect/Schema").Struct<{
    delivered: typeof import("effect/Schema").Boolean;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"process/list", import("effect/Schema").Struct<{}>, import("effect/Schema").Struct<{
    processes: import("effect/Schema").Array$<import("effect/Schema").Struct<{
        processId: typeof import("effect/Schema").String;
        pid: typeof import("effect/Schema").Int;
        argv: import("effect/Schema").Array$<typeof import("effect/Schema").String>;
        tty: typeof import("effect/Schema").Boolean;
        running: typeof import("effect/Schema").Boolean;
        exitCode: import("effect/Schema").NullOr<typeof import("effect/Schema").Int>;
        startedAtMs: typeof import("effect/Schema").Number;
    }>>;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/readFile", import("effect/Schema").Struct<{
    path: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").String, never>;
    sandbox: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").Unknown, import("effect/Schema").Union<[import("effect/Schema").SchemaClass<{
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
    }, never>, import("effect/Schema").SchemaClass<{
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
    offset: import("effect/Schema").optionalWith<import("effect/Schema").filter<typeof import("effect/Schema").Int>, {
        nullable: true;
    }>;
    length: import("effect/Schema").optionalWith<import("effect/Schema").filter<typeof import("effect/Schema").Int>, {
        nullable: true;
    }>;
}>, import("effect/Schema").Struct<{
    dataBase64: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").Uint8ArrayFromSelf, never>;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/writeFile", import("effect/Schema").Struct<{
    path: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").String, never>;
    dataBase64: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").Uint8ArrayFromSelf, never>;
    sandbox: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").Unknown, import("effect/Schema").Union<[import("effect/Schema").SchemaClass<{
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
    }, never>, import("effect/Schema").SchemaClass<{
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
}>, import("effect/Schema").Struct<{}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/createDirectory", import("effect/Schema").Struct<{
    path: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").String, never>;
    sandbox: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").Unknown, import("effect/Schema").Union<[import("effect/Schema").SchemaClass<{
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
    }, never>, import("effect/Schema").SchemaClass<{
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
    recursive: import("effect/Schema").optionalWith<typeof import("effect/Schema").Boolean, {
        default: () => true;
        nullable: true;
    }>;
}>, import("effect/Schema").Struct<{}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/getMetadata", import("effect/Schema").Struct<{
    path: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").String, never>;
    sandbox: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").Unknown, import("effect/Schema").Union<[import("effect/Schema").SchemaClass<{
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
    }, never>, import("effect/Schema").SchemaClass<{
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
}>, import("effect/Schema").Struct<{
    isDirectory: typeof import("effect/Schema").Boolean;
    isFile: typeof import("effect/Schema").Boolean;
    isSymlink: typeof import("effect/Schema").Boolean;
    size: typeof import("effect/Schema").Number;
    createdAtMs: typeof import("effect/Schema").Number;
    modifiedAtMs: typeof import("effect/Schema").Number;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/readDirectory", import("effect/Schema").Struct<{
    path: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").String, never>;
    sandbox: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").Unknown, import("effect/Schema").Union<[import("effect/Schema").SchemaClass<{
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
    }, never>, import("effect/Schema").SchemaClass<{
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
}>, import("effect/Schema").Struct<{
    entries: import("effect/Schema").Array$<import("effect/Schema").Struct<{
        fileName: typeof import("effect/Schema").String;
        isDirectory: typeof import("effect/Schema").Boolean;
        isFile: typeof import("effect/Schema").Boolean;
    }>>;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/remove", import("effect/Schema").Struct<{
    path: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").String, never>;
    sandbox: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").Unknown, import("effect/Schema").Union<[import("effect/Schema").SchemaClass<{
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
    }, never>, import("effect/Schema").SchemaClass<{
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
    recursive: import("effect/Schema").optionalWith<typeof import("effect/Schema").Boolean, {
        default: () => false;
        nullable: true;
    }>;
    force: import("effect/Schema").optionalWith<typeof import("effect/Schema").Boolean, {
        default: () => false;
        nullable: true;
    }>;
}>, import("effect/Schema").Struct<{}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/copy", import("effect/Schema").Struct<{
    sourcePath: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").String, never>;
    destinationPath: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").String, never>;
    sandbox: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").Unknown, import("effect/Schema").Union<[import("effect/Schema").SchemaClass<{
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
    }, never>, import("effect/Schema").SchemaClass<{
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
    recursive: import("effect/Schema").optionalWith<typeof import("effect/Schema").Boolean, {
        default: () => false;
        nullable: true;
    }>;
}>, import("effect/Schema").Struct<{}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/watchMissing", import("effect/Schema").Struct<{
    watchId: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    missing: import("effect/Schema").Array$<import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").String, never>>;
    present: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").String, never>, {
        nullable: true;
    }>;
    sandbox: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").Unknown, import("effect/Schema").Union<[import("effect/Schema").SchemaClass<{
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
    }, never>, import("effect/Schema").SchemaClass<{
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
}>, import("effect/Schema").Struct<{
    watching: typeof import("effect/Schema").Boolean;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/watch", import("effect/Schema").Struct<{
    watchId: import("effect/Schema").filter<typeof import("effect/Schema").String>;
    path: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").String, never>;
    recursive: import("effect/Schema").optionalWith<typeof import("effect/Schema").Boolean, {
        default: () => false;
        nullable: true;
    }>;
    sandbox: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").Unknown, import("effect/Schema").Union<[import("effect/Schema").SchemaClass<{
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
    }, never>, import("effect/Schema").SchemaClass<{
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
}>, import("effect/Schema").Struct<{
    watchId: typeof import("effect/Schema").String;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/unwatch", import("effect/Schema").Struct<{
    watchId: typeof import("effect/Schema").String;
}>, import("effect/Schema").Struct<{}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/walk", import("effect/Schema").Struct<{
    path: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").String, never>;
    options: import("effect/Schema").Struct<{
        maxDepth: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
        maxDirectories: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
        maxEntries: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
        followDirectorySymlinks: typeof import("effect/Schema").Boolean;
        pruneHiddenDirectories: import("effect/Schema").optionalWith<typeof import("effect/Schema").Boolean, {
            default: () => false;
            nullable: true;
        }>;
    }>;
    sandbox: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").Unknown, import("effect/Schema").Union<[import("effect/Schema").SchemaClass<{
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
    }, never>, import("effect/Schema").SchemaClass<{
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
}>, import("effect/Schema").Struct<{
    entries: import("effect/Schema").Array$<import("effect/Schema").Struct<{
        path: typeof import("effect/Schema").String;
        kind: import("effect/Schema").Literal<["directory", "file"]>;
    }>>;
    errors: import("effect/Schema").Array$<import("effect/Schema").Struct<{
        path: typeof import("effect/Schema").String;
        message: typeof import("effect/Schema").String;
    }>>;
    truncated: typeof import("effect/Schema").Boolean;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/canonicalize", import("effect/Schema").Struct<{
    path: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").String, never>;
    sandbox: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").Unknown, import("effect/Schema").Union<[import("effect/Schema").SchemaClass<{
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
    }, never>, import("effect/Schema").SchemaClass<{
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
}>, import("effect/Schema").Struct<{
    path: typeof import("effect/Schema").String;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/open", import("effect/Schema").Struct<{
    handleId: import("effect/Schema").filter<import("effect/Schema").filter<typeof import("effect/Schema").String>>;
    path: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").String, never>;
    mode: import("effect/Schema").optionalWith<import("effect/Schema").Literal<["read", "replace"]>, {
        default: () => "read";
        nullable: true;
    }>;
    sandbox: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").Unknown, import("effect/Schema").Union<[import("effect/Schema").SchemaClass<{
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
    }, never>, import("effect/Schema").SchemaClass<{
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
}>, import("effect/Schema").Struct<{
    handleId: typeof import("effect/Schema").String;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/readBlock", import("effect/Schema").Struct<{
    handleId: import("effect/Schema").filter<import("effect/Schema").filter<typeof import("effect/Schema").String>>;
    offset: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    len: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
}>, import("effect/Schema").Struct<{
    chunk: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").Uint8ArrayFromSelf, never>;
    eof: typeof import("effect/Schema").Boolean;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/writeBlock", import("effect/Schema").Struct<{
    handleId: import("effect/Schema").filter<import("effect/Schema").filter<typeof import("effect/Schema").String>>;
    offset: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    chunk: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").Uint8ArrayFromSelf, never>;
}>, import("effect/Schema").Struct<{}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"fs/close", import("effect/Schema").Struct<{
    handleId: import("effect/Schema").filter<import("effect/Schema").filter<typeof import("effect/Schema").String>>;
    discard: import("effect/Schema").optionalWith<typeof import("effect/Schema").Boolean, {
        default: () => false;
        nullable: true;
    }>;
}>, import("effect/Schema").Struct<{}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never> | Rpc.Rpc<"http/request", import("effect/Schema").Struct<{
    method: typeof import("effect/Schema").String;
    url: typeof import("effect/Schema").String;
    headers: import("effect/Schema").optionalWith<import("effect/Schema").Array$<import("effect/Schema").Struct<{
        name: typeof import("effect/Schema").String;
        value: import("effect/Schema").optionalWith<typeof import("effect/Schema").String, {
            default: () => string;
        }>;
        valueEnvVar: import("effect/Schema").optionalWith<typeof import("effect/Schema").String, {
            nullable: true;
        }>;
    }>>, {
        default: () => never[];
        nullable: true;
    }>;
    bodyBase64: import("effect/Schema").optionalWith<import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").Uint8ArrayFromSelf, never>, {
        nullable: true;
    }>;
    timeoutMs: import("effect/Schema").optionalWith<import("effect/Schema").filter<typeof import("effect/Schema").Int>, {
        nullable: true;
    }>;
    redirectPolicy: import("effect/Schema").optionalWith<import("effect/Schema").Literal<["follow", "stop"]>, {
        default: () => "follow";
        nullable: true;
    }>;
    requestId: typeof import("effect/Schema").String;
    streamResponse: import("effect/Schema").optionalWith<typeof import("effect/Schema").Boolean, {
        default: () => false;
        nullable: true;
    }>;
}>, import("effect/Schema").Struct<{
    status: typeof import("effect/Schema").Int;
    headers: import("effect/Schema").Array$<import("effect/Schema").Struct<{
        name: typeof import("effect/Schema").String;
        value: typeof import("effect/Schema").String;
    }>>;
    bodyBase64: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").Uint8ArrayFromSelf, never>;
}>, import("effect/Schema").Union<[typeof import("./errors.js").InvalidRequest, typeof import("./errors.js").InvalidParams, typeof import("./errors.js").MethodNotFound, typeof import("./errors.js").InternalError, typeof import("./errors.js").NotFound, typeof import("./errors.js").SandboxDenied, typeof import("./errors.js").SandboxUnavailable, typeof import("./errors.js").SpawnNotFound, typeof import("./errors.js").ServerBusy]>, never>>;
/** @see ExecServerRpcs */
export type ExecServerRpcs = RpcGroup.Rpcs<typeof ExecServerRpcs>;
declare const ClientNotificationRpcs_base: RpcGroup.RpcGroup<Rpc.Rpc<"initialized", import("effect/Schema").Struct<{}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never>>;
/** Notifications a client sends (no response): `initialized`. */
export declare class ClientNotificationRpcs extends ClientNotificationRpcs_base {
}
declare const ServerNotificationRpcs_base: RpcGroup.RpcGroup<Rpc.Rpc<"process/output", import("effect/Schema").Struct<{
    processId: typeof import("effect/Schema").String;
    seq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    stream: import("effect/Schema").Literal<["stdout", "stderr", "pty"]>;
    chunk: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").Uint8ArrayFromSelf, never>;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"process/exited", import("effect/Schema").Struct<{
    processId: typeof import("effect/Schema").String;
    seq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    exitCode: typeof import("effect/Schema").Int;
    signal: import("effect/Schema").NullOr<typeof import("effect/Schema").String>;
    sandboxDenied: typeof import("effect/Schema").Boolean;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"process/closed", import("effect/Schema").Struct<{
    processId: typeof import("effect/Schema").String;
    seq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"fs/missingChanged", import("effect/Schema").Struct<{
    watchId: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"fs/changed", import("effect/Schema").Struct<{
    watchId: typeof import("effect/Schema").String;
    changes: import("effect/Schema").Array$<import("effect/Schema").Struct<{
        path: typeof import("effect/Schema").String;
        kind: import("effect/Schema").Literal<["created", "modified", "removed"]>;
    }>>;
    overflow: typeof import("effect/Schema").Boolean;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"http/request/bodyDelta", import("effect/Schema").Struct<{
    requestId: typeof import("effect/Schema").String;
    seq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    deltaBase64: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").Uint8ArrayFromSelf, never>;
    done: typeof import("effect/Schema").Boolean;
    error: import("effect/Schema").NullOr<typeof import("effect/Schema").String>;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never>>;
/** Notifications the server pushes: process events, and a missing-path watch that fired. */
export declare class ServerNotificationRpcs extends ServerNotificationRpcs_base {
}
/** The `process/output` notification. */
export declare const ProcessOutput: Rpc.Rpc<"process/output", import("effect/Schema").Struct<{
    processId: typeof import("effect/Schema").String;
    seq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    stream: import("effect/Schema").Literal<["stdout", "stderr", "pty"]>;
    chunk: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").Uint8ArrayFromSelf, never>;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"process/exited", import("effect/Schema").Struct<{
    processId: typeof import("effect/Schema").String;
    seq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    exitCode: typeof import("effect/Schema").Int;
    signal: import("effect/Schema").NullOr<typeof import("effect/Schema").String>;
    sandboxDenied: typeof import("effect/Schema").Boolean;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"process/closed", import("effect/Schema").Struct<{
    processId: typeof import("effect/Schema").String;
    seq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"fs/missingChanged", import("effect/Schema").Struct<{
    watchId: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"fs/changed", import("effect/Schema").Struct<{
    watchId: typeof import("effect/Schema").String;
    changes: import("effect/Schema").Array$<import("effect/Schema").Struct<{
        path: typeof import("effect/Schema").String;
        kind: import("effect/Schema").Literal<["created", "modified", "removed"]>;
    }>>;
    overflow: typeof import("effect/Schema").Boolean;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"http/request/bodyDelta", import("effect/Schema").Struct<{
    requestId: typeof import("effect/Schema").String;
    seq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    deltaBase64: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").Uint8ArrayFromSelf, never>;
    done: typeof import("effect/Schema").Boolean;
    error: import("effect/Schema").NullOr<typeof import("effect/Schema").String>;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never>;
/** The `process/exited` notification. */
export declare const ProcessExited: Rpc.Rpc<"process/output", import("effect/Schema").Struct<{
    processId: typeof import("effect/Schema").String;
    seq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    stream: import("effect/Schema").Literal<["stdout", "stderr", "pty"]>;
    chunk: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").Uint8ArrayFromSelf, never>;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"process/exited", import("effect/Schema").Struct<{
    processId: typeof import("effect/Schema").String;
    seq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    exitCode: typeof import("effect/Schema").Int;
    signal: import("effect/Schema").NullOr<typeof import("effect/Schema").String>;
    sandboxDenied: typeof import("effect/Schema").Boolean;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"process/closed", import("effect/Schema").Struct<{
    processId: typeof import("effect/Schema").String;
    seq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"fs/missingChanged", import("effect/Schema").Struct<{
    watchId: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"fs/changed", import("effect/Schema").Struct<{
    watchId: typeof import("effect/Schema").String;
    changes: import("effect/Schema").Array$<import("effect/Schema").Struct<{
        path: typeof import("effect/Schema").String;
        kind: import("effect/Schema").Literal<["created", "modified", "removed"]>;
    }>>;
    overflow: typeof import("effect/Schema").Boolean;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"http/request/bodyDelta", import("effect/Schema").Struct<{
    requestId: typeof import("effect/Schema").String;
    seq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    deltaBase64: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").Uint8ArrayFromSelf, never>;
    done: typeof import("effect/Schema").Boolean;
    error: import("effect/Schema").NullOr<typeof import("effect/Schema").String>;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never>;
/** The `process/closed` notification. */
export declare const ProcessClosed: Rpc.Rpc<"process/output", import("effect/Schema").Struct<{
    processId: typeof import("effect/Schema").String;
    seq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    stream: import("effect/Schema").Literal<["stdout", "stderr", "pty"]>;
    chunk: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").Uint8ArrayFromSelf, never>;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"process/exited", import("effect/Schema").Struct<{
    processId: typeof import("effect/Schema").String;
    seq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    exitCode: typeof import("effect/Schema").Int;
    signal: import("effect/Schema").NullOr<typeof import("effect/Schema").String>;
    sandboxDenied: typeof import("effect/Schema").Boolean;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"process/closed", import("effect/Schema").Struct<{
    processId: typeof import("effect/Schema").String;
    seq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"fs/missingChanged", import("effect/Schema").Struct<{
    watchId: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"fs/changed", import("effect/Schema").Struct<{
    watchId: typeof import("effect/Schema").String;
    changes: import("effect/Schema").Array$<import("effect/Schema").Struct<{
        path: typeof import("effect/Schema").String;
        kind: import("effect/Schema").Literal<["created", "modified", "removed"]>;
    }>>;
    overflow: typeof import("effect/Schema").Boolean;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"http/request/bodyDelta", import("effect/Schema").Struct<{
    requestId: typeof import("effect/Schema").String;
    seq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    deltaBase64: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").Uint8ArrayFromSelf, never>;
    done: typeof import("effect/Schema").Boolean;
    error: import("effect/Schema").NullOr<typeof import("effect/Schema").String>;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never>;
/** The `http/request/bodyDelta` notification. */
export declare const HttpBodyDelta: Rpc.Rpc<"process/output", import("effect/Schema").Struct<{
    processId: typeof import("effect/Schema").String;
    seq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    stream: import("effect/Schema").Literal<["stdout", "stderr", "pty"]>;
    chunk: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").Uint8ArrayFromSelf, never>;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"process/exited", import("effect/Schema").Struct<{
    processId: typeof import("effect/Schema").String;
    seq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    exitCode: typeof import("effect/Schema").Int;
    signal: import("effect/Schema").NullOr<typeof import("effect/Schema").String>;
    sandboxDenied: typeof import("effect/Schema").Boolean;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"process/closed", import("effect/Schema").Struct<{
    processId: typeof import("effect/Schema").String;
    seq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"fs/missingChanged", import("effect/Schema").Struct<{
    watchId: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"fs/changed", import("effect/Schema").Struct<{
    watchId: typeof import("effect/Schema").String;
    changes: import("effect/Schema").Array$<import("effect/Schema").Struct<{
        path: typeof import("effect/Schema").String;
        kind: import("effect/Schema").Literal<["created", "modified", "removed"]>;
    }>>;
    overflow: typeof import("effect/Schema").Boolean;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"http/request/bodyDelta", import("effect/Schema").Struct<{
    requestId: typeof import("effect/Schema").String;
    seq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    deltaBase64: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").Uint8ArrayFromSelf, never>;
    done: typeof import("effect/Schema").Boolean;
    error: import("effect/Schema").NullOr<typeof import("effect/Schema").String>;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never>;
/** The `fs/changed` notification. */
export declare const PathsChanged: Rpc.Rpc<"process/output", import("effect/Schema").Struct<{
    processId: typeof import("effect/Schema").String;
    seq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    stream: import("effect/Schema").Literal<["stdout", "stderr", "pty"]>;
    chunk: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").Uint8ArrayFromSelf, never>;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"process/exited", import("effect/Schema").Struct<{
    processId: typeof import("effect/Schema").String;
    seq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    exitCode: typeof import("effect/Schema").Int;
    signal: import("effect/Schema").NullOr<typeof import("effect/Schema").String>;
    sandboxDenied: typeof import("effect/Schema").Boolean;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"process/closed", import("effect/Schema").Struct<{
    processId: typeof import("effect/Schema").String;
    seq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"fs/missingChanged", import("effect/Schema").Struct<{
    watchId: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"fs/changed", import("effect/Schema").Struct<{
    watchId: typeof import("effect/Schema").String;
    changes: import("effect/Schema").Array$<import("effect/Schema").Struct<{
        path: typeof import("effect/Schema").String;
        kind: import("effect/Schema").Literal<["created", "modified", "removed"]>;
    }>>;
    overflow: typeof import("effect/Schema").Boolean;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"http/request/bodyDelta", import("effect/Schema").Struct<{
    requestId: typeof import("effect/Schema").String;
    seq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    deltaBase64: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").Uint8ArrayFromSelf, never>;
    done: typeof import("effect/Schema").Boolean;
    error: import("effect/Schema").NullOr<typeof import("effect/Schema").String>;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never>;
/** The `fs/missingChanged` notification. */
export declare const MissingChanged: Rpc.Rpc<"process/output", import("effect/Schema").Struct<{
    processId: typeof import("effect/Schema").String;
    seq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    stream: import("effect/Schema").Literal<["stdout", "stderr", "pty"]>;
    chunk: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").Uint8ArrayFromSelf, never>;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"process/exited", import("effect/Schema").Struct<{
    processId: typeof import("effect/Schema").String;
    seq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    exitCode: typeof import("effect/Schema").Int;
    signal: import("effect/Schema").NullOr<typeof import("effect/Schema").String>;
    sandboxDenied: typeof import("effect/Schema").Boolean;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"process/closed", import("effect/Schema").Struct<{
    processId: typeof import("effect/Schema").String;
    seq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"fs/missingChanged", import("effect/Schema").Struct<{
    watchId: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"fs/changed", import("effect/Schema").Struct<{
    watchId: typeof import("effect/Schema").String;
    changes: import("effect/Schema").Array$<import("effect/Schema").Struct<{
        path: typeof import("effect/Schema").String;
        kind: import("effect/Schema").Literal<["created", "modified", "removed"]>;
    }>>;
    overflow: typeof import("effect/Schema").Boolean;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never> | Rpc.Rpc<"http/request/bodyDelta", import("effect/Schema").Struct<{
    requestId: typeof import("effect/Schema").String;
    seq: import("effect/Schema").filter<typeof import("effect/Schema").Int>;
    deltaBase64: import("effect/Schema").transformOrFail<typeof import("effect/Schema").String, typeof import("effect/Schema").Uint8ArrayFromSelf, never>;
    done: typeof import("effect/Schema").Boolean;
    error: import("effect/Schema").NullOr<typeof import("effect/Schema").String>;
}>, typeof import("effect/Schema").Void, typeof import("effect/Schema").Never, never>;
export {};
//# sourceMappingURL=rpcs.d.ts.map