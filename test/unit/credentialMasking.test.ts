/**
 * Credential masking's rules without a process or a socket (issue 47;
 * docs/PROTOCOL.md, "Credential masking"): custom providers checked in the
 * reference's order and words, destinations, which values become dummies
 * and where their copies are, and which headers get the real value back.
 * The words and cases are the reference's (codex-rs network-proxy
 * credential broker and its tests, and codex 0.169 probed).
 */
import { describe, expect, it } from "vitest"
import { maskEnvironment } from "../../src/network/credentials/broker.js"
import { destinationMatches, parseDestination } from "../../src/network/credentials/destination.js"
import { DummyMemory } from "../../src/network/credentials/dummyMemory.js"
import { compileProvider, type CredentialProviderConfig, type CredentialSource } from "../../src/network/credentials/providers.js"

const GITHUB = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
const ENTERPRISE = "ghp_Enterprise00001111222233334444555566"
const OPENAI = "sk-proj-abcDEF123ghiJKL456mnoPQR789stuVWX012yzaBCD345efgHIJ678"

const sourceOf = (id: string, config: CredentialProviderConfig): CredentialSource => {
  const compiled = compileProvider(id, config)
  if (compiled._tag === "Bad") throw new Error(compiled.message)
  return compiled.source
}

const mask = (env: Record<string, string>, custom: ReadonlyArray<CredentialSource> = [], options: { memory?: DummyMemory; allowLocalBinding?: boolean } = {}) =>
  maskEnvironment({ env, custom, memory: options.memory ?? new DummyMemory(), allowLocalBinding: options.allowLocalBinding ?? false })

const https = (host: string, path = "/", port = 443) => ({ scheme: "https" as const, host, port, path })

describe("custom providers are checked in the reference's order and words", () => {
  const valid: CredentialProviderConfig = { env: ["MY_TOKEN"], patterns: ["mytok_[a-z0-9]{32}"], url_prefixes: ["https://api.example.com/v1"] }
  const cases: ReadonlyArray<[string, CredentialProviderConfig, string]> = [
    ["", valid, "credential provider name must not be empty"],
    ["p", { ...valid, env: [] }, "credential provider `p` has no environment keys"],
    ["p", { ...valid, patterns: [] }, "credential provider `p` has no credential patterns"],
    ["p", { ...valid, url_prefixes: [] }, "credential provider `p` has no destination URL prefixes"],
    ["p", { ...valid, env: ["1BAD"] }, "credential provider `p` has an invalid environment key"],
    ["p", { ...valid, env: ["GITHUB_TOKEN"] }, "credential provider `p` overlaps a built-in credential source"],
    ["p", { ...valid, url_prefix_from_env: "MY_TOKEN" }, "credential provider `p` has an invalid host environment key"],
    ["p", { ...valid, url_prefixes: ["http://api.example.com/"] }, "invalid destination for credential provider `p`: credential destination must use HTTPS unless it targets loopback over HTTP"],
    ["p", { ...valid, url_prefixes: ["https://u:p@api.example.com/"] }, "invalid destination for credential provider `p`: credential destination cannot include user information, a query, or a fragment"],
    ["p", { ...valid, auth: ["header"] }, "credential provider `p` requires a header name exactly when using header authentication"],
    ["p", { ...valid, header: "x-key" }, "credential provider `p` requires a header name exactly when using header authentication"],
    ["p", { ...valid, header: "bad header", auth: ["header"] }, "invalid header for credential provider `p`: invalid HTTP header name"],
    ["p", { ...valid, prefix: "Key " }, "credential provider `p` requires header authentication to use a header prefix"],
    ["p", { ...valid, patterns: ["x*"] }, "invalid credential pattern for provider `p`: credential pattern must not match an empty value"],
    ["p", { ...valid, patterns: ["a".repeat(2049)] }, "invalid credential pattern for provider `p`: credential pattern exceeds 2048 bytes"]
  ]
  it.each(cases)("%s %j → %s", (id, config, message) => {
    expect(compileProvider(id, config)).toEqual({ _tag: "Bad", message })
  })

  it("accepts a provider that holds", () => {
    expect(compileProvider("p", valid)._tag).toBe("Ok")
  })
})

