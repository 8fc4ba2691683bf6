/** A host name (lower case; an IPv6 address without brackets, in canonical form) and the port, if one was given. */
export interface HostAndPort {
    readonly name: string;
    readonly port: number | undefined;
}
/** Splits a `Host` header value (or an `--allow-host` value); undefined when it is not `NAME[:PORT]` or `[IPv6][:PORT]`. */
export declare const parseHost: (value: string) => HostAndPort | undefined;
/**
 * Parses an `--allow-host` value: a host name or IP address (IPv6 in
 * brackets), optionally with a port. A message when it is not one.
 */
export declare const parseAllowedHost: (value: string) => HostAndPort | string;
/** True for the addresses that listen on every interface. */
export declare const isWildcard: (host: string) => boolean;
/**
 * Whether a request's `Host` header names this server: `localhost`, the
 * address it listens on (any IP address when that is a wildcard: an IP
 * literal cannot be rebound), or an allowed name. Names compare without
 * regard to case; the port is compared only when the allowed name has one
 * (tunnels and port mappings change it, and rebinding is about names). A
 * missing or malformed `Host` is not allowed.
 */
export declare const hostAllowed: (header: string | undefined, listenHost: string, allowHosts: ReadonlyArray<HostAndPort>) => boolean;
//# sourceMappingURL=hostHeader.d.ts.map