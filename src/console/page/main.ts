/**
 * The web console's page: logs in with a one-time link (its secret in the
 * URL fragment, traded once for an HttpOnly cookie and removed from the
 * address bar and history), then lists the server's sessions and processes
 * live and shows a process in a terminal. Routes are fragments:
 * `#/` (the lists), `#/watch/SESSION/PROCESS` (read-only), and
 * `#/attach/SESSION/PROCESS` (keystrokes go to the process).
 */
import "@xterm/xterm/css/xterm.css"
import "./style.css"
import { SessionConnection } from "./connection.js"
import { type Child, commandLine, h, literal } from "./dom.js"
import { sessionLists, statusOf } from "./lists.js"
import { consoleFetch, RpcError, sessionKey } from "./rpc.js"
import { TerminalView } from "./terminal.js"
import type { ConsoleProcess } from "./types.js"

/** Where the page keeps the id of its own session across reloads (this tab only). */
const SESSION_KEY = "exec-server-console-session"
/** How long the console's own session (its shells) outlives the page. */
const DETACH_TTL_MS = 5 * 60 * 1000

/**
 * Calls `connect` until it gives a connection, waiting after each failure
 * (100 ms, growing to a second); `giveUp`, asked after each failure, ends
 * it without one.
 */
const keepConnecting = async <A>(
  connect: () => Promise<A>,
  giveUp: (error: unknown) => boolean | Promise<boolean>
): Promise<A | undefined> => {
  for (let attempt = 1;; attempt++) {
    try {
      return await connect()
    } catch (error) {
      if (await giveUp(error)) return undefined
    }
    await new Promise((resolve) => window.setTimeout(resolve, Math.min(1000, 100 * attempt)))
  }
}

/** One more connection a terminal follows its process over (its keystrokes go there from now on). */
const countConnection = (container: HTMLElement): void => {
  container.dataset.connections = String(Number(container.dataset.connections ?? "0") + 1)
}

/** The page. */
class ConsoleApp {
  private main: SessionConnection | undefined
  private connecting: Promise<SessionConnection> | undefined
  private leaveView: () => void = () => {}
  /** The terminal shown, if any: a dropped connection resumes it rather than building it again. */
  private shown: {
    readonly terminal: TerminalView
    readonly processId: string
    readonly onMain: boolean
    readonly attach: boolean
    /** Counts the connections the terminal has followed the process over (`data-connections`). */
    readonly container: HTMLElement
  } | undefined
  private readonly root = document.getElementById("app")!
  private readonly banner = h("div", { class: "banner", hidden: "" })

  async boot(): Promise<void> {
    // A link pasted into a tab already showing the console changes only the fragment: log in then too.
    window.addEventListener("hashchange", () => void (this.isLoginLink() ? this.logIn() : this.route()))
    await this.logIn()
  }

  /** Whether the fragment is a login link's secret rather than a route. */
  private isLoginLink(): boolean {
    const fragment = location.hash.slice(1)
    return fragment !== "" && !fragment.startsWith("/")
  }

  private async logIn(): Promise<void> {
    if (this.isLoginLink()) {
      const secret = location.hash.slice(1)
      // The link's secret: out of the address bar and this history entry before anything else.
      history.replaceState(null, "", location.pathname)
      const login = await fetch("/console/login", { method: "POST", body: secret, credentials: "same-origin" })
      if (!login.ok) return this.showLogin(`This login link cannot be used: ${(await login.text()).trim()}.`)
      sessionKey.set(((await login.json()) as { readonly key: string }).key)
      // A connection of an earlier login goes: the next one opens with the new cookie.
      this.main?.close()
      this.main = undefined
    }
    const session = await consoleFetch("/console/session")
    if (session.status !== 204) return this.showLogin("Not logged in.")
    await this.route()
  }

  private showLogin(why: string): void {
    this.root.replaceChildren(h("main", { class: "login" },
      h("h1", {}, "exec-server console"),
      h("p", { "data-testid": "login-message" }, why),
      h("p", {}, "Get a one-time link from the server's operator:"),
      h("pre", {}, "exec-server console-url ws://HOST:PORT")))
  }