describe("destinations", () => {
  const parsed = (text: string) => {
    const result = parseDestination(text, { wildcardAllowed: true })
    if (result._tag === "Bad") throw new Error(result.message)
    return result.value
  }

  it("take HTTPS by default, plain HTTP for a bare loopback host, and the default ports", () => {
    expect(parsed("api.example.com/v1")).toEqual({ scheme: "https", host: "api.example.com", wildcard: false, port: 443, pathPrefix: "/v1" })
    expect(parsed("127.0.0.1:8080")).toEqual({ scheme: "http", host: "127.0.0.1", wildcard: false, port: 8080, pathPrefix: "/" })
    expect(parsed("http://localhost")).toMatchObject({ scheme: "http", port: 80 })
    expect(parsed("*.example.com")).toMatchObject({ host: "example.com", wildcard: true })
  })

  it("match a path under the prefix at a segment's boundary, never through dot segments", () => {
    const v1 = parsed("https://api.example.com/v1")
    expect(destinationMatches(v1, https("api.example.com", "/v1/models"))).toBe(true)
    expect(destinationMatches(v1, https("api.example.com", "/v1"))).toBe(true)
    expect(destinationMatches(v1, https("api.example.com", "/v10/models"))).toBe(false)
    expect(destinationMatches(v1, https("api.example.com", "/v1/%2e%2e/private"))).toBe(false)
    expect(destinationMatches(v1, https("api.example.com", "/v1/../private"))).toBe(false)
    expect(destinationMatches(v1, https("api.example.com", "/v1/models", 8443))).toBe(false)
    expect(destinationMatches(v1, { ...https("api.example.com", "/v1/models"), scheme: "http" })).toBe(false)
  })

  it("a wildcard takes subdomains, never the apex", () => {
    const wildcard = parsed("*.example.com")
    expect(destinationMatches(wildcard, https("api.example.com"))).toBe(true)
    expect(destinationMatches(wildcard, https("example.com"))).toBe(false)
    expect(destinationMatches(wildcard, https("badexample.com"))).toBe(false)
  })
})

