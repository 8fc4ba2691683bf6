/**
 * Shell snapshots of a hostile rc file (issue 67, "not yet attacked"):
 * aliases and functions whose names and values hold newlines, quotes,
 * `$(...)`, backquotes and `;`. The snapshot's replay must define exactly
 * what the rc file defined (the same listing as a shell that read the rc
 * file itself) and run nothing of those names and values: each would
 * `touch` a file of its own if it ran, and so would bash's alias named
 * `alias` should the restore expand it. Real bash, zsh and dash under the
 * built server.
 */
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { type StdioServer, useStdioServers } from "../support/StdioServer.js"

const startServer = useStdioServers()

// Made as the module loads: the rc files' texts below name the marks directory.
const root = mkdtempSync(Path.join(Os.tmpdir(), "snapshot-names-"))
const marks = Path.join(root, "marks")
mkdirSync(marks)
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** A command that leaves a file named `name` in the marks directory, should it ever run. */
const touch = (name: string) => `touch ${marks}/${name}`

/** Aliases every shell takes: values with `$(...)`, backquotes, `;`, quotes and newlines. */
const ALIASES = [
  `alias evil='echo $(${touch("alias-value")}); echo \`${touch("alias-backquote")}\`; ${touch("alias-semicolon")}'`,
  `alias nl='echo one\n${touch("alias-newline")}'`,
  `alias quotes="it's \\"quoted\\"\nalias inner='x'"`,
  `alias mixed='say "a\nb" '\\''c\nd'\\'''`
]

/** Names bash and dash refuse (the rc file's error) and zsh takes: they must come back as names, never as commands. */
const ZSH_NAMES = [
  `alias -- 'a;${touch("alias-name-semicolon")}=x'`,
  `alias -- '$(${touch("alias-name-substitution")})=y'`,
  `alias -- $'b\\n${touch("alias-name-newline")}=z'`,
  `alias -g 'G$(${touch("global-alias-name")})=w'`,
  `function 'f;${touch("function-name-semicolon")}' { echo f; }`,
  `function 'g$(${touch("function-name-substitution")})' { echo g; }`,
  `function $'h\\n${touch("function-name-newline")}' { echo h; }`,
  `function "k'x" { echo k; }`,
  `function 'm() { :; }; ${touch("function-name-definition")}; n' { echo m; }`
]

/** Functions with such bodies, and names bash refuses. */
const FUNCTIONS = [
  `quoted() { echo "$(echo inner)" 'single $(${touch("function-body")})'; }`,
  `function 'f;${touch("bash-function-name")}' { echo f; }`,
  `function 'g$(${touch("bash-function-substitution")})' { echo g; }`
]

interface Shell {
  readonly name: "bash" | "zsh" | "sh"
  readonly path: string
  /** The rc file the capture reads. */
  readonly rc: string
  readonly text: string
  /** What lists the aliases and functions, as the shell prints them. */
  readonly listing: string
}

const SHELLS: ReadonlyArray<Shell> = [
  // Aliases expanded; last, an alias named `alias`, which the rc file (read twice by the capture) and the listing never expand (`\alias`).
  {
    name: "bash",
    path: "/bin/bash",
    rc: ".bashrc",
    text: ["shopt -s expand_aliases", ...ALIASES.map((line) => `\\${line}`), ...FUNCTIONS, `\\alias alias='${touch("alias-named-alias")}; alias'`].join("\n"),
    listing: "\\alias -p; declare -f"
  },
  { name: "zsh", path: "/usr/bin/zsh", rc: ".zshrc", text: [...ALIASES, ...ZSH_NAMES, FUNCTIONS[0]!].join("\n"), listing: "alias -L; functions" },
  { name: "sh", path: "/usr/bin/dash", rc: ".profile", text: ALIASES.join("\n"), listing: "alias" }
]

const run = async (server: StdioServer, processId: string, shell: Shell, home: string, script: string) => {
  const started = await server.request("process/start", {
    processId,
    argv: [shell.path, "-lc", script],
    cwd: "file:///tmp",
    env: { PATH: "/usr/bin:/bin", HOME: home },
    tty: false,
    shellSnapshot: { scopeId: "names", shell: { name: shell.name, path: shell.path } }
  })
  expect(started.error).toBeUndefined()
  await server.closed(processId, 30_000)
  return server.outputOf(processId).toString()
}

