/**
 * The gateway's routing by path and its close reasons: which paths name an
 * environment, and a reason cut to a close frame's 123 bytes.
 */
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { environmentOfPath, environmentPath } from "../../../src/gateway/Gateway.js"
import { closeReason, MAX_CLOSE_REASON_BYTES } from "../../../src/listeners/WebSocketTransport.js"

describe("the gateway's paths", () => {
  it("/env/ID names environment ID, with or without a trailing slash", () => {
    expect(environmentOfPath("/env/e1")).toEqual(Result.succeed("e1"))
    expect(environmentOfPath("/env/build_box-2/")).toEqual(Result.succeed("build_box-2"))
    expect(environmentOfPath(environmentPath("e9"))).toEqual(Result.succeed("e9"))
  })

  it("any other path, or an id that is not one subject token, names none and says why", () => {
    for (const path of ["/", "/env", "/env/", "/env/a/b", "/environments/e1", "/env/a.b", "/env/a%20b", "/env/%E0%A4%A", `/env/${"x".repeat(65)}`]) {
      const named = environmentOfPath(path)
      expect(Result.isFailure(named), path).toBe(true)
      expect(Result.getFailure(named).pipe((reason) => reason._tag === "Some" && reason.value.length > 0), path).toBe(true)
    }
  })
})

describe("close reasons", () => {
  it("are cut to 123 bytes of UTF-8 on a character boundary", () => {
    expect(closeReason("environment e1 ended the stream: x")).toBe("environment e1 ended the stream: x")
    const long = closeReason(`environment e1 ended the stream: ${"é".repeat(100)}`)
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES)
    expect(Buffer.byteLength(long)).toBeGreaterThan(MAX_CLOSE_REASON_BYTES - 2)
    expect(long.endsWith("é")).toBe(true)
  })
})