describe("masking a child's environment", () => {
  it("replaces the built-ins' variables with dummies of their shapes, and their copies elsewhere", () => {
    const masked = mask({ GITHUB_TOKEN: GITHUB, OPENAI_API_KEY: OPENAI, AUTH_HEADER: `Bearer ${GITHUB}`, PATH: "/usr/bin", MY_SECRET: "hunter2" })
    const env = masked.environment
    expect(env.GITHUB_TOKEN).toMatch(/^ghp_masked[A-Za-z0-9]{30}$/)
    expect(env.OPENAI_API_KEY).toMatch(/^sk-proj-masked[A-Za-z0-9]+$/)
    expect(env.OPENAI_API_KEY).toHaveLength(OPENAI.length)
    expect(env.AUTH_HEADER).toBe(`Bearer ${env.GITHUB_TOKEN}`)
    expect(env.PATH).toBe("/usr/bin")
    expect(env.MY_SECRET).toBe("hunter2")
    expect(Object.values(env).join("\n")).not.toContain(GITHUB)
    expect(masked.warnings).toEqual([])
  })

  it("a copy of a masked credential under an unbound source is masked, and then nothing is left to warn of", () => {
    const masked = mask({ GITHUB_TOKEN: GITHUB, GH_ENTERPRISE_TOKEN: GITHUB })
    expect(masked.environment.GH_ENTERPRISE_TOKEN).toBe(masked.environment.GITHUB_TOKEN)
    expect(masked.warnings).toEqual([])
  })

  it("a short value still gets a dummy of the provider's least length", () => {
    expect(mask({ GITHUB_TOKEN: "x" }).environment.GITHUB_TOKEN).toMatch(/^ghp_masked[A-Za-z0-9]{30}$/)
    expect(mask({ OPENAI_API_KEY: "sk-real" }).environment.OPENAI_API_KEY).toMatch(/^sk-masked[A-Za-z0-9]{42}$/)
  })

  it("finds a built-in credential inside another variable, but not inside a path", () => {
    const env = mask({ AUTH_HEADER: `Bearer ${GITHUB}`, VIRTUAL_ENV: `/workspace/${OPENAI}/bin` }).environment
    expect(env.AUTH_HEADER).toMatch(/^Bearer ghp_masked/)
    expect(env.VIRTUAL_ENV).toBe(`/workspace/${OPENAI}/bin`)
    expect(JSON.parse(env.CODEX_NETWORK_PROXY_BROKERED_CREDENTIALS!)).toEqual([["@alias:AUTH_HEADER", env.AUTH_HEADER!.slice(7)]])
  })

  it("leaves an enterprise token real without a GH_HOST to bind it to, and says so", () => {
    // Nor as a cloud token found in another variable: it keeps its source.
    const unbound = mask({ GH_ENTERPRISE_TOKEN: ENTERPRISE, AUTH_HEADER: `Bearer ${ENTERPRISE}` })
    expect(unbound.environment.GH_ENTERPRISE_TOKEN).toBe(ENTERPRISE)
    expect(unbound.environment.AUTH_HEADER).toBe(`Bearer ${ENTERPRISE}`)
    expect(unbound.dummies).toEqual([])
    expect(unbound.warnings).toEqual(["Credential masking could not protect some environment credentials; continuing with those values unmasked."])
    const bound = mask({ GH_ENTERPRISE_TOKEN: ENTERPRISE, GH_HOST: " GitHub.Example.Com.:8443 " })
    const dummy = bound.environment.GH_ENTERPRISE_TOKEN!
    expect(dummy).toMatch(/^ghp_masked/)
    expect(bound.translate(https("github.example.com", "/api"), { authorization: `token ${dummy}` })).toEqual([["authorization", `token ${ENTERPRISE}`]])
    expect(bound.translate(https("api.github.com", "/api"), { authorization: `token ${dummy}` })).toEqual([])
  })

  it("a snapshot's state is masked as one text, a credential cut between two of its variables too", () => {
    const state = `alias gh='GH_TOKEN=${GITHUB} gh'\n`
    const cut = state.indexOf(GITHUB) + 10
    const env = mask({ __CODEX_SHELL_SNAPSHOT_STATE_0: state.slice(0, cut), __CODEX_SHELL_SNAPSHOT_STATE_1: state.slice(cut) }).environment
    const joined = env.__CODEX_SHELL_SNAPSHOT_STATE_0! + env.__CODEX_SHELL_SNAPSHOT_STATE_1!
    expect(joined).not.toContain(GITHUB)
    expect(joined).toMatch(/^alias gh='GH_TOKEN=ghp_masked[A-Za-z0-9]{30} gh'\n$/)
  })

  it("seeded with a start's earlier masking: its dummies stay (and translate), and only the start's own environment decides destinations", () => {
    // A masked start's environment, then the same with what its snapshot's login files added (issue 67).
    const before = mask({ GITHUB_TOKEN: GITHUB, OPENAI_API_KEY: OPENAI })
    const dummy = before.environment.GITHUB_TOKEN!
    const openaiDummy = before.environment.OPENAI_API_KEY!
    const after = maskEnvironment({
      env: { GITHUB_TOKEN: GITHUB, OPENAI_API_KEY: OPENAI, COPIED: dummy, OPENAI_BASE_URL: "https://elsewhere.test" },
      custom: [],
      memory: new DummyMemory(),
      allowLocalBinding: false,
      seed: before.seed
    })
    expect(after.environment).toMatchObject({ GITHUB_TOKEN: dummy, COPIED: dummy, OPENAI_API_KEY: openaiDummy })
    expect(after.translate(https("api.github.com"), { authorization: `Bearer ${dummy}` })).toEqual([["authorization", `Bearer ${GITHUB}`]])
    expect(after.translate(https("api.openai.com"), { authorization: `Bearer ${openaiDummy}` })).toEqual([["authorization", `Bearer ${OPENAI}`]])
    expect(after.translate(https("elsewhere.test"), { authorization: `Bearer ${openaiDummy}` })).toEqual([])
    // Unseeded, the same environment would send the key there.
    const unseeded = mask({ OPENAI_API_KEY: OPENAI, OPENAI_BASE_URL: "https://elsewhere.test" })
    expect(unseeded.translate(https("elsewhere.test"), { authorization: `Bearer ${unseeded.environment.OPENAI_API_KEY}` })).toEqual([["authorization", `Bearer ${OPENAI}`]])
  })

  it("keeps a dummy per session for the same value, and makes a new one in another session", () => {
    const memory = new DummyMemory()
    const first = mask({ GITHUB_TOKEN: GITHUB }, [], { memory }).environment.GITHUB_TOKEN
    expect(mask({ GH_TOKEN: GITHUB }, [], { memory }).environment.GH_TOKEN).toBe(first)
    expect(mask({ GITHUB_TOKEN: GITHUB }).environment.GITHUB_TOKEN).not.toBe(first)
  })

  it("a custom provider's dummy keeps its pattern's literal prefix and matches it; a value the patterns do not match stays", () => {
    const source = sourceOf("vendor", { env: ["VENDOR_KEY"], patterns: ["vendor_[a-z]{24}"], url_prefixes: ["https://api.vendor.test/"] })
    const masked = mask({ VENDOR_KEY: "vendor_abcdefghijklmnopqrstuvwx" }, [source])
    expect(masked.environment.VENDOR_KEY).toMatch(/^vendor_[a-z]{24}$/)
    expect(masked.environment.VENDOR_KEY).not.toBe("vendor_abcdefghijklmnopqrstuvwx")
    expect(mask({ VENDOR_KEY: "not-a-vendor-key" }, [source]).environment.VENDOR_KEY).toBe("not-a-vendor-key")
  })

  it("keeps a loopback-bound custom credential real when local traffic bypasses the proxy", () => {
    const source = sourceOf("local", { env: ["LOCAL_KEY"], patterns: ["local_[0-9]{20}"], url_prefixes: ["http://127.0.0.1:9000/"] })
    const value = "local_01234567890123456789"
    expect(mask({ LOCAL_KEY: value }, [source], { allowLocalBinding: true }).environment.LOCAL_KEY).toBe(value)
    expect(mask({ LOCAL_KEY: value }, [source]).environment.LOCAL_KEY).not.toBe(value)
  })
})

