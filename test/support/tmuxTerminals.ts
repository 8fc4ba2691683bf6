/** Terminals a person types into: tmux sessions running a plain shell, killed after each test. */
import { execFileSync, spawnSync } from "node:child_process"
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
}

/** Returns a maker of terminals (`cols`×`rows`) whose sessions are named `prefix-NAME-PID`. */
export const useTmuxTerminals = (prefix: string, options: { readonly cols: number; readonly rows?: number; readonly waitMs?: number }) => {
  const rows = options.rows ?? 30
  let sessions: Array<string> = []
  afterEach(() => {
    for (const session of sessions) spawnSync("tmux", ["kill-session", "-t", session])
    sessions = []
  })
  return (name: string): TmuxTerminal => {
    const session = `${prefix}-${name}-${process.pid}`
    sessions.push(session)
    execFileSync("tmux", ["new-session", "-d", "-s", session, "-x", String(options.cols), "-y", String(rows), "bash --norc"])
    const screen = () => execFileSync("tmux", ["capture-pane", "-t", session, "-p", "-J"]).toString()
    return {
      type: (...keys) => void execFileSync("tmux", ["send-keys", "-t", session, ...keys]),
      screen,
      shows: async (text) => {
        const seen = await eventually(() => text.test(screen()), options.waitMs ?? 20_000, 50)
        expect(seen, `screen:\n${screen()}`).toBe(true)
      },
      resize: (cols) => void execFileSync("tmux", ["resize-window", "-t", session, "-x", String(cols), "-y", String(rows)])
    }
  }
}
