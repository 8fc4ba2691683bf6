/**
 * The page's lists: the server's sessions and their processes, refreshed
 * every second while shown. Rows are updated in place (keyed by session and
 * process id), so what the operator is doing in one (a signal chosen, a
 * menu open, a process's network decisions shown) survives a refresh.
 */
import type { SessionConnection } from "./connection.js"
import { h, keyedChildren, placeInOrder, replaceIfChanged } from "./dom.js"
import { decisionsTable, networkCell } from "./network.js"
import { ConnectionClosed } from "./rpc.js"
import { endingOf } from "./terminal.js"
import type { ConsoleProcess, ConsoleSession } from "./types.js"

const REFRESH_MS = 1000
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGKILL", "SIGUSR1", "SIGUSR2", "SIGSTOP", "SIGCONT"]

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

/** A request an action button makes: its failure is shown, its answer not awaited. */
type Act = (method: string, params: Record<string, unknown>) => void

/** What the rows are built with: the actions' requests, and which processes' network decisions are shown. */
interface Rows {
  readonly act: Act
  readonly expanded: (sessionId: string, processId: string) => boolean
  /** Shows or hides a process's decisions at once; answers whether they are shown now. */
  readonly toggle: (sessionId: string, processId: string) => boolean
}

const COLUMNS = ["process", "command", "pid", "tty", "status", "sandbox", "network", "age", "retained", ""]

/** A process's status as the page shows it: running, or how it ended. */
export const statusOf = (process: ConsoleProcess): string =>
  process.running ? "running" : endingOf(process.exitCode, process.signal)

/**
 * The lists' element, refreshed every second until `stop` is called; a
 * failed refresh (other than a dropped connection) goes to `showError`.
 */
export const sessionLists = (
  main: SessionConnection,
  showError: (message: string) => void
): { readonly element: HTMLElement; readonly stop: () => void } => {
  const body = h("div", { class: "lists", "data-refreshes": "0" })
  const act: Act = (method, params) => void main.request(method, params).catch((error: Error) => showError(error.message))
  // Whose decisions are shown, for as long as the lists are: a refresh builds them again from this.
  const expanded = new Set<string>()
  const keyOf = (sessionId: string, processId: string) => JSON.stringify([sessionId, processId])
  /** The last answers, drawn again at once when decisions are shown or hidden (no waiting for the next refresh). */
  let last: { readonly own: string | null; readonly sessions: Array<ConsoleSession>; readonly processes: Array<ConsoleProcess> } | undefined
  const rows: Rows = {
    act,
    expanded: (sessionId, processId) => expanded.has(keyOf(sessionId, processId)),
    toggle: (sessionId, processId) => {
      const key = keyOf(sessionId, processId)
      const shown = !expanded.delete(key)
      if (shown) expanded.add(key)
      // After the click's handler marked its button: the drawing then finds it alike and keeps it (and the focus on it).
      queueMicrotask(() => {
        if (last !== undefined && !stopped) draw(last.own, last.sessions, last.processes)
      })
      return shown
    }
  }
  let stopped = false
  let timer: number | undefined
  let refreshes = 0
  const draw = (own: string | null, sessions: Array<ConsoleSession>, processes: Array<ConsoleProcess>) => {
    last = { own, sessions, processes }
    const bySession = new Map<string, Array<ConsoleProcess>>()
    for (const process of processes) {
      const ofSession = bySession.get(process.sessionId)
      if (ofSession === undefined) bySession.set(process.sessionId, [process])
      else ofSession.push(process)
    }
    const shown = keyedChildren(body, "session")
    placeInOrder(body, sessions.map((session) =>
      sessionBlock(rows, shown.get(session.sessionId), session, bySession.get(session.sessionId) ?? [], session.sessionId === own)))
  }
  const refresh = async () => {
    try {
      const [{ sessionId: own, sessions }, { processes }] = await Promise.all([
        main.request<{ sessions: Array<ConsoleSession>; sessionId: string | null }>("console/sessions"),
        main.request<{ processes: Array<ConsoleProcess> }>("console/processes")
      ])
      if (stopped) return
      draw(own, sessions, processes)
      body.dataset.refreshes = String(++refreshes)
    } catch (error) {
      if (!(error instanceof ConnectionClosed)) showError((error as Error).message)
    }
    if (!stopped) timer = window.setTimeout(() => void refresh(), REFRESH_MS)
  }
  void refresh()
  return {
    element: body,
    stop: () => {
      stopped = true
      window.clearTimeout(timer)
    }
  }
}

