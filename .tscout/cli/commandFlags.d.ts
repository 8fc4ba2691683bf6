import { configFlags, sandboxFlags } from "../server/ServerFlags.js";
export { configFlags, sandboxFlags };
export type { Flag } from "../server/ServerFlags.js";
/** The flags of the WebSocket listener and its clients' authentication. */
export declare const webSocketFlags: {
    readonly maxConnections: import("../server/ServerFlags.js").IntegerFlag;
    readonly maxPendingUpgrades: import("../server/ServerFlags.js").IntegerFlag;
    readonly upgradeTimeoutMs: import("../server/ServerFlags.js").IntegerFlag;
    readonly pingIntervalMs: import("../server/ServerFlags.js").IntegerFlag;
    readonly wsAuth: import("../server/ServerFlags.js").OptionalChoiceFlag<"capability-token" | "signed-bearer-token">;
    readonly wsTokenFile: import("../server/ServerFlags.js").OptionalFileFlag;
    readonly wsTokenSha256: import("../server/ServerFlags.js").OptionalTextFlag;
    readonly wsSharedSecretFile: import("../server/ServerFlags.js").OptionalFileFlag;
    readonly wsIssuer: import("../server/ServerFlags.js").OptionalTextFlag;
    readonly wsAudience: import("../server/ServerFlags.js").OptionalTextFlag;
    readonly wsMaxClockSkewSeconds: {
        _tag: "OptionalInteger";
        name: string;
        metavar: string;
        impliedDefault: number;
        minimum: number;
        help: string;
    };
    readonly insecureNoAuth: import("../server/ServerFlags.js").SwitchFlag & {
        readonly help: "allow a non-loopback `--listen` without authentication";
    };
    readonly allowOrigin: import("../server/ServerFlags.js").RepeatedTextFlag;
    readonly allowHost: import("../server/ServerFlags.js").RepeatedTextFlag;
};
/** NATS credentials and TLS: the executor's (`--connect`) and the client subcommands' (`nats://` URLs) alike. */
export declare const natsFlags: {
    readonly natsCreds: import("../server/ServerFlags.js").OptionalFileFlag;
    readonly natsUser: import("../server/ServerFlags.js").OptionalTextFlag;
    readonly natsPasswordFile: import("../server/ServerFlags.js").OptionalFileFlag;
    readonly natsTokenFile: import("../server/ServerFlags.js").OptionalFileFlag;
    readonly natsTlsCa: import("../server/ServerFlags.js").OptionalFileFlag;
    readonly natsTlsCert: import("../server/ServerFlags.js").OptionalFileFlag;
    readonly natsTlsKey: import("../server/ServerFlags.js").OptionalFileFlag;
};
/** Executor mode: serving an environment through a NATS cluster. */
export declare const executorFlags: {
    readonly natsCreds: import("../server/ServerFlags.js").OptionalFileFlag;
    readonly natsUser: import("../server/ServerFlags.js").OptionalTextFlag;
    readonly natsPasswordFile: import("../server/ServerFlags.js").OptionalFileFlag;
    readonly natsTokenFile: import("../server/ServerFlags.js").OptionalFileFlag;
    readonly natsTlsCa: import("../server/ServerFlags.js").OptionalFileFlag;
    readonly natsTlsCert: import("../server/ServerFlags.js").OptionalFileFlag;
    readonly natsTlsKey: import("../server/ServerFlags.js").OptionalFileFlag;
    readonly connect: import("../server/ServerFlags.js").OptionalTextFlag;
    readonly environmentId: import("../server/ServerFlags.js").OptionalTextFlag;
    readonly name: import("../server/ServerFlags.js").OptionalTextFlag;
};
/** Every flag of the server command, in the order of `--help` and the docs table. */
export declare const serverFlags: {
    readonly sandbox: import("../server/ServerFlags.js").SwitchFlag & {
        readonly help: "run every process and fs call under the operator's sandbox: the file system read-only, no network, unless the `--sandbox-*` flags say more; clients can narrow it, never widen it";
    };
    readonly sandboxWrite: import("../server/ServerFlags.js").RepeatedTextFlag;
    readonly sandboxReadOnly: import("../server/ServerFlags.js").RepeatedTextFlag;
    readonly sandboxDeny: import("../server/ServerFlags.js").RepeatedTextFlag;
    readonly sandboxNetwork: import("../server/ServerFlags.js").SwitchFlag & {
        readonly help: "let sandboxed processes use the network (implies `--sandbox`)";
    };
    readonly sandboxPolicy: import("../server/ServerFlags.js").OptionalFileFlag;
    readonly bwrap: import("../server/ServerFlags.js").OptionalTextFlag;
    readonly exitOnStdinClose: import("../server/ServerFlags.js").SwitchFlag & {
        readonly env: {
            readonly name: "CODEX_EXEC_SERVER_EXIT_ON_STDIN_CLOSE";
            readonly value: "true";
            readonly rule: "`true` or `false` only, else exit 2";
        };
        readonly help: "a WebSocket server stops (as on SIGTERM) when its stdin ends, for a parent that holds the pipe";
    };
    readonly noNative: import("../server/ServerFlags.js").SwitchFlag & {
        readonly env: {
            readonly name: "EXEC_SERVER_NATIVE";
            readonly value: "0";
            readonly rule: "`0` or `1` only, else exit 2";
        };
        readonly help: "do not load the native addon: pipe children start through Node's `child_process`, their output is read through Node's streams and encoded through Node's strings";
    };
    readonly maxConnections: import("../server/ServerFlags.js").IntegerFlag;
    readonly maxPendingUpgrades: import("../server/ServerFlags.js").IntegerFlag;
    readonly upgradeTimeoutMs: import("../server/ServerFlags.js").IntegerFlag;
    readonly pingIntervalMs: import("../server/ServerFlags.js").IntegerFlag;
    readonly wsAuth: import("../server/ServerFlags.js").OptionalChoiceFlag<"capability-token" | "signed-bearer-token">;
    readonly wsTokenFile: import("../server/ServerFlags.js").OptionalFileFlag;
    readonly wsTokenSha256: import("../server/ServerFlags.js").OptionalTextFlag;
    readonly wsSharedSecretFile: import("../server/ServerFlags.js").OptionalFileFlag;
    readonly wsIssuer: import("../server/ServerFlags.js").OptionalTextFlag;
    readonly wsAudience: import("../server/ServerFlags.js").OptionalTextFlag;
    readonly wsMaxClockSkewSeconds: {
        _tag: "OptionalInteger";
        name: string;
        metavar: string;
        impliedDefault: number;
        minimum: number;
        help: string;
    };
    readonly insecureNoAuth: import("../server/ServerFlags.js").SwitchFlag & {
        readonly help: "allow a non-loopback `--listen` without authentication";
    };
    readonly allowOrigin: import("../server/ServerFlags.js").RepeatedTextFlag;
    readonly allowHost: import("../server/ServerFlags.js").RepeatedTextFlag;
    readonly graceMs: import("../server/ServerFlags.js").IntegerFlag;
    readonly retainedOutputBytes: import("../server/ServerFlags.js").IntegerFlag;
    readonly retentionMs: import("../server/ServerFlags.js").IntegerFlag;
    readonly maxRetainedProcesses: import("../server/ServerFlags.js").IntegerFlag;
    readonly maxRetainedOutputBytes: import("../server/ServerFlags.js").IntegerFlag;
    readonly closeDrainMs: import("../server/ServerFlags.js").IntegerFlag;
    readonly maxMessageBytes: import("../server/ServerFlags.js").IntegerFlag;
    readonly maxInflightRequests: import("../server/ServerFlags.js").IntegerFlag;
    readonly maxInflightRequestBytes: import("../server/ServerFlags.js").IntegerFlag;
    readonly maxDetachTtlMs: import("../server/ServerFlags.js").IntegerFlag;
    readonly maxReadFileBytes: import("../server/ServerFlags.js").IntegerFlag;
    readonly maxProcesses: import("../server/ServerFlags.js").IntegerFlag;
    readonly maxFileHandles: import("../server/ServerFlags.js").IntegerFlag;
    readonly maxSessions: import("../server/ServerFlags.js").IntegerFlag;
    readonly maxLiveProcesses: import("../server/ServerFlags.js").IntegerFlag;
    readonly maxServerFileHandles: import("../server/ServerFlags.js").IntegerFlag;
    readonly maxLiveOutputBytes: import("../server/ServerFlags.js").IntegerFlag;
    readonly maxHttpResponseBytes: import("../server/ServerFlags.js").IntegerFlag;
    readonly outboundHighWaterMarkBytes: import("../server/ServerFlags.js").IntegerFlag;
    readonly logFormat: import("../server/ServerFlags.js").ChoiceFlag<"text" | "json">;
    readonly natsCreds: import("../server/ServerFlags.js").OptionalFileFlag;
    readonly natsUser: import("../server/ServerFlags.js").OptionalTextFlag;
    readonly natsPasswordFile: import("../server/ServerFlags.js").OptionalFileFlag;
    readonly natsTokenFile: import("../server/ServerFlags.js").OptionalFileFlag;
    readonly natsTlsCa: import("../server/ServerFlags.js").OptionalFileFlag;
    readonly natsTlsCert: import("../server/ServerFlags.js").OptionalFileFlag;
    readonly natsTlsKey: import("../server/ServerFlags.js").OptionalFileFlag;
    readonly connect: import("../server/ServerFlags.js").OptionalTextFlag;
    readonly environmentId: import("../server/ServerFlags.js").OptionalTextFlag;
    readonly name: import("../server/ServerFlags.js").OptionalTextFlag;
    readonly listen: import("../server/ServerFlags.js").OptionalTextFlag;
};
/** The gateway command's flags: a WebSocket listener's, and the NATS cluster's of the executors. */
export declare const gatewayFlags: {
    readonly natsCreds: import("../server/ServerFlags.js").OptionalFileFlag;
    readonly natsUser: import("../server/ServerFlags.js").OptionalTextFlag;
    readonly natsPasswordFile: import("../server/ServerFlags.js").OptionalFileFlag;
    readonly natsTokenFile: import("../server/ServerFlags.js").OptionalFileFlag;
    readonly natsTlsCa: import("../server/ServerFlags.js").OptionalFileFlag;
    readonly natsTlsCert: import("../server/ServerFlags.js").OptionalFileFlag;
    readonly natsTlsKey: import("../server/ServerFlags.js").OptionalFileFlag;
    readonly maxConnections: import("../server/ServerFlags.js").IntegerFlag;
    readonly maxPendingUpgrades: import("../server/ServerFlags.js").IntegerFlag;
    readonly upgradeTimeoutMs: import("../server/ServerFlags.js").IntegerFlag;
    readonly pingIntervalMs: import("../server/ServerFlags.js").IntegerFlag;
    readonly wsAuth: import("../server/ServerFlags.js").OptionalChoiceFlag<"capability-token" | "signed-bearer-token">;
    readonly wsTokenFile: import("../server/ServerFlags.js").OptionalFileFlag;
    readonly wsTokenSha256: import("../server/ServerFlags.js").OptionalTextFlag;
    readonly wsSharedSecretFile: import("../server/ServerFlags.js").OptionalFileFlag;
    readonly wsIssuer: import("../server/ServerFlags.js").OptionalTextFlag;
    readonly wsAudience: import("../server/ServerFlags.js").OptionalTextFlag;
    readonly wsMaxClockSkewSeconds: {
        _tag: "OptionalInteger";
        name: string;
        metavar: string;
        impliedDefault: number;
        minimum: number;
        help: string;
    };
    readonly insecureNoAuth: import("../server/ServerFlags.js").SwitchFlag & {
        readonly help: "allow a non-loopback `--listen` without authentication";
    };
    readonly allowOrigin: import("../server/ServerFlags.js").RepeatedTextFlag;
    readonly allowHost: import("../server/ServerFlags.js").RepeatedTextFlag;
    readonly listen: import("../server/ServerFlags.js").OptionalTextFlag;
    readonly connect: import("../server/ServerFlags.js").OptionalTextFlag;
    readonly maxMessageBytes: import("../server/ServerFlags.js").IntegerFlag;
    readonly logFormat: import("../server/ServerFlags.js").ChoiceFlag<"text" | "json">;
};
//# sourceMappingURL=commandFlags.d.ts.map