describe("translating a request's headers", () => {
  it("GitHub: bearer and token exactly, Basic's user or password, only towards GitHub's hosts", () => {
    const masked = mask({ GITHUB_TOKEN: GITHUB })
    const dummy = masked.environment.GITHUB_TOKEN!
    const basic = (pair: string) => `Basic ${Buffer.from(pair).toString("base64")}`
    expect(masked.translate(https("api.github.com"), { authorization: `Bearer ${dummy}` })).toEqual([["authorization", `Bearer ${GITHUB}`]])
    expect(masked.translate(https("uploads.github.com"), { authorization: `token ${dummy}` })).toEqual([["authorization", `token ${GITHUB}`]])
    expect(masked.translate(https("github.com"), { authorization: basic(`x-access-token:${dummy}`) })).toEqual([["authorization", basic(`x-access-token:${GITHUB}`)]])
    expect(masked.translate(https("github.com"), { authorization: basic(`${dummy}:x-oauth-basic`) })).toEqual([["authorization", basic(`${GITHUB}:x-oauth-basic`)]])
    expect(masked.translate(https("octo.ghe.com"), { authorization: `Bearer ${dummy}` })).toHaveLength(1)
    expect(masked.translate(https("example.com"), { authorization: `Bearer ${dummy}` })).toEqual([])
    expect(masked.translate({ ...https("github.com"), scheme: "http" }, { authorization: `Bearer ${dummy}` })).toEqual([])
    expect(masked.translate(https("github.com"), { authorization: `Bearer x${dummy}` })).toEqual([])
    expect(masked.translate(https("github.com"), { "x-other": dummy })).toEqual([])
  })

  it("OpenAI: the whole header becomes the bearer credential wherever the dummy is in it, towards api.openai.com and OPENAI_BASE_URL's host", () => {
    const masked = mask({ OPENAI_API_KEY: OPENAI, OPENAI_BASE_URL: "https://gateway.example.com./v1" })
    const dummy = masked.environment.OPENAI_API_KEY!
    expect(masked.translate(https("api.openai.com", "/v1/models"), { authorization: `Bearer ${dummy}` })).toEqual([["authorization", `Bearer ${OPENAI}`]])
    expect(masked.translate(https("gateway.example.com"), { authorization: `Key ${dummy}` })).toEqual([["authorization", `Bearer ${OPENAI}`]])
    expect(masked.translate(https("attacker.example"), { authorization: `Bearer ${dummy}` })).toEqual([])
  })

  it("two credentials that would write one header differently write nothing", () => {
    const one = sourceOf("one", { env: ["ONE_KEY"], patterns: ["one_[a-z]{20}"], url_prefixes: ["https://api.both.test/"], auth: ["header"], header: "x-key" })
    const two = sourceOf("two", { env: ["TWO_KEY"], patterns: ["two_[a-z]{20}"], url_prefixes: ["https://api.both.test/"], auth: ["bearer"] })
    const masked = mask({ ONE_KEY: "one_abcdefghijabcdefghij", TWO_KEY: "two_abcdefghijabcdefghij" }, [one, two])
    const env = masked.environment
    // Each alone is translated; both in one request, each its own header, both are.
    expect(masked.translate(https("api.both.test"), { "x-key": env.ONE_KEY!, authorization: `Bearer ${env.TWO_KEY}` })).toEqual([
      ["x-key", "one_abcdefghijabcdefghij"],
      ["authorization", "Bearer two_abcdefghijabcdefghij"]
    ])
    const a = mask({ GITHUB_TOKEN: GITHUB, GH_TOKEN: ENTERPRISE })
    // Two GitHub credentials in one Basic pair: each would write the header its own way.
    const pair = `Basic ${Buffer.from(`${a.environment.GITHUB_TOKEN}:${a.environment.GH_TOKEN}`).toString("base64")}`
    expect(a.translate(https("github.com"), { authorization: pair })).toEqual([])
  })
})
