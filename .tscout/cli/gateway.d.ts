/**
 * `exec-server gateway`: a WebSocket listener whose `/env/ID` endpoints are
 * the environments of remote executors (src/gateway/Gateway.ts), with the
 * server's listener flags and the executor's NATS flags.
 */
import * as Command from "@effect/cli/Command";
import * as Option from "effect/Option";
import * as WebSocketListen from "./webSocketListen.js";
/** The gateway subcommand. */
export declare const gatewayCommand: Command.Command<"gateway", never, import("../jsonrpc/Transport.js").TransportError | WebSocketListen.ListenUrlError, {
    readonly natsCreds: Option.Option<string>;
    readonly natsUser: Option.Option<string>;
    readonly natsPasswordFile: Option.Option<string>;
    readonly natsTokenFile: Option.Option<string>;
    readonly natsTlsCa: Option.Option<string>;
    readonly natsTlsCert: Option.Option<string>;
    readonly natsTlsKey: Option.Option<string>;
    readonly maxConnections: number;
    readonly maxPendingUpgrades: number;
    readonly upgradeTimeoutMs: number;
    readonly pingIntervalMs: number;
    readonly wsAuth: Option.Option<"capability-token" | "signed-bearer-token">;
    readonly wsTokenFile: Option.Option<string>;
    readonly wsTokenSha256: Option.Option<string>;
    readonly wsSharedSecretFile: Option.Option<string>;
    readonly wsIssuer: Option.Option<string>;
    readonly wsAudience: Option.Option<string>;
    readonly wsMaxClockSkewSeconds: Option.Option<number>;
    readonly insecureNoAuth: boolean;
    readonly allowOrigin: string[];
    readonly allowHost: string[];
    readonly listen: Option.Option<string>;
    readonly connect: Option.Option<string>;
    readonly maxMessageBytes: number;
    readonly logFormat: "text" | "json";
}>;
//# sourceMappingURL=gateway.d.ts.map