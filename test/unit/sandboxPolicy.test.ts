/**
 * The sandbox policy: both request forms resolved against a real directory
 * tree, the operator's policy intersected with the client's, the bubblewrap
 * options built from a policy, and how sandboxDenied is decided.
 */
import { Effect, Exit, Schema } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { SandboxRequest } from "../../src/protocol/sandbox.js"
import { bubblewrapOptions } from "../../src/sandbox/bubblewrap.js"
import { isLikelySandboxDenied } from "../../src/sandbox/denial.js"
import { accessAt, combine, type Confinement, realPathOf, resolve, type ResolvedSandbox } from "../../src/sandbox/policy.js"

let directories: Array<string> = []
afterEach(() => {
  for (const directory of directories) Fs.rmSync(directory, { recursive: true, force: true })
  directories = []
})
const tempDir = (): string => {
  const directory = Fs.realpathSync(Fs.mkdtempSync(Path.join(Os.tmpdir(), "policy-")))
  directories.push(directory)
  return directory
}

const decode = Schema.decodeUnknownSync(SandboxRequest)
const confine = (request: unknown, context = {}): Confinement => Effect.runSync(resolve(decode(request), context))
const policyOf = (request: unknown, context = {}): ResolvedSandbox => {
  const confinement = confine(request, context)
  if (confinement._tag !== "Confined") throw new Error("expected a confinement")
  return confinement.policy
}
const refusal = (request: unknown, context = {}): string => {
  const exit = Effect.runSyncExit(resolve(decode(request), context))
  if (Exit.isSuccess(exit)) throw new Error("expected a refusal")
  return JSON.stringify(exit.cause)
}

const special = (kind: string, access: string, extra: Record<string, unknown> = {}) => ({
  path: { type: "special", value: { kind, ...extra } },
  access
})
const codex = (entries: ReadonlyArray<unknown>, workspace: string, network = "restricted") => ({
  permissions: { type: "managed", file_system: { type: "restricted", entries }, network },
  cwd: `file://${workspace}`,
  workspaceRoots: [`file://${workspace}`],
  windowsSandboxLevel: "disabled"
})

describe("resolving the reference's context", () => {
  it("workspace-write: root readable, the workspace and /tmp writable, protected names read-only even when missing", () => {
    const workspace = tempDir()
    Fs.mkdirSync(Path.join(workspace, ".git"))
    const policy = policyOf(codex([
      special("root", "read"),
      special("project_roots", "write"),
      special("slash_tmp", "write"),
      special("project_roots", "read", { subpath: ".git" })
    ], workspace))
    expect(policy.network).toBe(false)
    expect(accessAt(policy, "/etc/passwd")).toBe("read")
    expect(accessAt(policy, Path.join(workspace, "src/a.ts"))).toBe("write")
    expect(accessAt(policy, Path.join(workspace, ".git/config"))).toBe("read")
    expect(accessAt(policy, Path.join(workspace, ".codex/x"))).toBe("read")
    expect(policy.rules.find((rule) => rule.path === Path.join(workspace, ".codex"))?.missing).toBe(true)
    expect(policy.rules.find((rule) => rule.path === Path.join(workspace, ".git"))?.missing).toBe(false)
  })

  it("read-only mode, disabled, external and unrestricted", () => {
    const workspace = tempDir()
    const readOnly = policyOf(codex([special("root", "read")], workspace))
    expect(accessAt(readOnly, workspace)).toBe("read")
    expect(confine({ permissions: { type: "disabled" }, windowsSandboxLevel: "disabled" })).toEqual({ _tag: "Unconfined" })
    expect(confine({ permissions: { type: "external", network: "enabled" }, windowsSandboxLevel: "disabled" }))
      .toEqual({ _tag: "Unconfined" })
    const external = policyOf({ permissions: { type: "external", network: "restricted" }, windowsSandboxLevel: "disabled" })
    expect(external).toEqual({ rules: [{ path: "/", access: "write", missing: false }], network: false })
    expect(confine({
      permissions: { type: "managed", file_system: { type: "unrestricted" }, network: "enabled" },
      windowsSandboxLevel: "disabled"
    })).toEqual({ _tag: "Unconfined" })
  })

  it("tmpdir is the command's $TMPDIR; deny hides a path", () => {
    const workspace = tempDir()
    const scratch = tempDir()
    Fs.mkdirSync(Path.join(workspace, "secrets"))
    const policy = policyOf(
      codex([special("root", "read"), special("tmpdir", "write"), special("project_roots", "deny", { subpath: "secrets" })], workspace),
      { env: { TMPDIR: scratch } }
    )
    expect(accessAt(policy, Path.join(scratch, "f"))).toBe("write")
    expect(accessAt(policy, Path.join(workspace, "secrets/key"))).toBe("none")
  })

  it("refuses what it cannot honour", () => {
    const workspace = tempDir()
    expect(refusal(codex([{ path: { type: "glob_pattern", pattern: "**/*.env" }, access: "deny" }], workspace))).toContain("glob_pattern")
    expect(refusal(codex([special("unknown", "read")], workspace))).toContain("unknown")
    expect(refusal(codex([special("project_roots", "write", { subpath: "../.." })], workspace))).toContain("leaves its root")
    expect(refusal(codex([{ path: { type: "path", path: `${workspace}/missing` }, access: "write" }], workspace)))
      .toContain("does not exist")
    // Inside permissions an unknown field could be a restriction: refused.
    const context = codex([], workspace) as { readonly permissions: object }
    expect(() => decode({ ...context, permissions: { ...context.permissions, networkProxy: "x" } })).toThrow(/networkProxy/)
  })

  it("ignores an unknown field at the top level of the reference's context (newer Codex context), as the reference does", () => {
    const workspace = tempDir()
    const decoded = decode({ ...codex([], workspace), loopbackPorts: [8080], sandboxOverride: "noOverride" })
    expect(decoded).not.toHaveProperty("loopbackPorts")
    expect(decoded).toMatchObject({ sandboxOverride: "noOverride" })
  })

  it("a protected name that is a symlink inside a writable root is refused", () => {
    const workspace = tempDir()
    Fs.symlinkSync(tempDir(), Path.join(workspace, ".git"))
    expect(refusal({ writableRoots: [workspace] })).toContain("symlink inside a writable root")
  })
})

