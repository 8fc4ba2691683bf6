import * as Net from "node:net"
import type { NetworkProxyLaunch } from "../../src/protocol/networkSchema.js"

/** `process/start.networkProxy` on the wire. */
export type NetworkProxyLaunchWire = typeof NetworkProxyLaunch.Encoded

/**
 * `process/start.networkProxy` as a raw client sends it: the reference's
 * required fields (a proxy enabled, SOCKS5 off, local binding off, full
 * mode), with the test's own laid over them.
 */
export const launchOf = (
  proxy: Partial<NetworkProxyLaunchWire["proxy"]> = {},
  launch: Partial<Omit<NetworkProxyLaunchWire, "proxy">> = {}
): NetworkProxyLaunchWire => ({
  proxy: {
    enabled: true,
    enableSocks5: false,
    enableSocks5Udp: false,
    allowUpstreamProxy: false,
    dangerouslyAllowAllUnixSockets: false,
    mode: "full",
    allowLocalBinding: false,
    ...proxy
  },
  ...launch
})

/** What the client answers about each host in the proxies' "asks the client" cases. */
export const CLIENT_ANSWERS = {
  "yes.test": { type: "allow" },
  "no.test": { type: "deny", reason: "not today" },
  "maybe.test": { type: "ask", reason: "a person decides" },
  "broken.test": { type: "error" }
} as const

/** Each of those hosts resolving to loopback (the answers' cases allow local binding). */
export const ANSWERED_NAMES: Record<string, ReadonlyArray<string>> = Object.fromEntries(Object.keys(CLIENT_ANSWERS).map((host) => [host, ["127.0.0.1"]]))

/** The notes those answers give, as [host, decision, source, reason, policyOverride]: the reference reports a client's allow as overriding not_allowed. */
export const ANSWER_NOTES = [
  ["yes.test", "allow", "decider", "not_allowed", true],
  ["no.test", "deny", "decider", "not today", false],
  ["maybe.test", "ask", "decider", "a person decides", false],
  ["broken.test", "deny", "decider", "not_allowed", false]
]

/** Both ends of a Unix socket connection at `path`: what the sandbox bridge would hand a proxy, and the child's end. */
export const unixSocketPair = async (path: string): Promise<{ readonly handed: Net.Socket; readonly child: Net.Socket }> => {
  const server = Net.createServer()
  await new Promise<void>((resolve) => server.listen(path, resolve))
  const accepted = new Promise<Net.Socket>((resolve) => server.once("connection", resolve))
  const child = Net.connect(path)
  const handed = await accepted
  server.close()
  return { handed, child }
}
