import { describe, expect, it } from "@effect/vitest"
import { buildEnvironment, wildcard } from "../../src/process/environment.js"
import type { EnvPolicy } from "../../src/protocol/schema.js"

const serverEnv = {
  PATH: "/usr/bin",
  HOME: "/root",
  LANG: "C.UTF-8",
  OPENAI_API_KEY: "sk-secret",
  github_token: "ghp",
  DB_SECRET_URL: "postgres://",
  EDITOR: "vim",
  CARGO_HOME: "/cargo"
}

const policy = (overrides: Partial<EnvPolicy>): EnvPolicy => ({
  inherit: "all",
  ignoreDefaultExcludes: false,
  exclude: [],
  includeOnly: [],
  set: {},
  ...overrides
})

describe("environment policy", () => {
  it("without a policy the request's env is the whole environment", () => {
    expect(buildEnvironment(serverEnv, undefined, { ONLY: "1" })).toEqual({ ONLY: "1" })
  })

  it("inherit all drops likely secrets by default, case-insensitively", () => {
    expect(buildEnvironment(serverEnv, policy({}), {})).toEqual({
      PATH: "/usr/bin",
      HOME: "/root",
      LANG: "C.UTF-8",
      EDITOR: "vim",
      CARGO_HOME: "/cargo"
    })
    expect(buildEnvironment(serverEnv, policy({ ignoreDefaultExcludes: true }), {})).toEqual(serverEnv)
  })

  it("inherit core keeps only the core variables; none keeps nothing", () => {
    expect(buildEnvironment(serverEnv, policy({ inherit: "core" }), {})).toEqual({
      PATH: "/usr/bin",
      HOME: "/root",
      LANG: "C.UTF-8"
    })
    expect(buildEnvironment(serverEnv, policy({ inherit: "none" }), { A: "1" })).toEqual({ A: "1" })
  })

  it("applies exclude, then set, then includeOnly, then the request's env", () => {
    const env = buildEnvironment(
      serverEnv,
      policy({ exclude: ["cargo_*"], set: { EXTRA: "x", EDITOR: "nano" }, includeOnly: ["PATH", "E*"] }),
      { PATH: "/custom", LATE: "y" }
    )
    expect(env).toEqual({ PATH: "/custom", EDITOR: "nano", EXTRA: "x", LATE: "y" })
  })

  it("wildcards match whole names with * and ?", () => {
    expect(wildcard("*KEY*")("openai_api_key")).toBe(true)
    expect(wildcard("A?C")("ABC")).toBe(true)
    expect(wildcard("A?C")("ABBC")).toBe(false)
    expect(wildcard("a.b")("axb")).toBe(false)
  })
})