describe("a .git file (gitdir: PATH)", () => {
  it("protects the git directory it names where that is writable, and never opens one that is denied", () => {
    const workspace = tempDir()
    const denied = tempDir()
    Fs.mkdirSync(Path.join(workspace, "inside"))
    Fs.mkdirSync(Path.join(denied, "gd"))
    Fs.writeFileSync(Path.join(workspace, ".git"), "gitdir: inside\n")
    const protectedInside = policyOf({ writableRoots: [workspace] })
    expect(accessAt(protectedInside, Path.join(realPathOf(workspace), "inside"))).toBe("read")
    Fs.writeFileSync(Path.join(workspace, ".git"), `gitdir: ${Path.join(denied, "gd")}\n`)
    const stillDenied = policyOf({ writableRoots: [workspace], deniedPaths: [denied] })
    expect(accessAt(stillDenied, Path.join(realPathOf(denied), "gd"))).toBe("none")
  })
})

describe("our policy form and the operator's", () => {
  it("resolves paths through symlinks and ..", () => {
    const workspace = tempDir()
    const link = Path.join(tempDir(), "link")
    Fs.symlinkSync(workspace, link)
    const policy = policyOf({ writableRoots: [link] })
    expect(accessAt(policy, realPathOf(`${link}/a/../b`))).toBe("write")
    expect(accessAt(policy, realPathOf(`${link}/../x`))).toBe("read")
    expect(realPathOf(`${link}/new/file`)).toBe(`${workspace}/new/file`)
    expect(realPathOf(link, false)).toBe(link)
  })

  it("readable: minimal hides all but what programs need", () => {
    const workspace = tempDir()
    const policy = policyOf({ writableRoots: [workspace], readable: "minimal" })
    expect(accessAt(policy, "/usr/bin/env")).toBe("read")
    expect(accessAt(policy, "/etc/passwd")).toBe("read")
    expect(accessAt(policy, Os.homedir())).toBe("none")
    expect(accessAt(policy, `${workspace}/f`)).toBe("write")
    expect(accessAt(policy, `${workspace}/.git/x`)).toBe("read")
    expect(policy.rules.find((rule) => rule.path === "/")).toMatchObject({ access: "none" })
  })

  it("a client narrows the operator's policy and never widens it", () => {
    const allowed = tempDir()
    const other = tempDir()
    const operator = confine({ writableRoots: [allowed] })
    const wider = combine(operator, confine({ writableRoots: [allowed, other], network: true }))
    if (wider._tag !== "Confined") throw new Error("confined")
    expect(accessAt(wider.policy, `${other}/f`)).toBe("read")
    expect(accessAt(wider.policy, `${allowed}/f`)).toBe("write")
    expect(wider.policy.network).toBe(false)
    // Protected names of a root the client may not write to need no placeholder.
    expect(wider.policy.rules.some((rule) => rule.missing && rule.path.startsWith(other))).toBe(false)
    Fs.mkdirSync(`${allowed}/private`)
    const narrower = combine(operator, confine({ writableRoots: [], deniedPaths: [`${allowed}/private`] }))
    if (narrower._tag !== "Confined") throw new Error("confined")
    expect(accessAt(narrower.policy, `${allowed}/f`)).toBe("read")
    expect(accessAt(narrower.policy, `${allowed}/private/f`)).toBe("none")
    expect(combine(operator, { _tag: "Unconfined" })).toEqual(operator)
  })
})

