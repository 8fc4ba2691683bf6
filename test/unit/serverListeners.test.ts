/**
 * Which destinations the proxies take for this process's own sockets
 * (issue 67; src/network/serverListeners.ts), against real sockets of this
 * process and of another: a listener on an address serves that address
 * (in any of its IPv6 forms) and no other, a wildcard one every local
 * address, a UDP socket only datagrams; another process's listener and a
 * public destination are not ours.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as Dgram from "node:dgram"
import * as Net from "node:net"
import * as Os from "node:os"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { isLocalDestination, isServerListener } from "../../src/network/serverListeners.js"

const listen = async (host: string) => {
  const server = Net.createServer()
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  return { server, port: (server.address() as Net.AddressInfo).port }
}

let loopback: Awaited<ReturnType<typeof listen>>
let wildcard: Awaited<ReturnType<typeof listen>>
let udp: Dgram.Socket
let udpPort = 0
let other: ChildProcess
let otherPort = 0

beforeAll(async () => {
  loopback = await listen("127.0.0.1")
  wildcard = await listen("0.0.0.0")
  udp = Dgram.createSocket("udp4")
  await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", resolve))
  udpPort = udp.address().port
  other = spawn(process.execPath, ["-e", `const s = require("node:net").createServer().listen(0, "127.0.0.1", () => console.log(s.address().port))`], {
    stdio: ["ignore", "pipe", "inherit"]
  })
  otherPort = await new Promise<number>((resolve) => other.stdout!.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim()))))
})

afterAll(async () => {
  other.kill()
  udp.close()
  await Promise.all([loopback, wildcard].map(({ server }) => new Promise((resolve) => server.close(resolve))))
})

/** An address of one of this host's interfaces that is not loopback, if it has one. */
const interfaceAddress = Object.values(Os.networkInterfaces()).flatMap((entries) => entries ?? []).find((entry) => !entry.internal && entry.family === "IPv4")?.address

describe("isServerListener", () => {
  it("finds a listener of this process on its address, in each form of it, and not on another loopback address", () => {
    for (const address of ["127.0.0.1", "::ffff:127.0.0.1", "::127.0.0.1", "64:ff9b::7f00:1", "0.0.0.0", "::"]) {
      expect(isServerListener(address, loopback.port, "tcp"), address).toBe(true)
    }
    expect(isServerListener("127.0.0.2", loopback.port, "tcp")).toBe(false)
    expect(isServerListener("::1", loopback.port, "tcp")).toBe(false)
  })

  it("finds a wildcard listener of this process on every local address, and on no public one", () => {
    for (const address of ["127.0.0.1", "127.0.0.9", "::ffff:127.0.0.9", ...(interfaceAddress === undefined ? [] : [interfaceAddress])]) {
      expect(isServerListener(address, wildcard.port, "tcp"), address).toBe(true)
    }
    expect(isServerListener("93.184.215.14", wildcard.port, "tcp")).toBe(false)
    expect(isServerListener("2606:2800:21f:cb07:6820:80da:af6b:8b2c", wildcard.port, "tcp")).toBe(false)
  })

  it("finds a listener on IPv6's wildcard (dual-stack) on IPv4 and IPv6 loopback alike", async () => {
    const dual = await listen("::")
    for (const address of ["127.0.0.1", "::1", "::ffff:127.0.0.1"]) expect(isServerListener(address, dual.port, "tcp"), address).toBe(true)
    await new Promise((resolve) => dual.server.close(resolve))
    expect(isServerListener("127.0.0.1", dual.port, "tcp")).toBe(false)
  })

  it("takes a UDP socket of this process for datagrams only, and a listener for TCP only", () => {
    expect(isServerListener("127.0.0.1", udpPort, "udp")).toBe(true)
    expect(isServerListener("127.0.0.1", udpPort, "tcp")).toBe(false)
    expect(isServerListener("127.0.0.1", loopback.port, "udp")).toBe(false)
  })

  it("leaves another process's listener, and a port nobody listens on, alone", () => {
    expect(isServerListener("127.0.0.1", otherPort, "tcp")).toBe(false)
    expect(isServerListener("0.0.0.0", otherPort, "tcp")).toBe(false)
  })
})

describe("isLocalDestination", () => {
  it("is loopback, unspecified, an IPv4 one carried in IPv6, or an address of this host's interfaces", () => {
    for (const address of ["127.0.0.1", "127.255.0.1", "::1", "0.0.0.0", "::", "::ffff:127.0.0.1", "::127.0.0.1", "64:ff9b::127.0.0.1", ...(interfaceAddress === undefined ? [] : [interfaceAddress])]) {
      expect(isLocalDestination(address), address).toBe(true)
    }
    for (const address of ["93.184.215.14", "10.255.255.254", "::ffff:93.184.215.14", "2001:db8::1", "fe80::1%lo"]) {
      expect(isLocalDestination(address), address).toBe(false)
    }
  })
})
