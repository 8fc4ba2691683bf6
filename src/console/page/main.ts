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
import { ConnectionClosed, consoleFetch, fromBase64, RpcConnection, RpcError, sessionKey } from "./rpc.js"
import { endingOf, type ProcessNotification, TerminalView } from "./terminal.js"
import type { ConsoleProcess, ConsoleSession, InitializeResult } from "./types.js"

/** Where the page keeps the id of its own session across reloads (this tab only). */
const SESSION_KEY = "exec-server-console-session"
/** How long the console's own session (its shells) outlives the page. */
const DETACH_TTL_MS = 5 * 60 * 1000
const REFRESH_MS = 1000
const ACK_EVERY_BYTES = 64 * 1024
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGKILL", "SIGUSR1", "SIGUSR2", "SIGSTOP", "SIGCONT"]
/** The error code of a session another connection holds (the reference's): a reloaded page's last connection may not be closed yet. */
const SESSION_HELD = -32010

type Child = Node | string | null | undefined | false

/** An element with attributes and children (text is never parsed as HTML). */
const h = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | ((event: Event) => void)> = {},
  ...children: Array<Child>
): HTMLElementTagNameMap[K] => {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === "function") element.addEventListener(name.replace(/^on/, ""), value)
    else element.setAttribute(name, value)
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) element.append(child)
  return element
}

