/**
 * `--tcp-upstream-proxy`'s value as the reference reads it (the refusals
 * probed on codex 0.171, docs/PROTOCOL.md "The reference's command line"),
 * and which checked destinations may use the upstream.
 */
import { describe, expect, it } from "vitest"
import { parseTcpUpstreamProxy, upstreamTarget } from "../../src/network/tcpUpstream.js"

describe("parseTcpUpstreamProxy", () => {
  it("takes NAME:PORT, IPv4:PORT and [IPv6]:PORT", () => {
    expect(parseTcpUpstreamProxy("proxy.internal:3128")).toEqual({ host: "proxy.internal", port: 3128 })
    expect(parseTcpUpstreamProxy("10.0.0.1:8080")).toEqual({ host: "10.0.0.1", port: 8080 })
    expect(parseTcpUpstreamProxy("[::1]:9")).toEqual({ host: "::1", port: 9 })
    expect(parseTcpUpstreamProxy("127.0.0.1:65535")).toEqual({ host: "127.0.0.1", port: 65535 })
  })

  it("refuses anything else with the reference's line, naming what is wrong", () => {
    const refusal = (value: string, reason: string) => `invalid value '${value}' for '--tcp-upstream-proxy <HOST:PORT>': ${reason}`
    for (
      const [value, reason] of [
        ["bogus", "missing port"],
        ["", "missing port"],
        ["[::1]", "missing port"],
        ["host:0", "TCP upstream proxy port must be nonzero"],
        ["::1:80", "missing brackets for IPv6 address with port"],
        ["[::1:80", "invalid IPv6 address"],
        ["[nope]:80", "invalid IPv6 address"],
        ["host:", "invalid port"],
        ["host:8o", "invalid port"],
        ["host:99999", "invalid port: number too large to fit in target type"],
        [":80", "invalid host"],
        ["a b:80", "invalid host"],
        ["http://host:80", "invalid host"],
        ["host/x:80", "invalid host"]
      ] as const
    ) expect(parseTcpUpstreamProxy(value), value).toBe(refusal(value, reason))
  })
})

describe("upstreamTarget", () => {
  const proxy = { host: "127.0.0.1", port: 3128 }

  it("names a public IP destination as it is", () => {
    expect(upstreamTarget({ proxy, privateIps: false }, "1.1.1.1")).toBe("1.1.1.1")
    expect(upstreamTarget({ proxy, privateIps: false }, "2606:4700::1111")).toBe("2606:4700::1111")
  })

  it("refuses a name, loopback always, private destinations unless privateIps, and anything without an upstream", () => {
    for (const name of ["public.test", "localhost", "example.com"]) expect(upstreamTarget({ proxy, privateIps: true }, name), name).toBeUndefined()
    for (const loopback of ["127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"]) {
      expect(upstreamTarget({ proxy, privateIps: true }, loopback), loopback).toBeUndefined()
    }
    expect(upstreamTarget({ proxy, privateIps: false }, "10.9.9.9")).toBeUndefined()
    expect(upstreamTarget({ proxy, privateIps: false }, "fd00::1")).toBeUndefined()
    expect(upstreamTarget({ proxy, privateIps: true }, "10.9.9.9")).toBe("10.9.9.9")
    expect(upstreamTarget({ proxy: undefined, privateIps: true }, "1.1.1.1")).toBeUndefined()
  })
})
