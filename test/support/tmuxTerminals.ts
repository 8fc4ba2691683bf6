/**
 * Terminals a person types into: tmux sessions running a plain shell, each
 * on a tmux server of its own (`-L`), killed after each test. The default
 * server is anyone's on the machine: another user of it may end it under a
 * test ("server exited unexpectedly"), and a session made there gets that
 * server's environment, not the test's.
 */
import { execFileSync, spawnSync } from "node:child_process"
import { rmSync } from "node:fs"
import { afterEach, expect } from "vitest"
import { eventually } from "./StdioServer.js"

export interface TmuxTerminal {
  /** tmux's send-keys: text, or key names such as `Enter` and `C-c`. */
  readonly type: (...keys: Array<string>) => void
  /** The screen as shown; -J joins a line the terminal wrapped into one. */
  readonly screen: () => string
  /** Waits until the screen shows `text`, failing with the screen if it never does. */
  readonly shows: (text: RegExp) => Promise<void>
  readonly resize: (cols: number) => void
  /** The terminal device of the pane (`/dev/pts/N`): what the programs in it have as their terminal. */
  readonly device: () => string
}

/** Returns a maker of terminals (`cols`×`rows`), each the one session of a tmux server on the socket `prefix-NAME-PID-N`. */
export const useTmuxTerminals = (prefix: string, options: { readonly cols: number; readonly rows?: number; readonly waitMs?: number }) => {
  const rows = options.rows ?? 30
  let made = 0
  let servers: Array<{ readonly socket: string; path: string | undefined }> = []
  afterEach(() => {
    for (const { path, socket } of servers) {
      spawnSync("tmux", ["-L", socket, "kill-server"])
      // tmux 3.3 leaves its socket behind when its server ends.
      if (path !== undefined) rmSync(path, { force: true })
    }
    servers = []
  })
  return (name: string): TmuxTerminal => {
    const socket = `${prefix}-${name}-${process.pid}-${made++}`
    const tmux = (...args: Array<string>) => execFileSync("tmux", ["-L", socket, ...args])
    // Known before anything can throw: a server whose session was made is always killed after the test.
    const server: (typeof servers)[number] = { socket, path: undefined }
    servers.push(server)
    tmux("new-session", "-d", "-s", name, "-x", String(options.cols), "-y", String(rows), "bash --norc")
    server.path = tmux("display-message", "-p", "#{socket_path}").toString().trim()
    const screen = () => tmux("capture-pane", "-t", name, "-p", "-J").toString()
    return {
      type: (...keys) => void tmux("send-keys", "-t", name, ...keys),
      screen,
      shows: async (text) => {
        const seen = await eventually(() => text.test(screen()), options.waitMs ?? 20_000, 50)
        expect(seen, `screen:\n${screen()}`).toBe(true)
      },
      resize: (cols) => void tmux("resize-window", "-t", name, "-x", String(cols), "-y", String(rows)),
      device: () => tmux("display-message", "-p", "-t", name, "#{pane_tty}").toString().trim()
    }
  }
}
