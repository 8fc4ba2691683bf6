/**
 * The one reader of /proc (src/procfs/processes.ts): its parsers on fixed
 * samples of each file, as Linux writes them, and its readers on this
 * process, which is always there.
 */
import { describe, expect, it } from "vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"
import {
  childrenOf,
  descriptorsOf,
  ownDescriptorFlags,
  ownLimits,
  ownDescriptorPath,
  ownMappedFiles,
  parseChildren,
  parseFdinfoFlags,
  parseLimits,
  parseMappedFiles,
  parseStatStartTime,
  parseStatState,
  parseStatus,
  pidNamespaceOf,
  realPathOfOwnDescriptor,
  socketInodeOf,
  stateOf,
  statusOf,
  threadsOf
} from "../../src/procfs/processes.js"

const LIMITS = [
  "Limit                     Soft Limit           Hard Limit           Units     ",
  "Max cpu time              unlimited            unlimited            seconds   ",
  "Max stack size            8388608              unlimited            bytes     ",
  "Max open files            1024                 1048576              files     ",
  "Max realtime timeout      unlimited            unlimited            us        ",
  ""
].join("\n")

const STATUS = [
  "Name:\tbash",
  "State:\tS (sleeping)",
  "NSpid:\t48213\t2",
  "NoNewPrivs:\t1",
  "Seccomp:\t2",
  "Seccomp_filters:\t1",
  ""
].join("\n")

describe("the /proc parsers", () => {
  it("read a stat's state after its command, whatever the command holds", () => {
    expect(parseStatState("4242 (sleep) S 1 4242 4242 0 -1 4194560")).toBe("S")
    // A command may hold spaces and a closing parenthesis: the state follows the last one.
    expect(parseStatState("4243 (a) Z (b) Z 1 4243")).toBe("Z")
    expect(parseStatState("")).toBeUndefined()
  })

  it("read a stat's start time (field 22), whatever the command holds", () => {
    const fields = (command: string) => `77 (${command}) S 1 77 77 0 -1 4194560 93 0 0 0 0 0 0 0 20 0 1 0 123456 2473984 200 18446744073709551615`
    expect(parseStatStartTime(fields("sh"))).toBe("123456")
    expect(parseStatStartTime(fields("a) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 (b"))).toBe("123456")
    expect(parseStatStartTime("77 (sh) S 1 77")).toBeUndefined()
    expect(parseStatStartTime("")).toBeUndefined()
  })

  it("read a status's fields by name, trimmed", () => {
    const status = parseStatus(STATUS)
    expect(status.get("Seccomp")).toBe("2")
    expect(status.get("NoNewPrivs")).toBe("1")
    expect(status.get("NSpid")?.split(/\s+/)).toEqual(["48213", "2"])
    expect(status.get("State")).toBe("S (sleeping)")
    expect(status.has("Missing")).toBe(false)
  })

  it("read the soft limits by name, unlimited as undefined", () => {
    const limits = parseLimits(LIMITS)
    expect(limits.get("Max open files")).toBe(1024)
    expect(limits.get("Max stack size")).toBe(8388608)
    expect(limits.has("Max cpu time")).toBe(true)
    expect(limits.get("Max cpu time")).toBeUndefined()
    expect(limits.get("Max realtime timeout")).toBeUndefined()
    expect(limits.has("Limit")).toBe(false)
  })

  it("read an fdinfo's flags (octal), a children list, a socket's inode and the mapped files", () => {
    expect(parseFdinfoFlags("pos:\t0\nflags:\t02100002\nmnt_id:\t24\n")).toBe(0o2100002)
    expect(parseFdinfoFlags("pos:\t0\n")).toBeUndefined()
    expect(parseChildren("812 813 ")).toEqual([812, 813])
    expect(parseChildren("")).toEqual([])
    expect(socketInodeOf("socket:[98231]")).toBe("98231")
    expect(socketInodeOf("/dev/pts/3")).toBeUndefined()
    expect(socketInodeOf(undefined)).toBeUndefined()
    expect(parseMappedFiles([
      "55a595317000-55a595319000 r--p 00000000 fe:00 260386                     /usr/bin/head",
      "55a595319000-55a59531f000 r-xp 00002000 fe:00 260386                     /usr/bin/head",
      "7f1c2a000000-7f1c2a022000 r--p 00000000 fe:00 262540                     /usr/lib/x86_64-linux-gnu/libc.so.6",
      "7ffd0b8f4000-7ffd0b915000 rw-p 00000000 00:00 0                          [stack]",
      ""
    ].join("\n"))).toEqual(["/usr/bin/head", "/usr/lib/x86_64-linux-gnu/libc.so.6"])
  })
})

