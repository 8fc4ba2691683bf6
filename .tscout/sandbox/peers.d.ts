/** The two ends of an accepted TCP connection, as Node reports them. */
export interface TcpEnds {
    readonly localAddress?: string | undefined;
    readonly localPort?: number | undefined;
    readonly remoteAddress?: string | undefined;
    readonly remotePort?: number | undefined;
}
/**
 * The pid of the sandboxed process holding the other end of the connection,
 * or undefined when no process in this server's sandboxes holds it (another
 * host, or a process outside them).
 */
export declare const sandboxedPeerOf: (ends: TcpEnds) => number | undefined;
//# sourceMappingURL=peers.d.ts.map