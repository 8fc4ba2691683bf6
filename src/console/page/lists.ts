/**
 * The page's lists: the server's sessions and their processes, refreshed
 * every second while shown. Rows are updated in place (keyed by session and
 * process id), so what the operator is doing in one (a signal chosen, a
 * menu open) survives a refresh.
 */
import type { SessionConnection } from "./connection.js"
import { h, keyedChildren, placeInOrder, replaceIfChanged } from "./dom.js"
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
        sessionBlock(act, shown.get(session.sessionId), session, bySession.get(session.sessionId) ?? [], session.sessionId === own)))
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
  act: Act,
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
  placeInOrder(tbody, processes.map((process) => processRow(act, rows.get(process.processId), session, process, attachable)))
  return section
}

/** A process's row, `shown` updated (its actions kept unless what may be done changed), or a new one. */
const processRow = (
  act: Act,
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
    h("td", {}, formatAge(process.startedAtMs)),
    h("td", {}, formatBytes(process.retainedBytes))
  ]
  const actions = `${process.running}/${attachable}`
  if (shown !== undefined) {
    cells.forEach((cell, index) => replaceIfChanged(shown.children[index]!, cell))
    if (shown.dataset.actions !== actions) {
      shown.children[cells.length]!.replaceWith(processActions(act, session, process, attachable))
      shown.dataset.actions = actions
    }
    return shown
  }
  return h("tr", { "data-process": process.processId, "data-actions": actions },
    ...cells,
    processActions(act, session, process, attachable))
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