describe.each(SHELLS.filter((shell) => existsSync(shell.path)))("a hostile rc file's names and values ($name)", (shell) => {
  it("come back from the snapshot exactly as the rc file defined them, and nothing of them runs", async () => {
    for (const mark of readdirSync(marks)) rmSync(Path.join(marks, mark))
    const home = Path.join(root, shell.name)
    mkdirSync(home)
    const reads = Path.join(home, "reads")
    writeFileSync(Path.join(home, shell.rc), `echo read >> ${reads}\n${shell.text}\n`)
    if (shell.name === "bash") writeFileSync(Path.join(home, ".bash_profile"), ". ~/.bashrc\n")
    // What a shell that read the rc file itself lists (the rc file's own errors aside).
    const expected = execFileSync(shell.path, ["-c", `. ~/${shell.rc}; ${shell.listing}`], {
      env: { PATH: "/usr/bin:/bin", HOME: home },
      stdio: ["ignore", "pipe", "ignore"]
    }).toString()
    expect(expected).toContain("alias-newline")
    if (shell.name === "zsh") for (const mark of ["alias-name-newline", "global-alias-name", "function-name-definition", "function-name-newline"]) expect(expected).toContain(mark)
    const server = await startServer([])
    const first = await run(server, "first", shell, home, shell.listing)
    const second = await run(server, "second", shell, home, shell.listing)
    expect(first).toBe(expected)
    expect(second).toBe(expected)
    // Read by the listing above and by the one capture (bash's twice: its profile sources it): both commands ran from the snapshot.
    expect(readFileSync(reads, "utf8").split("\n").filter(Boolean).length).toBe(shell.name === "bash" ? 3 : 2)
    expect(readdirSync(marks)).toEqual([])
  })
})

/**
 * Issue 82 (7): the restore called the rc file's own functions where they
 * shadowed its commands: a `set` (bash) or `setopt` (zsh) of `~/.bashrc`
 * ran once per restored option line of every command, in a shell where a
 * real login shell would not run it. Each function below appends its name
 * to a file when it runs outside a login shell (the capture is one, and the
 * rc file runs there as it always did), then does what it stands for.
 */
