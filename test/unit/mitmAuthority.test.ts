/**
 * The masking proxy's certificate authority: its certificates load in
 * OpenSSL whatever their random serial.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { X509Certificate, webcrypto } from "node:crypto"
import { afterAll, describe, expect, it, vi } from "vitest"
import { authorityFor } from "../../src/network/credentials/authority.js"

const home = Fs.mkdtempSync(Path.join(Os.tmpdir(), "mitm-authority-"))
afterAll(() => Fs.rmSync(home, { recursive: true, force: true }))

describe("MitmAuthority", () => {
  it("makes minimal DER serials: with randomness all zeros, the CA in the bundle and a host's leaf still load", async () => {
    // The worst case of the random serial: a zero first byte before a zero (padded INTEGERs are refused by OpenSSL).
    const zeros = vi.spyOn(webcrypto, "getRandomValues").mockImplementation((array) => array)
    try {
      const authority = await authorityFor(home, {})
      const blocks = Fs.readFileSync(authority.bundlePath, "utf8").match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []
      const ca = new X509Certificate(blocks.at(-1)!)
      expect(ca.subject).toContain("network_proxy MITM CA")
      expect(ca.serialNumber).toMatch(/^[4-7][0-9A-F]{31}$/)
      // The leaf for a host is parsed as the TLS context is made: a refused one rejects here.
      await expect(authority.contextFor("example.test")).resolves.toBeDefined()
    } finally {
      zeros.mockRestore()
    }
  })
})
