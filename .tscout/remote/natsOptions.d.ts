/** How to authenticate to NATS: none, a creds file (JWT + nkey seed), a user and password, or a token. */
export type NatsAuth = {
    readonly _tag: "None";
} | {
    readonly _tag: "Creds";
    readonly credsFile: string;
} | {
    readonly _tag: "UserPassword";
    readonly user: string;
    readonly passwordFile: string;
} | {
    readonly _tag: "Token";
    readonly tokenFile: string;
};
/** TLS towards NATS: a CA to trust, and a client certificate and key for mutual TLS. */
export interface NatsTls {
    readonly caFile?: string | undefined;
    readonly certFile?: string | undefined;
    readonly keyFile?: string | undefined;
}
/** Where and how to connect. */
export interface NatsConnectOptions {
    /** `nats://HOST:PORT` URLs (or `HOST:PORT`); the client may use any of them. */
    readonly servers: ReadonlyArray<string>;
    readonly auth?: NatsAuth | undefined;
    readonly tls?: NatsTls | undefined;
    /** The connection's name, as the NATS server's monitor shows it. */
    readonly name?: string | undefined;
    /** How long one connection attempt may take (ms, default 2000): a stopped node still accepts TCP connections. */
    readonly connectTimeoutMs?: number | undefined;
    /** Ping interval (ms, default 2 s); two unanswered pings drop the node. */
    readonly pingIntervalMs?: number | undefined;
}
declare const NatsConnectError_base: new <A extends Record<string, any> = {}>(args: import("effect/Types").VoidIfEmpty<{ readonly [P in keyof A as P extends "_tag" ? never : P]: A[P]; }>) => import("effect/Cause").YieldableError & {
    readonly _tag: "RemoteNatsConnectError";
} & Readonly<A>;
/** The cluster could not be reached, refused the credentials, or a credential file could not be read. */
export declare class NatsConnectError extends NatsConnectError_base<{
    readonly reason: "credentials" | "connect";
    readonly message: string;
}> {
}
export {};
//# sourceMappingURL=natsOptions.d.ts.map