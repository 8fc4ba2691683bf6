/**
 * `exec-server exec`'s managed network proxy as a person uses it, in a real
 * terminal (tmux): a host no pattern decides is asked on the terminal, the
 * answer is the decision (and never reaches the command's stdin), one
 * answer holds for the host, and `--verbose` says each decision (without
 * it, each host refused, once). Without a terminal nobody is asked. The
 * command is run by a stdio server the client starts; curl goes through the
 * proxy to a loopback HTTP server.
 */
import { spawnSync } from "node:child_process"
import { describe, expect, it } from "vitest"
import { useHelloServer } from "../support/helloServer.js"
import { SERVER_BIN } from "../support/StdioServer.js"
import { useTmuxTerminals } from "../support/tmuxTerminals.js"
import { runPiped } from "../support/userShell.js"

const cli = `${process.execPath} ${SERVER_BIN}`

const helloPort = useHelloServer()

/** A plain shell in a 150×40 terminal. */
const terminal = useTmuxTerminals("cli-net", { cols: 150, rows: 40 })

/** A shell command line that fetches `host` through the proxy and prints the status. */
const fetchVia = (host: string) => `curl -sS -o /dev/null -w 'code=%{http_code}\\n' -x "$HTTP_PROXY" http://${host}:${helloPort()}/`

/** `fetchVia` inside a double-quoted `bash -c "..."` that the terminal's shell reads. */
const quoted = (line: string) => line.replaceAll('"', '\\"').replaceAll("$", "\\$")

const question = (host: string) => new RegExp(`exec: allow network access to ${host.replaceAll(".", "\\.")}:${helloPort()} \\(http\\)\\? \\[y/N\\]`)

describe("exec-server exec --allow-domain in a terminal", () => {
  it("--tty: asks about an unlisted host; no denies it, --verbose says so, and the answer is not the command's input", async () => {
    const term = terminal("tty")
    const command = `bash -c "${quoted(`${fetchVia("unlisted.test")}; read -t 2 line; echo stdin=[$line]`)}"`
    term.type(`PS1='local$ '; ${cli} exec --allow-domain localhost --verbose stdio -- ${command}; echo EXIT=$?`, "Enter")
    await term.shows(question("unlisted.test"))
    term.type("n", "Enter")
    await term.shows(new RegExp(`exec-server: network deny http unlisted\\.test:${helloPort()} GET \\(decider: exec-server: denied at the terminal\\)`))
    await term.shows(/^code=403/m)
    // The answer's keys went to the question, not to the command.
    await term.shows(/^stdin=\[\]/m)
    await term.shows(/^EXIT=0$/m)
  })

  it("with pipes from a terminal: a yes holds for the host (asked once), and a listed host is not asked", async () => {
    const term = terminal("pipes")
    const command = `bash -c "${quoted(`${fetchVia("localhost")}; ${fetchVia("asked.test")}; ${fetchVia("asked.test")}`)}"`
    term.type(`PS1='local$ '; ${cli} exec --allow-domain localhost stdio -- ${command} | cat; echo EXIT=$?`, "Enter")
    await term.shows(question("asked.test"))
    term.type("y", "Enter")
    await term.shows(/^EXIT=0$/m)
    const screen = term.screen()
    expect(screen.match(/exec: allow network access/g)?.length, screen).toBe(1)
    // localhost is listed; asked.test was allowed, and then refused as a name that does not resolve.
    // The command's output reaches the screen through `cat`, the question straight from the client:
    // a line of output may come after the question, on its line (`[y/N] code=200`).
    expect(screen.match(/code=\d{3}$/gm), screen).toEqual(["code=200", "code=403", "code=403"])
    // Allowed at the terminal, then refused by the address check: said once, as the person was not asked about that.
    expect(screen.match(new RegExp(`^exec-server: denied asked\\.test:${helloPort()} \\(not allowed local\\)$`, "gm"))?.length, screen).toBe(1)
  })
})

describe("exec-server exec --allow-domain without a terminal", () => {
  /** `commands` run by bash in a process of a stdio server, `localhost` allowed, with these flags too. */
  const execAllowingLocalhost = (flags: ReadonlyArray<string>, commands: ReadonlyArray<string>) =>
    runPiped([SERVER_BIN, "exec", "--allow-domain", "localhost", ...flags, "stdio", "--", "bash", "-c", commands.join("; ")])

  it("asks nobody: unlisted hosts are denied by the proxy, or by the client with --ask-domains", async () => {
    const run = (...flags: Array<string>) => execAllowingLocalhost(["--verbose", ...flags], [fetchVia("localhost"), fetchVia("unlisted.test")])
    const plain = await run()
    expect(plain.stdout).toBe("code=200\ncode=403\n")
    expect(plain.stderr).toContain(`exec-server: network allow http localhost:${helloPort()} GET (baseline_policy: allow)`)
    expect(plain.stderr).toContain(`exec-server: network deny http unlisted.test:${helloPort()} GET (baseline_policy: not_allowed)`)
    const asked = await run("--ask-domains")
    expect(asked.stdout).toBe("code=200\ncode=403\n")
    expect(asked.stderr).toContain(`network deny http unlisted.test:${helloPort()} GET (decider: exec-server: no terminal to ask on)`)
    expect(asked.stderr).not.toContain("exec: allow network access")
  })

  it("without --verbose: each refused host and port is said once on stderr, in the note's words; stdout is the command's alone", async () => {
    const connectVia = (target: string) => `curl -s -o /dev/null -w 'connect=%{http_connect}\\n' -x "$HTTP_PROXY" https://${target}/`
    const run = (...flags: Array<string>) =>
      execAllowingLocalhost(["--deny-domain", "blocked.test", ...flags], [
        fetchVia("localhost"),
        fetchVia("unlisted.test"),
        fetchVia("unlisted.test"),
        connectVia("example.com"),
        connectVia("example.com"),
        fetchVia("blocked.test")
      ])
    const plain = await run()
    expect([plain.stdout, plain.status]).toEqual(["code=200\ncode=403\ncode=403\nconnect=403\nconnect=403\ncode=403\n", 0])
    expect(plain.stderr).toBe(
      `exec-server: denied unlisted.test:${helloPort()} (not allowed)\n` +
        "exec-server: denied example.com:443 (not allowed)\n" +
        `exec-server: denied blocked.test:${helloPort()} (denied)\n`
    )
    // Denied by this client, where nobody can be asked: the client's reason.
    const asked = await run("--ask-domains")
    expect(asked.stdout).toBe(plain.stdout)
    expect(asked.stderr).toBe(
      `exec-server: denied unlisted.test:${helloPort()} (no terminal to ask on)\n` +
        "exec-server: denied example.com:443 (no terminal to ask on)\n" +
        `exec-server: denied blocked.test:${helloPort()} (denied)\n`
    )
  })

  it("refuses contradicting flags (exit 2)", () => {
    const both = spawnSync(process.execPath, [SERVER_BIN, "exec", "--ask-domains", "--no-ask-domains", "stdio", "--", "true"], { input: "" })
    expect([both.status, both.stderr.toString()]).toEqual([2, "exec-server: --ask-domains and --no-ask-domains contradict each other: give one\n"])
  })
})