  /** The page's own connection and session, made again after a drop (resuming the session). */
  private connection(): Promise<SessionConnection> {
    if (this.main !== undefined && this.main.rpc.open) return Promise.resolve(this.main)
    this.connecting ??= SessionConnection.open({
      resume: sessionStorage.getItem(SESSION_KEY) ?? undefined,
      detachTtlMs: DETACH_TTL_MS
    }).catch((error: unknown) => {
      // Expired or closed: a new session.
      if (error instanceof RpcError) return SessionConnection.open({ detachTtlMs: DETACH_TTL_MS })
      throw error
    }).then((connection) => {
      sessionStorage.setItem(SESSION_KEY, connection.sessionId)
      this.main = connection
      this.connecting = undefined
      connection.onClose = () => this.dropped()
      return connection
    }, (error: unknown) => {
      this.connecting = undefined
      throw error
    })
    return this.connecting
  }

  private dropped(): void {
    this.main = undefined
    this.showBanner("Connection lost; reconnecting…")
    const shown = this.shown
    if (shown === undefined) {
      window.setTimeout(() => void this.route(), 500)
      return
    }
    // An attached session's terminal has a connection of its own, which takes it over again; this one only comes back.
    if (!shown.onMain) return void this.reconnect(() => {})
    void this.reconnect((main) => {
      if (this.shown !== shown) return
      if (shown.attach) main.views.set(shown.processId, shown.terminal)
      const resumed = shown.terminal.resume(main.rpc)
      countConnection(shown.container)
      return resumed
    })
  }

  /** Connects again (until logged out), then hands the new connection to `resume`. */
  private async reconnect(resume: (main: SessionConnection) => Promise<void> | void): Promise<void> {
    const main = await keepConnecting(() => this.connection(), () => this.loggedOut())
    if (main === undefined) return
    this.showBanner(undefined)
    await resume(main)
  }

  /**
   * Whether the cookie no longer opens the console (logout elsewhere,
   * expiry, a restarted server): then the page says so and stops retrying.
   * A server that cannot be reached is not that.
   */
  private async loggedOut(): Promise<boolean> {
    const answer = await consoleFetch("/console/session").catch(() => undefined)
    if (answer?.status !== 401) return false
    this.leaveView()
    this.leaveView = () => {}
    this.shown = undefined
    sessionStorage.removeItem(SESSION_KEY)
    this.showLogin("Your console session has ended: logged out, expired, or the server restarted.")
    return true
  }

  private showBanner(text: string | undefined): void {
    // Its messages may carry a client's ids: shown as they are.
    this.banner.replaceChildren(literal(text ?? ""))
    this.banner.hidden = text === undefined
  }

  private async route(): Promise<void> {
    this.leaveView()
    this.leaveView = () => {}
    this.shown = undefined
    const main = await keepConnecting(() => this.connection(), async (error) => {
      if (await this.loggedOut()) return true
      this.showBanner(`${(error as Error).message}; retrying…`)
      return false
    })
    if (main === undefined) return
    this.showBanner(undefined)
    const [, view, sessionId, processId] = location.hash.slice(1).split("/")
    if ((view === "watch" || view === "attach") && sessionId !== undefined && processId !== undefined) {
      return this.showProcess(main, view, decodeURIComponent(sessionId), decodeURIComponent(processId))
    }
    return this.showLists(main)
  }

  private header(main: SessionConnection, ...extra: Array<Child>): HTMLElement {
    return h("header", {},
      h("a", { href: "#/", class: "title" }, "exec-server console"),
      h("span", { class: "server" }, `${main.server.name} ${main.server.version}`),
      ...extra,
      h("span", { class: "buttons" },
        h("button", { "data-testid": "new-shell", onclick: () => void this.newShell(main) }, "New shell"),
        h("button", { "data-testid": "logout", onclick: () => void this.logout() }, "Log out")))
  }