describe("the /proc readers", () => {
  it("name an own descriptor's file: its path through /proc, and its real path", async () => {
    const file = Fs.openSync(import.meta.filename, "r")
    try {
      expect(Fs.fstatSync(file).ino).toBe(Fs.statSync(ownDescriptorPath(file)).ino)
      expect(await realPathOfOwnDescriptor(file)).toBe(Fs.realpathSync(import.meta.filename))
    } finally {
      Fs.closeSync(file)
    }
    await expect(realPathOfOwnDescriptor(1_000_000)).rejects.toMatchObject({ code: "ENOENT" })
  })

  it("read this process: running, its own namespace, its limits, threads, descriptors and mapped files", () => {
    expect(stateOf(process.pid)).toMatch(/^[RS]$/)
    expect(statusOf("self")?.get("Pid")).toBe(String(process.pid))
    expect(pidNamespaceOf("self")).toMatch(/^pid:\[\d+\]$/)
    expect(ownLimits()?.has("Max open files")).toBe(true)
    expect(threadsOf("self")).toContain(String(process.pid))
    const file = Fs.openSync(import.meta.filename, "r")
    try {
      const descriptors = descriptorsOf("self")
      expect(descriptors === false ? [] : descriptors.filter((fd) => fd.fd === file).map((fd) => fd.target)).toEqual([import.meta.filename])
      // Node opens files close-on-exec.
      expect(ownDescriptorFlags().find((fd) => fd.fd === file)!.flags & 0o2000000).toBe(0o2000000)
    } finally {
      Fs.closeSync(file)
    }
    expect(ownMappedFiles().some((path) => path === process.execPath || path.endsWith("/node"))).toBe(true)
  })

  it("answer nothing for a process that is gone rather than throw", () => {
    // Above the kernel's pid_max (4194304 at most): never a process.
    const gone = 4_194_305
    expect(stateOf(gone)).toBeUndefined()
    expect(statusOf(gone)).toBeUndefined()
    expect(childrenOf(gone)).toEqual([])
    expect(threadsOf(gone)).toEqual([])
    expect(descriptorsOf(gone)).toEqual([])
    expect(pidNamespaceOf(gone)).toBeUndefined()
  })
})

describe("the one reader of /proc", () => {
  it("is procfs/: no other module of src/ reads a /proc path itself", () => {
    const src = Path.resolve(import.meta.dirname, "../../src")
    const found: Array<string> = []
    const walk = (dir: string) => {
      for (const entry of Fs.readdirSync(dir, { withFileTypes: true })) {
        const path = Path.join(dir, entry.name)
        if (entry.isDirectory()) {
          if (path !== Path.join(src, "procfs")) walk(path)
        } else if (entry.name.endsWith(".ts")) {
          Fs.readFileSync(path, "utf8").split("\n").forEach((line, index) => {
            // A read of the file system on the same line as a /proc path. The sandbox's mount arguments
            // and comments name /proc without reading it; the Perl closer (CLOSER_SCRIPT) reads the
            // child's own /proc/self/fd, in the child.
            if (!line.includes("CLOSER_SCRIPT") && /\/proc\b/.test(line) && /\b(read\w*|opendir\w*|open\w*|stat\w*|lstat\w*|access\w*|existsSync)\s*\(/.test(line) && !/^\s*(\*|\/\/)/.test(line)) {
              found.push(`${Path.relative(src, path)}:${index + 1}`)
            }
          })
        }
      }
    }
    walk(src)
    expect(found).toEqual([])
  })
})