const formatDuration = (ms: number): string => {
  const seconds = Math.max(0, Math.round(ms / 1000))
  if (seconds < 60) return `${seconds}s`
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`
  return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`
}
const formatAge = (sinceMs: number): string => formatDuration(Date.now() - sinceMs)
const formatBytes = (bytes: number): string =>
  bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`
const shortId = (id: string): string => id.length > 13 ? `${id.slice(0, 8)}…` : id
const statusOf = (process: ConsoleProcess): string =>
  process.running ? "running" : endingOf(process.exitCode, process.signal)

/** The element children of `parent` by their `data-KEY`. */
const keyedChildren = (parent: HTMLElement, key: string): Map<string, HTMLElement> =>
  new Map([...parent.children].map((child) => [(child as HTMLElement).dataset[key] ?? "", child as HTMLElement]))

/** Puts `next` in the place of `shown` unless they are alike (text selected in an unchanged cell stays selected). */
const replaceIfChanged = (shown: Element, next: Element): void => {
  if (!shown.isEqualNode(next)) shown.replaceWith(next)
}

/**
 * Makes `nodes` the children of `parent`, in order, moving only those out
 * of place (a moved element loses focus) and removing the rest.
 */
const placeInOrder = (parent: HTMLElement, nodes: ReadonlyArray<HTMLElement>): void => {
  nodes.forEach((node, index) => {
    if (parent.children[index] !== node) parent.insertBefore(node, parent.children[index] ?? null)
  })
  while (parent.children.length > nodes.length) parent.lastElementChild!.remove()
}

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

/**
 * A connection holding a session: the page's own, or one it attached. It
 * routes its processes' events to the terminal showing them and
 * acknowledges output once shown (or at once when no terminal shows it).
 */
class SessionConnection {
  readonly views = new Map<string, TerminalView>()
  private unacknowledged = 0
  private ackTimer: number | undefined
  onClose: () => void = () => {}

  private constructor(readonly rpc: RpcConnection, readonly sessionId: string, readonly server: InitializeResult["serverInfo"]) {
    rpc.onNotification = (method, params) => this.event(method, params)
    rpc.onClose = () => this.onClose()
  }

  /** Opens `/console/ws` and creates a session, or takes over `resume` (waiting a moment while its last connection lets go). */
  static async open(options: { readonly resume?: string | undefined; readonly detachTtlMs?: number }): Promise<SessionConnection> {
    for (let attempt = 0;; attempt++) {
      const rpc = await RpcConnection.open()
      try {
        const result = await rpc.request<InitializeResult>("initialize", {
          clientName: "web-console",
          ...(options.resume === undefined ? {} : { resumeSessionId: options.resume }),
          ...(options.detachTtlMs === undefined ? {} : { detachTtlMs: options.detachTtlMs })
        })
        rpc.notify("initialized")
        return new SessionConnection(rpc, result.sessionId, result.serverInfo)
      } catch (error) {
        rpc.close()
        // A reloaded page's last connection may not be closed on the server yet.
        if (error instanceof RpcError && error.code === SESSION_HELD && attempt < 40) {
          await new Promise((resolve) => setTimeout(resolve, 250))
          continue
        }
        throw error
      }
    }
  }

  request<A>(method: string, params: Record<string, unknown> = {}): Promise<A> {
    return this.rpc.request<A>(method, params)
  }

  close(): void {
    this.rpc.onClose = () => {}
    this.rpc.close()
  }

  private event(method: string, params: Record<string, unknown>): void {
    if (method !== "process/output" && method !== "process/exited" && method !== "process/closed") return
    const processId = String(params.processId)
    const seq = Number(params.seq)
    const event: ProcessNotification = method === "process/output"
      ? { method, seq, bytes: fromBase64(String(params.chunk)) }
      : method === "process/exited"
      ? { method, seq, exitCode: Number(params.exitCode), signal: (params.signal as string | null) ?? null }
      : { method, seq }
    const view = this.views.get(processId)
    if (view !== undefined) view.notify(event)
    else if (event.method === "process/output") this.acknowledge(event.bytes.byteLength)
  }

  /** Output shown (or not shown by any terminal): the server may send that much more. */
  acknowledge(bytes: number): void {
    this.unacknowledged += bytes
    if (this.unacknowledged >= ACK_EVERY_BYTES) return this.flushAcks()
    this.ackTimer ??= window.setTimeout(() => this.flushAcks(), 20)
  }

  private flushAcks(): void {
    if (this.ackTimer !== undefined) window.clearTimeout(this.ackTimer)
    this.ackTimer = undefined
    if (this.unacknowledged > 0) this.rpc.notify("console/ack", { bytes: this.unacknowledged })
    this.unacknowledged = 0
  }
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
    this.banner.textContent = text ?? ""
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
      h("span", { class: "spacer" }),
      h("button", { "data-testid": "new-shell", onclick: () => void this.newShell(main) }, "New shell"),
      h("button", { "data-testid": "logout", onclick: () => void this.logout() }, "Log out"))
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

  /**
   * Sessions and their processes, refreshed every second while shown. Rows
   * are updated in place (keyed by session and process id), so what the
   * operator is doing in one (a signal chosen, a menu open) survives.
   */
  private showLists(main: SessionConnection): void {
    const body = h("div", { class: "lists", "data-refreshes": "0" })
    this.root.replaceChildren(this.header(main), this.banner, body)
    let stopped = false
    let timer: number | undefined
    let refreshes = 0
    const refresh = async () => {
      try {
        const [{ sessionId: own, sessions }, { processes }] = await Promise.all([
          main.request<{ sessions: Array<ConsoleSession>; sessionId: string | null }>("console/sessions"),
          main.request<{ processes: Array<ConsoleProcess> }>("console/processes")
        ])
        if (stopped) return
        const bySession = new Map<string, Array<ConsoleProcess>>()
        for (const process of processes) {
          const ofSession = bySession.get(process.sessionId)
          if (ofSession === undefined) bySession.set(process.sessionId, [process])
          else ofSession.push(process)
        }
        const shown = keyedChildren(body, "session")
        placeInOrder(body, sessions.map((session) =>
          this.sessionBlock(main, shown.get(session.sessionId), session, bySession.get(session.sessionId) ?? [], session.sessionId === own)))
        body.dataset.refreshes = String(++refreshes)
      } catch (error) {
        if (!(error instanceof ConnectionClosed)) this.showBanner((error as Error).message)
      }
      if (!stopped) timer = window.setTimeout(() => void refresh(), REFRESH_MS)
    }
    void refresh()
    this.leaveView = () => {
      stopped = true
      window.clearTimeout(timer)
    }
  }

  /** A session's block, `shown` (the one from the last refresh) updated, or a new one. */
  private sessionBlock(
    main: SessionConnection,
    shown: HTMLElement | undefined,
    session: ConsoleSession,
    processes: Array<ConsoleProcess>,
    own: boolean
  ): HTMLElement {
    const state = session.attached ? "attached" : "detached"
    const expiry = session.detachExpiresAtMs === null ? "" : `, closes in ${formatDuration(session.detachExpiresAtMs - Date.now())}`
    const attachable = own || !session.attached
    const heading = h("h2", {},
      h("code", { title: session.sessionId }, shortId(session.sessionId)), " ",
      h("span", { class: "client" }, session.clientName || "(unnamed)"),
      own ? h("span", { class: "tag own" }, "this console") : session.console ? h("span", { class: "tag" }, "console") : null,
      h("span", { class: `tag ${state}` }, state))
    const meta = h("p", { class: "meta" },
      `${session.transport}${session.peer === null ? "" : ` from ${session.peer}`}, age ${formatAge(session.createdAtMs)}`,
      `${expiry}, ${session.processes} process${session.processes === 1 ? "" : "es"}`)
    const section = shown ?? h("section", { class: "session", "data-session": session.sessionId },
      heading,
      meta,
      h("table", {},
        h("thead", {}, h("tr", {}, ...["process", "command", "pid", "tty", "status", "sandbox", "age", "retained", ""].map((title) => h("th", {}, title)))),
        h("tbody", {})))
    if (shown !== undefined) {
      replaceIfChanged(section.children[0]!, heading)
      replaceIfChanged(section.children[1]!, meta)
    }
    const table = section.querySelector("table")!
    table.hidden = processes.length === 0
    const tbody = table.querySelector("tbody")!
    const rows = keyedChildren(tbody, "process")
    placeInOrder(tbody, processes.map((process) => this.processRow(main, rows.get(process.processId), session, process, attachable)))
    return section
  }

  /** A process's row, `shown` updated (its actions kept unless what may be done changed), or a new one. */
  private processRow(
    main: SessionConnection,
    shown: HTMLElement | undefined,
    session: ConsoleSession,
    process: ConsoleProcess,
    attachable: boolean
  ): HTMLElement {
    const cells = [
      h("td", {}, h("code", {}, process.processId)),
      h("td", { class: "argv" }, h("span", { title: process.argv.join(" ") }, process.argv.join(" "))),
      h("td", {}, String(process.pid)),
      h("td", {}, process.tty && process.size !== null ? `${process.size.cols}×${process.size.rows}` : process.tty ? "yes" : "no"),
      h("td", { class: process.running ? "running" : "ended" }, statusOf(process)),
      h("td", {}, process.sandboxType === "none" ? "no" : process.sandboxType),
      h("td", {}, formatAge(process.startedAtMs)),
      h("td", {}, formatBytes(process.retainedBytes))
    ]
    const actions = `${process.running}/${attachable}`
    if (shown !== undefined) {
      cells.forEach((cell, index) => replaceIfChanged(shown.children[index]!, cell))
      if (shown.dataset.actions !== actions) {
        shown.children[cells.length]!.replaceWith(this.processActions(main, session, process, attachable))
        shown.dataset.actions = actions
      }
      return shown
    }
    return h("tr", { "data-process": process.processId, "data-actions": actions },
      ...cells,
      this.processActions(main, session, process, attachable))
  }

  private processActions(main: SessionConnection, session: ConsoleSession, process: ConsoleProcess, attachable: boolean): HTMLElement {
    const target = `${encodeURIComponent(session.sessionId)}/${encodeURIComponent(process.processId)}`
    const signal = h("select", { "aria-label": "signal" }, ...SIGNALS.map((name) => h("option", { value: name }, name)))
    const act = (method: string, params: Record<string, unknown>) =>
      void main.request(method, { sessionId: session.sessionId, processId: process.processId, ...params })
        .catch((error: Error) => this.showBanner(error.message))
    return h("td", { class: "actions" },
      h("a", { href: `#/watch/${target}`, "data-action": "watch" }, "Watch"),
      attachable && process.running ? h("a", { href: `#/attach/${target}`, "data-action": "attach" }, "Attach") : null,
      process.running ? signal : null,
      process.running ? h("button", { "data-action": "signal", onclick: () => act("console/signal", { signal: signal.value }) }, "Signal") : null,
      process.running ? h("button", { "data-action": "terminate", onclick: () => act("console/terminate", {}) }, "Terminate") : null)
  }

  /** One process in a terminal: read-only, or attached (this console's session, or a detached one taken over). */
  private async showProcess(main: SessionConnection, view: "watch" | "attach", sessionId: string, processId: string): Promise<void> {
    const status = h("span", { class: "status", "data-testid": "status" }, "")
    const container = h("div", { class: "terminal", "data-testid": "terminal" })
    const title = h("span", { class: "argv" }, processId)
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
      title.textContent = info.argv.join(" ")
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
      terminal.focus()
      await terminal.start()
    } catch (error) {
      attached?.close()
      if (!left) this.showBanner((error as Error).message)
    }
  }
}

void new ConsoleApp().boot()