describe("bubblewrap options", () => {
  it("root first, deeper rules after shallower ones, no network unless allowed, capabilities dropped", () => {
    const workspace = tempDir()
    const options = bubblewrapOptions({ policy: policyOf({ writableRoots: [workspace] }), cwd: workspace })
    expect(options.slice(0, 3)).toEqual(["--ro-bind", "/", "/"])
    const bind = options.indexOf("--bind")
    expect(options.slice(bind, bind + 3)).toEqual(["--bind", workspace, workspace])
    const git = options.indexOf(Path.join(workspace, ".git"))
    expect(git).toBeGreaterThan(bind)
    expect(options.slice(git - 3, git + 3)).toEqual(["--perms", "0555", "--tmpfs", Path.join(workspace, ".git"), "--remount-ro", Path.join(workspace, ".git")])
    expect(options).toContain("--unshare-net")
    expect(options).toContain("--unshare-pid")
    expect(options).toContain("--die-with-parent")
    expect(options.slice(options.indexOf("--cap-drop"), options.indexOf("--cap-drop") + 2)).toEqual(["--cap-drop", "ALL"])
    const networked = bubblewrapOptions({ policy: policyOf({ writableRoots: [workspace], network: true }), cwd: workspace })
    expect(networked).not.toContain("--unshare-net")
  })

  it("pins every directory that could be renamed above a rule, and keeps a nested writable root a mount of its own", () => {
    const box = tempDir()
    Fs.mkdirSync(Path.join(box, "a/b/secret"), { recursive: true })
    Fs.mkdirSync(Path.join(box, "inner/proj"), { recursive: true })
    const policy = policyOf({ writableRoots: [box, Path.join(box, "inner/proj")], deniedPaths: [Path.join(box, "a/b/secret")], protectedNames: [] })
    const options = bubblewrapOptions({ policy, cwd: box })
    const binds = options.flatMap((option, index) => option === "--bind" ? [options[index + 1]] : [])
    expect(binds).toEqual([box, `${box}/a`, `${box}/a/b`, `${box}/inner`, `${box}/inner/proj`])
    // Each pin comes after its parent's mount and before the rule under it.
    expect(options.indexOf(`${box}/a/b`)).toBeLessThan(options.indexOf(`${box}/a/b/secret`))
  })
})

describe("sandboxDenied", () => {
  it("reads the output of a failed sandboxed process", () => {
    expect(isLikelySandboxDenied(0, "Read-only file system", false)).toBe(false)
    expect(isLikelySandboxDenied(1, "touch: cannot touch '/etc/x': Read-only file system", true)).toBe(true)
    expect(isLikelySandboxDenied(1, "bash: /root/x: Permission denied", true)).toBe(true)
    expect(isLikelySandboxDenied(6, "curl: (6) Could not resolve host: example.com", false)).toBe(true)
    expect(isLikelySandboxDenied(6, "curl: (6) Could not resolve host: example.com", true)).toBe(false)
    expect(isLikelySandboxDenied(127, "sh: nosuch: not found", false)).toBe(false)
    expect(isLikelySandboxDenied(2, "make: *** [all] Error 2", false)).toBe(false)
  })
})
