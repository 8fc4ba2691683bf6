/**
 * The sandbox's seccomp filter, run through a classic-BPF interpreter of the
 * few instructions it uses, for each architecture it has numbers for; and
 * those numbers against the system's headers where they are installed.
 */
import * as Fs from "node:fs"
import { describe, expect, it } from "vitest"
import { seccompFilter } from "../../src/sandbox/seccomp.js"

const ALLOW = 0x7fff0000
const EPERM = 0x00050001
const ENOSYS = 0x00050026
const KILL = 0x80000000

/** Runs the filter on one system call, as the kernel would (struct seccomp_data, little-endian). */
const run = (filter: Buffer, call: { arch: number; nr: number; args?: ReadonlyArray<number> }): number => {
  const data = Buffer.alloc(64)
  data.writeInt32LE(call.nr, 0)
  data.writeUInt32LE(call.arch, 4)
  ;(call.args ?? []).forEach((arg, index) => data.writeBigUInt64LE(BigInt(arg), 16 + 8 * index))
  let accumulator = 0
  for (let pc = 0; pc * 8 < filter.length; pc++) {
    const code = filter.readUInt16LE(pc * 8)
    const jt = filter.readUInt8(pc * 8 + 2)
    const jf = filter.readUInt8(pc * 8 + 3)
    const k = filter.readUInt32LE(pc * 8 + 4)
    switch (code) {
      case 0x20:
        accumulator = data.readUInt32LE(k)
        break
      case 0x54:
        accumulator = (accumulator & k) >>> 0
        break
      case 0x15:
        pc += accumulator === k ? jt : jf
        break
      case 0x35:
        pc += accumulator >= k ? jt : jf
        break
      case 0x45:
        pc += (accumulator & k) !== 0 ? jt : jf
        break
      case 0x06:
        return k
      default:
        throw new Error(`unexpected instruction ${code.toString(16)}`)
    }
  }
  throw new Error("the filter fell off its end")
}

const ABIS = [
  { name: "x64", arch: 0xc000003e, foreign: [0x40000003], socket: 41, socketpair: 53, connect: 42, keyrings: [248, 249, 250], unshare: 272, setns: 308, clone: 56, clone3: 435, header: "/usr/include/x86_64-linux-gnu/asm/unistd_64.h" },
  { name: "arm64", arch: 0xc00000b7, foreign: [], socket: 198, socketpair: 199, connect: 203, keyrings: [217, 218, 219], unshare: 97, setns: 268, clone: 220, clone3: 435, header: "/usr/include/asm-generic/unistd.h" }
] as const

const AF_UNIX = 1
const AF_INET = 2
const AF_VSOCK = 40
const SOCK_STREAM = 1
const SOCK_DGRAM = 2
const SOCK_RAW = 3
const SOCK_SEQPACKET = 5
const SOCK_CLOEXEC = 0x80000
const SOCK_NONBLOCK = 0x800

