/**
 * The credential of a remote stream's open frame, and the check the
 * executor and the WebSocket listener share: what a client writes is what
 * the executor reads, payloads it cannot read are told apart from none, and
 * tokens are let in or refused with the reasons the docs give.
 */
import { describe, expect, it } from "vitest"
import * as Result from "effect/Result"
import fc from "fast-check"
import * as Jose from "jose"
import { createHash } from "node:crypto"
import { decode } from "../../../src/remote/frames.js"
import { bearerOfOpen, controlFrame, openRequest } from "../../../src/remote/NatsLink.js"
import { asksForToken, bearerAuthProblem, bearerRefusal } from "../../../src/listeners/bearerAuth.js"

/** The payload of a frame as a client sends it. */
const payloadOf = (frame: Uint8Array): Uint8Array => Result.getOrThrow(decode(frame)).payload

describe("the open frame's credential", () => {
  it("reads back the token a client writes, any token; none is an empty payload", () => {
    fc.assert(fc.property(fc.string(), (token) => {
      expect(bearerOfOpen(payloadOf(openRequest("s1", token)))).toEqual(Result.succeed(token))
    }))
    const none = payloadOf(openRequest("s1", undefined))
    expect(none.byteLength).toBe(0)
    expect(bearerOfOpen(none)).toEqual(Result.succeed(undefined))
  })

  it("ignores members it does not know, and takes {} as no token", () => {
    const encode = (text: string) => new TextEncoder().encode(text)
    expect(bearerOfOpen(encode(`{"bearer":"t","since":2}`))).toEqual(Result.succeed("t"))
    expect(bearerOfOpen(encode("{}"))).toEqual(Result.succeed(undefined))
  })

  it("says a payload it cannot read is malformed, rather than taking it for no token", () => {
    for (const text of ["the token itself", `{"bearer":5}`, "[]", "null"]) {
      expect(bearerOfOpen(payloadOf(controlFrame("open", "s1", text)))).toEqual(Result.fail("a malformed open payload"))
    }
  })
})

describe("the bearer check (WebSocket upgrades and open frames)", () => {
  const digest = createHash("sha256").update("the-token").digest()
  const secret = new TextEncoder().encode("a shared secret of at least 32 bytes, for HS256")
  const jwt = (exp: number) => new Jose.SignJWT({ exp }).setProtectedHeader({ alg: "HS256" }).sign(secret)
  const now = () => Math.floor(Date.now() / 1000)

  it("asks for nothing without options, and refuses both kinds at once", () => {
    expect(asksForToken({})).toBe(false)
    expect(bearerAuthProblem({ tokenSha256: digest, signedBearer: { secret } })).toBe("give tokenSha256 or signedBearer, not both")
  })

  it("a capability token: the right one only", async () => {
    expect(await bearerRefusal("the-token", { tokenSha256: digest })).toBeUndefined()
    expect(await bearerRefusal("the-token ", { tokenSha256: digest })).toBe("no or wrong bearer token")
    expect(await bearerRefusal(undefined, { tokenSha256: digest })).toBe("no or wrong bearer token")
    // The digest of nothing is not a way in.
    expect(await bearerRefusal(undefined, { tokenSha256: createHash("sha256").update("").digest() })).toBe("no or wrong bearer token")
  })

  it("a signed token: valid, expired, missing", async () => {
    expect(await bearerRefusal(await jwt(now() + 60), { signedBearer: { secret } })).toBeUndefined()
    expect(await bearerRefusal(await jwt(now() - 120), { signedBearer: { secret } })).toBe("expired bearer token")
    expect(await bearerRefusal(undefined, { signedBearer: { secret } })).toBe("no bearer token")
  })
})