describe("an rc file's functions named as the commands of the restore", () => {
  const setUp = (shell: "bash" | "zsh", name: string, rc: string) => {
    const home = Path.join(root, `shadow-${name}`)
    mkdirSync(home)
    const calls = Path.join(home, "calls")
    const reads = Path.join(home, "reads")
    writeFileSync(Path.join(home, shell === "bash" ? ".bashrc" : ".zshrc"), `echo read >> ${reads}\n${rc.replaceAll("CALLS", calls)}`)
    if (shell === "bash") writeFileSync(Path.join(home, ".bash_profile"), ". ~/.bashrc\n")
    const lines = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [])
    return { home, calls: () => lines(calls), reads: () => lines(reads).length }
  }
  const start = async (server: StdioServer, processId: string, shell: "bash" | "zsh", home: string, script: string) => {
    const path = shell === "bash" ? "/bin/bash" : "/usr/bin/zsh"
    const started = await server.request("process/start", {
      processId,
      argv: [path, "-lc", script],
      cwd: "file:///tmp",
      env: { PATH: "/usr/bin:/bin", HOME: home },
      tty: false,
      shellSnapshot: { scopeId: "shadow", shell: { name: shell, path } }
    })
    expect(started.error).toBeUndefined()
    await server.closed(processId, 30_000)
    return server.outputOf(processId).toString()
  }

  it("bash: a `set` of ~/.bashrc is not called by the restore of `bash -lc`, only by the script", async () => {
    const shell = setUp("bash", "bash-set", `set() { echo "set $*" >> CALLS; builtin set "$@"; }\n`)
    const server = await startServer([])
    expect(await start(server, "first", "bash", shell.home, "echo first")).toBe("first\n")
    expect(await start(server, "second", "bash", shell.home, "echo second")).toBe("second\n")
    // Before: `set -o braceexpand`, `hashall` and `interactive-comments` of each restore (6 lines).
    expect(shell.calls()).toEqual([])
    // The function is restored: the script's own `set` calls it, as a login shell's would.
    expect(await start(server, "third", "bash", shell.home, "set -o noclobber; [[ -o noclobber ]] && echo noclobber")).toBe("noclobber\n")
    expect(shell.calls()).toEqual(["set -o noclobber"])
    // The rc file ran at the one capture only (twice: the profile sources it, then as an interactive shell's).
    expect(shell.reads()).toBe(2)
  })

  it("zsh: a `setopt` of ~/.zshrc is not called by the restore of `zsh -lc`, only by the rc file and the script", async () => {
    const shell = setUp("zsh", "zsh-setopt", `setopt() { [[ -o login ]] && echo "login setopt $*" >> CALLS || echo "setopt $*" >> CALLS; builtin setopt "$@" }\nsetopt extendedglob\n`)
    const server = await startServer([])
    expect(await start(server, "first", "zsh", shell.home, "[[ -o extendedglob ]] && echo extendedglob")).toBe("extendedglob\n")
    expect(await start(server, "second", "zsh", shell.home, "echo second")).toBe("second\n")
    // The rc file's own call, at the capture (a login shell); before, one more line per option line of each restore.
    expect(shell.calls()).toEqual(["login setopt extendedglob"])
    expect(await start(server, "third", "zsh", shell.home, "setopt noclobber; [[ -o noclobber ]] && echo noclobber")).toBe("noclobber\n")
    expect(shell.calls()).toEqual(["login setopt extendedglob", "setopt noclobber"])
    expect(shell.reads()).toBe(1)
  })

  /** A function for each builtin the restore calls, some exported (bash defines those before the restore's first line). */
  const shadowing = (names: ReadonlyArray<string>, loginTest: string) =>
    names.map((name) => `${name}() { ${loginTest} || echo ${name} >> CALLS; builtin ${name} "$@"; }`).join("\n") + "\n"
  const BASH_LOGIN = "[[ :$BASHOPTS: == *:login_shell:* ]]"

  it("bash: nor are functions named as any builtin it calls, exported or not, nor one named `builtin`", async () => {
    const names = ["set", "shopt", "unalias", "true", "unset", "eval", "printf", "declare", "typeset", "export", "alias"]
    const shell = setUp("bash", "bash-all", `${shadowing(names, BASH_LOGIN)}builtin() { ${BASH_LOGIN} || echo builtin >> CALLS; command builtin "$@"; }\n` +
      `export -f eval unset printf\nshopt -s expand_aliases\nalias ll='ls -l'\n`)
    const server = await startServer([])
    const first = await start(server, "first", "bash", shell.home, "[[ :$BASHOPTS: == *:login_shell:* ]] || echo login=off; type -t set builtin eval; echo \"${BASH_ALIASES[ll]}\"")
    expect(first).toBe("login=off\nfunction\nfunction\nfunction\nls -l\n")
    expect(await start(server, "second", "bash", shell.home, ":")).toBe("")
    expect(shell.calls()).toEqual([])
  })

  it("bash: an exported function named `builtin` runs the command as asked, as the login shell", async () => {
    const shell = setUp("bash", "bash-builtin", `builtin() { ${BASH_LOGIN} || echo builtin >> CALLS; command builtin "$@"; }\nexport -f builtin\n`)
    const server = await startServer([])
    const script = "shopt -q login_shell && echo login=on"
    expect(await start(server, "first", "bash", shell.home, script)).toBe("login=on\n")
    expect(await start(server, "second", "bash", shell.home, script)).toBe("login=on\n")
    expect(shell.calls()).toEqual([])
    // The capture's two reads, then each command's one as the login shell it ran as.
    expect(shell.reads()).toBe(4)
  })

  it("zsh: nor are functions named as any builtin it calls", async () => {
    const names = ["setopt", "unalias", "true", "unset", "eval", "printf", "alias", "functions"]
    const shell = setUp("zsh", "zsh-all", `${shadowing(names, "[[ -o login ]]")}alias ll='ls -l'\nsetopt extendedglob\n`)
    const server = await startServer([])
    const first = await start(server, "first", "zsh", shell.home, "[[ -o login ]] || echo login=off; [[ -o extendedglob ]] && echo extendedglob; echo $aliases[ll]")
    expect(first).toBe("login=off\nextendedglob\nls -l\n")
    expect(await start(server, "second", "zsh", shell.home, ":")).toBe("")
    expect(shell.calls()).toEqual([])
  })
})
