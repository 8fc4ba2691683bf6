/**
 * The managed network proxy's decisions by host, against what the reference
 * (codex 0.169) was seen to do (docs/PROTOCOL.md, "The managed network
 * proxy"): each case below is a probe's outcome.
 */
import { describe, expect, it } from "vitest"
import { addressRefusal, isNonPublicAddress, makePolicy, normalizeHost, policyProblem, type PolicyOptions } from "../../src/network/hostPolicy.js"

const policy = (options: Partial<PolicyOptions>) =>
  makePolicy({ domains: {}, reviewDomains: [], allowLocalBinding: false, askClient: false, ...options })

describe("the network policy", () => {
  it("matches *. to subdomains only and **. to the apex too, as the reference", () => {
    const sub = policy({ domains: { "*.localtest.me": "allow" } })
    expect(sub("localtest.me")).toEqual({ _tag: "Refuse", reason: "not_allowed" })
    expect(sub("a.localtest.me")).toEqual({ _tag: "Allow", checkAddresses: true })
    expect(sub("b.a.localtest.me")).toEqual({ _tag: "Allow", checkAddresses: true })
    expect(sub("xlocaltest.me")).toEqual({ _tag: "Refuse", reason: "not_allowed" })
    const apex = policy({ domains: { "**.localtest.me": "allow" } })
    expect(apex("localtest.me")).toEqual({ _tag: "Allow", checkAddresses: true })
    expect(apex("a.localtest.me")).toEqual({ _tag: "Allow", checkAddresses: true })
  })

  it("reaches a local address by an exact localhost or IP literal only; any other allowed name is checked once resolved", () => {
    const rules = policy({ domains: { localhost: "allow", "127.0.0.1": "allow", "probe.test": "allow", "[::1]": "allow" } })
    expect(rules("localhost")).toEqual({ _tag: "Allow", checkAddresses: false })
    expect(rules("127.0.0.1")).toEqual({ _tag: "Allow", checkAddresses: false })
    expect(rules("[::1]:8080")).toEqual({ _tag: "Allow", checkAddresses: false })
    // probe.test resolved to 127.0.0.1 on the reference: refused not_allowed_local.
    expect(rules("probe.test")).toEqual({ _tag: "Allow", checkAddresses: true })
    expect(addressRefusal(["127.0.0.1"], false)).toBe("not_allowed_local")
    // A name that does not resolve fails closed (a.example.invalid on the reference).
    expect(addressRefusal([], false)).toBe("not_allowed_local")
    expect(addressRefusal([], true)).toBe("not_allowed_local")
    expect(addressRefusal(["93.184.215.14"], false)).toBeUndefined()
    expect(addressRefusal(["93.184.215.14", "10.1.2.3"], false)).toBe("not_allowed_local")
    expect(addressRefusal(["10.1.2.3"], true)).toBeUndefined()
    // With local binding allowed, nothing is checked.
    expect(policy({ domains: { "probe.test": "allow" }, allowLocalBinding: true })("probe.test")).toEqual({ _tag: "Allow", checkAddresses: false })
  })

  it("denies first, refuses an unlisted local host without asking, and asks about other unlisted hosts only when the client decides", () => {
    const rules = policy({ domains: { "**.example.com": "allow", "evil.example.com": "deny", "*.localhost": "allow", "quiet.test": "none" } })
    expect(rules("evil.example.com")).toEqual({ _tag: "Refuse", reason: "denied" })
    expect(rules("good.example.com")).toEqual({ _tag: "Allow", checkAddresses: true })
    expect(rules("localhost")).toEqual({ _tag: "Refuse", reason: "not_allowed_local" })
    expect(rules("10.0.0.7")).toEqual({ _tag: "Refuse", reason: "not_allowed_local" })
    expect(rules("quiet.test")).toEqual({ _tag: "Refuse", reason: "not_allowed" })
    expect(rules("example.org")).toEqual({ _tag: "Refuse", reason: "not_allowed" })
    const asking = policy({ domains: { "evil.example.com": "deny" }, askClient: true })
    expect(asking("example.org")).toEqual({ _tag: "Ask", checkAddresses: true })
    expect(asking("localhost")).toEqual({ _tag: "Refuse", reason: "not_allowed_local" })
    expect(asking("evil.example.com")).toEqual({ _tag: "Refuse", reason: "denied" })
  })

  it("asks about a host to review even when a rule allows it (localhost on the reference), but never about a denied one", () => {
    const rules = policy({ domains: { localhost: "allow", "bad.test": "deny" }, reviewDomains: ["localhost", "bad.test"], askClient: true })
    // An allow from the client keeps the rule's check: an exact localhost is reached as it is.
    expect(rules("localhost")).toEqual({ _tag: "Ask", checkAddresses: false })
    expect(rules("bad.test")).toEqual({ _tag: "Refuse", reason: "denied" })
    // An unlisted local host is refused without asking, even when reviewed (probed).
    const unlisted = policy({ domains: {}, reviewDomains: ["localhost", "127.0.0.1"], askClient: true })
    expect(unlisted("localhost")).toEqual({ _tag: "Refuse", reason: "not_allowed_local" })
    expect(unlisted("127.0.0.1")).toEqual({ _tag: "Refuse", reason: "not_allowed_local" })
    // Without a client to ask, a host to review is refused, though a rule allows it (probed on 0.171).
    const unasked = policy({ domains: { localhost: "allow", "bad.test": "deny" }, reviewDomains: ["localhost", "bad.test", "127.0.0.1"] })
    expect(unasked("localhost")).toEqual({ _tag: "Refuse", reason: "not_allowed" })
    expect(unasked("127.0.0.1")).toEqual({ _tag: "Refuse", reason: "not_allowed" })
    expect(unasked("bad.test")).toEqual({ _tag: "Refuse", reason: "denied" })
  })

  it("compares hosts as the reference normalizes them, and refuses a global * among the denials", () => {
    expect(normalizeHost(" Example.COM. ")).toBe("example.com")
    expect(normalizeHost("example.com:443")).toBe("example.com")
    expect(normalizeHost("[::1]:80")).toBe("::1")
    expect(normalizeHost("fe80::1")).toBe("fe80::1")
    expect(policy({ domains: { "Example.COM.": "allow" } })("example.com")).toEqual({ _tag: "Allow", checkAddresses: true })
    expect(policy({ domains: { "region*.v2.argotunnel.com": "deny" } })("region1.v2.argotunnel.com")).toEqual({ _tag: "Refuse", reason: "denied" })
    expect(policy({ domains: { "region*.v2.argotunnel.com": "deny" } })("xregion1.v2.argotunnel.com")).toEqual({ _tag: "Refuse", reason: "not_allowed" })
    expect(policy({ domains: { "*": "allow" } })("anything.example")).toEqual({ _tag: "Allow", checkAddresses: true })
    expect(policyProblem({ "*": "deny" })).toBe(
      "invalid network proxy config: invalid value for network.denied_domains: * (allowed exact hosts or scoped wildcards like *.example.com or **.example.com)"
    )
    expect(policyProblem({ "*": "allow", "*.x.test": "deny" })).toBeUndefined()
  })

  it("counts loopback, private, link-local, CGNAT, documentation, multicast and reserved addresses as not public, IPv4-mapped ones too, every IPv4-compatible one (::/96), and NAT64 and 6to4 ones by the IPv4 address they embed", () => {
    for (const address of ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "192.0.2.1", "198.18.0.1", "203.0.113.9", "224.0.0.1", "255.255.255.255", "::1", "::", "fc00::1", "fd12::1", "fe80::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:7f00:1", "::127.0.0.1", "::7f00:1", "::8.8.8.8", "64:ff9b::7f00:1", "64:ff9b::10.0.0.1", "64:ff9b:1::808:808", "2002:7f00:1::1"]) {
      expect(isNonPublicAddress(address), address).toBe(true)
    }
    for (const address of ["93.184.215.14", "8.8.8.8", "172.32.0.1", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"]) {
      expect(isNonPublicAddress(address), address).toBe(false)
    }
  })
})