describe.each(ABIS)("the seccomp filter on $name", (abi) => {
  const strict = seccompFilter({ denyUnixSockets: true }, abi.name)!
  const open = seccompFilter({ denyUnixSockets: false }, abi.name)!
  const call = (nr: number, ...args: Array<number>) => ({ arch: abi.arch, nr, args })

  it("without network: no Unix socket; stream and seqpacket pairs only; other sockets and calls pass", () => {
    expect(run(strict, call(abi.socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC))).toBe(EPERM)
    expect(run(strict, call(abi.socket, AF_UNIX, SOCK_DGRAM))).toBe(EPERM)
    expect(run(strict, call(abi.socket, AF_INET, SOCK_STREAM))).toBe(ALLOW)
    expect(run(strict, call(abi.socketpair, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK))).toBe(ALLOW)
    expect(run(strict, call(abi.socketpair, AF_UNIX, SOCK_SEQPACKET))).toBe(ALLOW)
    // A datagram pair can sendto() any socket path; SOCK_RAW is a datagram socket to AF_UNIX.
    expect(run(strict, call(abi.socketpair, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC))).toBe(EPERM)
    expect(run(strict, call(abi.socketpair, AF_UNIX, SOCK_RAW))).toBe(EPERM)
    expect(run(strict, call(abi.connect, 3, 0, 16))).toBe(ALLOW)
  })

  it("with network: sockets pass; vsock, io_uring and the keyrings are refused either way; a foreign ABI is killed or has no calls", () => {
    expect(run(open, call(abi.socket, AF_UNIX, SOCK_STREAM))).toBe(ALLOW)
    expect(run(open, call(abi.socketpair, AF_UNIX, SOCK_DGRAM))).toBe(ALLOW)
    for (const filter of [strict, open]) {
      for (const nr of [425, 426, 427, ...abi.keyrings]) expect(run(filter, call(nr))).toBe(EPERM)
      expect(run(filter, call(abi.socket, AF_VSOCK, SOCK_STREAM))).toBe(EPERM)
      expect(run(filter, call(abi.socket, AF_INET, SOCK_DGRAM))).toBe(ALLOW)
      expect(run(filter, { arch: 0x40000003, nr: abi.socket, args: [AF_UNIX] })).toBe(KILL)
      for (const nr of abi.foreign) expect(run(filter, call(nr))).toBe(ENOSYS)
    }
  })

  it("either way: no new namespace, no entering one, no thread with a descriptor table of its own; clone3 does not exist; fork and threads pass", () => {
    const CLONE_NEWUSER = 0x10000000
    const CLONE_NEWNET = 0x40000000
    const CLONE_NEWNS = 0x00020000
    const CLONE_FILES = 0x400
    const CLONE_THREAD = 0x10000
    // pthread_create's flags (glibc): VM, FS, FILES, SIGHAND, THREAD, SYSVSEM, SETTLS, PARENT_SETTID, CHILD_CLEARTID.
    const THREAD = 0x100 | 0x200 | CLONE_FILES | 0x800 | CLONE_THREAD | 0x40000 | 0x80000 | 0x100000 | 0x200000
    const FORK = 0x01000000 | 0x00200000 | 17 // CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD
    for (const filter of [strict, open]) {
      expect(run(filter, call(abi.unshare, CLONE_NEWUSER | CLONE_NEWNET))).toBe(EPERM)
      expect(run(filter, call(abi.unshare, CLONE_FILES))).toBe(EPERM)
      expect(run(filter, call(abi.setns, 3, 0))).toBe(EPERM)
      expect(run(filter, call(abi.clone, FORK | CLONE_NEWUSER))).toBe(EPERM)
      expect(run(filter, call(abi.clone, FORK | CLONE_NEWNS))).toBe(EPERM)
      expect(run(filter, call(abi.clone, THREAD & ~CLONE_FILES))).toBe(EPERM)
      expect(run(filter, call(abi.clone3, 0, 88))).toBe(ENOSYS)
      expect(run(filter, call(abi.clone, FORK))).toBe(ALLOW)
      expect(run(filter, call(abi.clone, THREAD))).toBe(ALLOW)
    }
  })

  it.skipIf(!Fs.existsSync(abi.header))("has the numbers of the system's headers", () => {
    const header = Fs.readFileSync(abi.header, "utf8")
    const number = (name: string) => Number(new RegExp(`#define __NR_${name}\\s+(\\d+)`).exec(header)?.[1])
    expect(number("socket")).toBe(abi.socket)
    expect(number("socketpair")).toBe(abi.socketpair)
    expect(number("connect")).toBe(abi.connect)
    expect([number("io_uring_setup"), number("io_uring_enter"), number("io_uring_register")]).toEqual([425, 426, 427])
    expect([number("add_key"), number("request_key"), number("keyctl")]).toEqual(abi.keyrings)
    expect([number("unshare"), number("setns"), number("clone"), number("clone3")]).toEqual([abi.unshare, abi.setns, abi.clone, abi.clone3])
  })
})

it("there is no filter, hence no sandbox, where the numbers are not known", () => {
  expect(seccompFilter({ denyUnixSockets: true }, "ppc64")).toBeUndefined()
})