/** A session's block, `shown` (the one from the last refresh) updated, or a new one. */
const sessionBlock = (
  rows: Rows,
  shown: HTMLElement | undefined,
  session: ConsoleSession,
  processes: Array<ConsoleProcess>,
  own: boolean
): HTMLElement => {
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
      h("thead", {}, h("tr", {}, ...COLUMNS.map((title) => h("th", title === "network" ? { class: "network" } : {}, title)))),
      h("tbody", {})))
  if (shown !== undefined) {
    replaceIfChanged(section.children[0]!, heading)
    replaceIfChanged(section.children[1]!, meta)
  }
  const table = section.querySelector("table")!
  table.hidden = processes.length === 0
  // A session none of whose processes has a network proxy keeps the narrower table it had before proxies.
  table.classList.toggle("no-network", !processes.some((process) => process.networkDecisions !== undefined))
  const tbody = table.querySelector("tbody")!
  const shownRows = keyedChildren(tbody, "process")
  const shownDecisions = new Map([...tbody.querySelectorAll<HTMLElement>(":scope > tr[data-decisions]")]
    .map((row) => [row.dataset.decisions!, row]))
  placeInOrder(tbody, processes.flatMap((process) => {
    const row = processRow(rows, shownRows.get(process.processId), session, process, attachable)
    const decisions = process.networkDecisions
    if (decisions === undefined || !rows.expanded(session.sessionId, process.processId)) return [row]
    return [row, decisionsRow(shownDecisions.get(process.processId), process.processId, decisions)]
  }))
  return section
}

/** The row under a process's that holds its network decisions, `shown` updated, or a new one. */
const decisionsRow = (shown: HTMLElement | undefined, processId: string, decisions: NonNullable<ConsoleProcess["networkDecisions"]>): HTMLElement => {
  const cell = h("td", { colspan: String(COLUMNS.length) },
    h("p", { class: "decisions-note" }, "Its network proxy's latest decisions, newest first (the server keeps 50):"),
    decisionsTable(decisions))
  if (shown === undefined) return h("tr", { class: "network-decisions", "data-decisions": processId }, cell)
  replaceIfChanged(shown.children[0]!, cell)
  return shown
}

/** A process's row, `shown` updated (its actions kept unless what may be done changed), or a new one. */
const processRow = (
  rows: Rows,
  shown: HTMLElement | undefined,
  session: ConsoleSession,
  process: ConsoleProcess,
  attachable: boolean
): HTMLElement => {
  const cells = [
    h("td", {}, h("code", {}, process.processId)),
    h("td", { class: "argv" }, h("span", { title: process.argv.join(" ") }, process.argv.join(" "))),
    h("td", {}, String(process.pid)),
    h("td", {}, process.tty && process.size !== null ? `${process.size.cols}×${process.size.rows}` : process.tty ? "yes" : "no"),
    h("td", { class: process.running ? "running" : "ended" }, statusOf(process)),
    h("td", {}, process.sandboxType === "none" ? "no" : process.sandboxType),
    networkCell(process.networkDecisions, rows.expanded(session.sessionId, process.processId), () => rows.toggle(session.sessionId, process.processId)),
    h("td", {}, formatAge(process.startedAtMs)),
    h("td", {}, formatBytes(process.retainedBytes))
  ]
  const actions = `${process.running}/${attachable}`
  if (shown !== undefined) {
    cells.forEach((cell, index) => replaceIfChanged(shown.children[index]!, cell))
    if (shown.dataset.actions !== actions) {
      shown.children[cells.length]!.replaceWith(processActions(rows.act, session, process, attachable))
      shown.dataset.actions = actions
    }
    return shown
  }
  return h("tr", { "data-process": process.processId, "data-actions": actions },
    ...cells,
    processActions(rows.act, session, process, attachable))
}

/** A process's links and buttons: watch it, attach it, signal or terminate it (what may be done to it). */
const processActions = (act: Act, session: ConsoleSession, process: ConsoleProcess, attachable: boolean): HTMLElement => {
  const target = `${encodeURIComponent(session.sessionId)}/${encodeURIComponent(process.processId)}`
  const signal = h("select", { "aria-label": "signal" }, ...SIGNALS.map((name) => h("option", { value: name }, name)))
  const ofProcess = { sessionId: session.sessionId, processId: process.processId }
  return h("td", { class: "actions" },
    h("a", { href: `#/watch/${target}`, "data-action": "watch" }, "Watch"),
    attachable && process.running ? h("a", { href: `#/attach/${target}`, "data-action": "attach" }, "Attach") : null,
    process.running ? signal : null,
    process.running ? h("button", { "data-action": "signal", onclick: () => act("console/signal", { ...ofProcess, signal: signal.value }) }, "Signal") : null,
    process.running ? h("button", { "data-action": "terminate", onclick: () => act("console/terminate", ofProcess) }, "Terminate") : null)
}
