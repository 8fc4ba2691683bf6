/** The closer that children start through without the addon, and how open descriptors are told from close-on-exec ones. */
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import { describe, expect, it } from "vitest"
import { closerArgv, descriptorsWithoutCloseOnExec } from "../../src/native/inheritedDescriptors.js"

/** Runs `file` with `args`, `/dev/null` as the child's fd 5 (put there with dup2: not close-on-exec). */
const withFd5 = (file: string, args: ReadonlyArray<string>) => {
  const fd = Fs.openSync("/dev/null", "r")
  try {
    return spawnSync(file, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe", "ignore", "ignore", fd] })
  } finally {
    Fs.closeSync(fd)
  }
}

/** `argv` run by `file` through the closer, with an fd 5 to close. */
const throughCloser = (file: string, argv: ReadonlyArray<string>) => withFd5(...closerArgv(file, argv))

describe("the closer", () => {
  it("closes every descriptor from 3 on, then execs the program with the argv[0] it is given", () => {
    // Without the closer the child has fd 5: the case holds something to close.
    const plain = withFd5("ls", ["/proc/self/fd"])
    expect(plain.stdout.split("\n")).toContain("5")
    const result = throughCloser("sh", ["named-zero", "-c", "echo $0; exec ls /proc/self/fd"])
    expect(result.status).toBe(0)
    // 3 is the listing's own directory.
    expect(result.stdout.trim().split("\n")).toEqual(["named-zero", "0", "1", "2", "3"])
  })

  it("exits 127 for a missing program and 126 for one it cannot run, with the reason on stderr, as a shell does", () => {
    const missing = throughCloser("/no/such/program", ["x"])
    expect(missing.status).toBe(127)
    expect(missing.stderr).toBe("/no/such/program: No such file or directory\n")
    const directory = throughCloser("/tmp", ["x"])
    expect(directory.status).toBe(126)
    expect(directory.stderr).toMatch(/^\/tmp: Permission denied\n$/)
  })
})

describe("descriptorsWithoutCloseOnExec", () => {
  it("lists none of what Node opens (close-on-exec), from 3 on only", () => {
    const fd = Fs.openSync("/dev/null", "r")
    try {
      const open = descriptorsWithoutCloseOnExec()
      expect(open).not.toContain(fd)
      expect(open.every((n) => n > 2)).toBe(true)
    } finally {
      Fs.closeSync(fd)
    }
  })
})
