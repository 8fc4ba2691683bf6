/**
 * Whether the process at the other end of a TCP connection to this server
 * runs in one of its sandboxes. A sandbox with network shares the host's
 * network namespace, so it can reach the server's own listener; were it let
 * in, it could start unconfined processes, and a sandbox must never be a way
 * out of itself. The kernel knows who holds the other end: the socket's row
 * in /proc/net/tcp{,6} (whose local end is the connection's remote end)
 * names its inode, and a process holds it when one of its descriptors links
 * to `socket:[inode]`. Only this server's descendants in a PID namespace
 * other than its own (its sandboxes) and in its network namespace (those
 * with network) are searched.
 */
import * as Fs from "node:fs";
import * as Net from "node:net";
import { childrenOf, directoryEntries, linkTarget } from "./procfs.js";
/** An address in one canonical text form, IPv4 as IPv4-mapped IPv6 (a dual-stack listener sees IPv4 peers so). */
const canonical = (address) => {
    try {
        return new URL(`http://[${Net.isIPv4(address) ? `::ffff:${address}` : address}]`).hostname;
    }
    catch {
        return undefined;
    }
};
/** `address:port` of /proc/net/tcp's hex form (each 32-bit word of the address in this machine's little-endian order). */
const endOfRow = (hex) => {
    const [address, port] = hex.split(":");
    if (address === undefined || port === undefined)
        return undefined;
    const words = address.match(/.{8}/g) ?? [];
    const bytes = words.flatMap((word) => [...Buffer.from(word, "hex").reverse()]);
    const text = bytes.length === 4
        ? bytes.join(".")
        : Array.from({ length: 8 }, (_, index) => ((bytes[index * 2] << 8) | bytes[index * 2 + 1]).toString(16)).join(":");
    const normal = canonical(text);
    return normal === undefined ? undefined : `${normal}:${parseInt(port, 16)}`;
};
/** The inode of the socket whose local end is `local` and remote end `remote`, if this network namespace has it. */
const inodeOf = (local, remote) => {
    for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
        let text;
        try {
            text = Fs.readFileSync(table, "latin1");
        }
        catch {
            continue;
        }
        for (const line of text.split("\n").slice(1)) {
            const fields = line.trim().split(/\s+/);
            if (fields.length < 10)
                continue;
            if (endOfRow(fields[1]) === local && endOfRow(fields[2]) === remote)
                return fields[9];
        }
    }
    return undefined;
};
/** This process's descendants in another PID namespace and in its own network namespace: its sandboxes with network. */
const networkedSandboxedDescendants = () => {
    const ownPid = linkTarget("/proc/self/ns/pid");
    const ownNet = linkTarget("/proc/self/ns/net");
    const found = [];
    const pending = childrenOf(process.pid);
    for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
        if (linkTarget(`/proc/${pid}/ns/pid`) !== ownPid && linkTarget(`/proc/${pid}/ns/net`) === ownNet)
            found.push(pid);
        pending.push(...childrenOf(pid));
    }
    return found;
};
/**
 * The pid of the sandboxed process holding the other end of the connection,
 * or undefined when no process in this server's sandboxes holds it (another
 * host, or a process outside them).
 */
export const sandboxedPeerOf = (ends) => {
    const { localAddress, localPort, remoteAddress, remotePort } = ends;
    if (localAddress === undefined || remoteAddress === undefined)
        return undefined;
    const candidates = networkedSandboxedDescendants();
    if (candidates.length === 0)
        return undefined;
    const local = canonical(localAddress);
    const remote = canonical(remoteAddress);
    if (local === undefined || remote === undefined)
        return undefined;
    // The peer's socket: its local end is our remote end.
    const inode = inodeOf(`${remote}:${remotePort}`, `${local}:${localPort}`);
    if (inode === undefined)
        return undefined;
    const link = `socket:[${inode}]`;
    return candidates.find((pid) => directoryEntries(`/proc/${pid}/fd`).some((fd) => linkTarget(`/proc/${pid}/fd/${fd}`) === link));
};
//# sourceMappingURL=peers.js.map