  private async newShell(main: SessionConnection): Promise<void> {
    const processId = `shell-${Date.now().toString(36)}`
    await main.request("process/start", {
      processId,
      argv: ["/bin/sh", "-c", "exec \"${SHELL:-/bin/sh}\""],
      env: { TERM: "xterm-256color", COLORTERM: "truecolor" },
      tty: true,
      size: { rows: 24, cols: 80 }
    })
    location.hash = `#/attach/${encodeURIComponent(main.sessionId)}/${encodeURIComponent(processId)}`
  }

  private async logout(): Promise<void> {
    sessionStorage.removeItem(SESSION_KEY)
    this.leaveView()
    this.main?.close()
    this.main = undefined
    await consoleFetch("/console/logout", { method: "POST" })
    sessionKey.clear()
    this.showLogin("Logged out.")
  }

  /** The sessions and their processes, refreshed while shown. */
  private showLists(main: SessionConnection): void {
    const lists = sessionLists(main, (message) => this.showBanner(message))
    this.root.replaceChildren(this.header(main), this.banner, lists.element)
    this.leaveView = lists.stop
  }

  /** One process in a terminal: read-only, or attached (this console's session, or a detached one taken over). */
  private async showProcess(main: SessionConnection, view: "watch" | "attach", sessionId: string, processId: string): Promise<void> {
    const status = h("span", { class: "status", "data-testid": "status" }, "")
    const container = h("div", { class: "terminal", "data-testid": "terminal" })
    const title = h("span", { class: "argv" }, literal(processId))
    this.root.replaceChildren(
      this.header(main, h("span", { class: "crumb" }, view === "watch" ? "watching" : "attached", " ", title), status),
      this.banner,
      container)
    let holder = main
    let attached: SessionConnection | undefined
    let left = false
    try {
      if (view === "attach" && sessionId !== main.sessionId) {
        attached = await SessionConnection.open({ resume: sessionId })
        holder = attached
      }
      const info = (await main.request<{ processes: Array<ConsoleProcess> }>("console/processes", { sessionId }))
        .processes.find((entry) => entry.processId === processId)
      if (info === undefined) throw new Error(`no process ${processId} in session ${sessionId}`)
      title.replaceChildren(...commandLine(info.argv))
      status.textContent = statusOf(info)
      const terminal = new TerminalView(container, {
        mode: view === "watch" ? "watch" : "own",
        connection: holder.rpc,
        sessionId,
        processId,
        tty: info.tty
      })
      terminal.onEnded = (text) => {
        status.textContent = text
      }
      terminal.onShown = (bytes) => holder.acknowledge(bytes)
      if (view === "attach") holder.views.set(processId, terminal)
      this.shown = { terminal, processId, onMain: attached === undefined, attach: view === "attach", container }
      countConnection(container)
      // An attached session's own connection: taken over again after a drop, from the last seq shown.
      const reattach = (connection: SessionConnection) => {
        connection.onClose = () => {
          if (left) return
          this.showBanner("Connection lost; reconnecting…")
          void keepConnecting(() => SessionConnection.open({ resume: sessionId }), () => left).then((again) => {
            if (again === undefined) return
            if (left) return again.close()
            attached = again
            holder = again
            again.views.set(processId, terminal)
            reattach(again)
            this.showBanner(undefined)
            const resumed = terminal.resume(again.rpc)
            countConnection(container)
            return resumed
          })
        }
      }
      if (attached !== undefined) reattach(attached)
      this.leaveView = () => {
        left = true
        holder.views.delete(processId)
        terminal.dispose()
        attached?.close()
        this.shown = undefined
      }
      // For tests and the curious: the terminal of this view (xterm's buffer API).
      ;(window as unknown as { consoleTerminal?: TerminalView }).consoleTerminal = terminal
      // Keystrokes go to an attached process at once; a watched one takes none (focused, xterm would show a cursor).
      if (view === "attach") terminal.focus()
      await terminal.start()
    } catch (error) {
      attached?.close()
      if (!left) this.showBanner((error as Error).message)
    }
  }
}

void new ConsoleApp().boot()
