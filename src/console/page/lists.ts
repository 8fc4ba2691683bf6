/**
 * The page's lists: the server's sessions and their processes, refreshed
 * every second while shown (a process's memory and CPU time with them: no
 * request of their own). Each process is a card, updated in place
 * (keyed by session and process id), so what the operator is doing in one
 * (a signal chosen, a menu open, a process's network decisions shown)
 * survives a refresh.
 */
import type { SessionConnection } from "./connection.js"
import { commandLine, commandLineText, h, keyedChildren, literal, literalText, placeInOrder, replaceIfChanged } from "./dom.js"
import { decisionsTable, networkFact } from "./networkDecisions.js"
import { ConnectionClosed } from "./rpc.js"
import { endingOf } from "./terminal.js"
import type { ConsoleProcess, ConsoleSession } from "./types.js"
import { formatBytes, formatCpuTime, UNMEASURED } from "./units.js"

const REFRESH_MS = 1000
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGKILL", "SIGUSR1", "SIGUSR2", "SIGSTOP", "SIGCONT"]

const formatDuration = (ms: number): string => {
  const seconds = Math.max(0, Math.round(ms / 1000))
  if (seconds < 60) return `${seconds}s`
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`
  return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`
}
const formatAge = (sinceMs: number): string => formatDuration(Date.now() - sinceMs)
const shortId = (id: string): string => id.length > 13 ? `${id.slice(0, 8)}…` : id
/** How much of a client's id or name a card draws (its title has more). */
const ID_MAX = 200

/** A request an action button makes: its failure is shown, its answer not awaited. */
type Act = (method: string, params: Record<string, unknown>) => void

/** What the cards are built with: the actions' requests, and which processes' network decisions are shown. */
interface Cards {
  readonly act: Act
  readonly expanded: (sessionId: string, processId: string) => boolean
  /** Shows or hides a process's decisions at once; answers whether they are shown now. */
  readonly toggle: (sessionId: string, processId: string) => boolean
}

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
  const cards: Cards = {
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
      sessionBlock(cards, shown.get(session.sessionId), session, bySession.get(session.sessionId) ?? [], session.sessionId === own)))
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
  cards: Cards,
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
    h("span", { class: "client" }, session.clientName === "" ? "(unnamed)" : literal(session.clientName, ID_MAX)),
    own ? h("span", { class: "tag own" }, "this console") : session.console ? h("span", { class: "tag" }, "console") : null,
    h("span", { class: `tag ${state}` }, state))
  const meta = h("p", { class: "meta" },
    session.transport,
    session.peer === null ? null : " from ",
    session.peer === null ? null : literal(session.peer, ID_MAX),
    `, age ${formatAge(session.createdAtMs)}`,
    `${expiry}, ${session.processes} process${session.processes === 1 ? "" : "es"}`)
  const section = shown ?? h("section", { class: "session", "data-session": session.sessionId }, heading, meta, h("ul", { class: "processes" }))
  if (shown !== undefined) {
    replaceIfChanged(section.children[0]!, heading)
    replaceIfChanged(section.children[1]!, meta)
  }
  const list = section.querySelector("ul")!
  list.hidden = processes.length === 0
  const shownCards = keyedChildren(list, "process")
  placeInOrder(list, processes.map((process) => processCard(cards, shownCards.get(process.processId), session, process, attachable)))
  return section
}

/** One of a process's facts after its command line: its name (dim) and its value; `label` when it reads otherwise than its name. */
const fact = (name: string, value: string, label = name): HTMLElement =>
  h("span", { class: `fact ${name}` }, h("span", { class: "label" }, label), " ", h("span", { class: "value" }, value))

/** Why a process has no memory or CPU figures. */
const UNMEASURED_TITLE = "Not measured: the server measures a process in a cgroup of its own (one started with resource limits, where the server has cgroups)"

/** A figure's fact, or a dash that says why there is none. */
const figure = (name: string, label: string, value: number | undefined, format: (value: number) => string): HTMLElement => {
  if (value !== undefined) return fact(name, format(value), label)
  const dash = fact(name, UNMEASURED, label)
  dash.classList.add("unmeasured")
  dash.title = UNMEASURED_TITLE
  return dash
}

/**
 * A process's memory and CPU time, from its cgroup: while it runs, what it
 * holds now and used so far; once it has exited, the most it held and its
 * total (its `process/exited`'s).
 */
const usageFacts = (process: ConsoleProcess): Array<HTMLElement> => [
  process.running
    ? figure("memory", "memory", process.memoryBytes, formatBytes)
    : figure("memory", "peak memory", process.peakMemoryBytes, formatBytes),
  figure("cpu", "cpu", process.cpuTimeMs, formatCpuTime)
]

/**
 * A process's card, `shown` updated (each part replaced only if it
 * changed, its actions only if what may be done changed), or a new one:
 * its id, status and command line; its facts; its actions, which wrap or
 * go under the facts on a narrow screen; and its network decisions when
 * they are shown.
 */
const processCard = (
  cards: Cards,
  shown: HTMLElement | undefined,
  session: ConsoleSession,
  process: ConsoleProcess,
  attachable: boolean
): HTMLElement => {
  const summary = [
    h("code", { class: "id", title: literalText(process.processId) }, literal(process.processId, ID_MAX)),
    h("span", { class: `status ${process.running ? "running" : "ended"}` }, statusOf(process)),
    h("code", { class: "argv", title: commandLineText(process.argv) }, ...commandLine(process.argv))
  ]
  const facts = [
    fact("pid", String(process.pid)),
    ...usageFacts(process),
    fact("tty", process.tty && process.size !== null ? `${process.size.cols}×${process.size.rows}` : process.tty ? "yes" : "no"),
    fact("sandbox", process.sandboxType === "none" ? "no" : process.sandboxType),
    networkFact(process.networkDecisions, cards.expanded(session.sessionId, process.processId), () => cards.toggle(session.sessionId, process.processId)),
    fact("age", formatAge(process.startedAtMs)),
    fact("retained", formatBytes(process.retainedBytes))
  ]
  const decisions = process.networkDecisions !== undefined && cards.expanded(session.sessionId, process.processId)
    ? decisionsBlock(process.processId, process.networkDecisions)
    : undefined
  const actions = `${process.running}/${attachable}`
  if (shown === undefined) {
    return h("li", { class: "process", "data-process": process.processId, "data-actions": actions },
      h("div", { class: "summary" }, ...summary),
      h("div", { class: "facts" }, ...facts),
      processActions(cards.act, session, process, attachable),
      decisions)
  }
  const [shownSummary, shownFacts, shownActions, shownDecisions] = [...shown.children]
  summary.forEach((part, index) => replaceIfChanged(shownSummary!.children[index]!, part))
  facts.forEach((part, index) => replaceIfChanged(shownFacts!.children[index]!, part))
  if (shown.dataset.actions !== actions) {
    shownActions!.replaceWith(processActions(cards.act, session, process, attachable))
    shown.dataset.actions = actions
  }
  if (decisions === undefined) shownDecisions?.remove()
  else if (shownDecisions === undefined) shown.append(decisions)
  else replaceIfChanged(shownDecisions, decisions)
  return shown
}

/** A process's network decisions, under its facts. */
const decisionsBlock = (processId: string, decisions: NonNullable<ConsoleProcess["networkDecisions"]>): HTMLElement =>
  h("div", { class: "network-decisions", "data-decisions": processId },
    h("p", { class: "decisions-note" }, "Its network proxy's latest decisions, newest first (the server keeps 50):"),
    decisionsTable(decisions))

/**
 * A process's links and buttons: watch it, attach it, signal or terminate
 * it (what may be done to it). The links and the controls wrap as two
 * groups, so a phone shows each group whole on a line.
 */
const processActions = (act: Act, session: ConsoleSession, process: ConsoleProcess, attachable: boolean): HTMLElement => {
  const target = `${encodeURIComponent(session.sessionId)}/${encodeURIComponent(process.processId)}`
  const signal = h("select", { "aria-label": "signal" }, ...SIGNALS.map((name) => h("option", { value: name }, name)))
  const ofProcess = { sessionId: session.sessionId, processId: process.processId }
  return h("div", { class: "actions" },
    h("span", { class: "links" },
      h("a", { href: `#/watch/${target}`, "data-action": "watch" }, "Watch"),
      attachable && process.running ? h("a", { href: `#/attach/${target}`, "data-action": "attach" }, "Attach") : null),
    process.running
      ? h("span", { class: "controls" },
        signal,
        h("button", { "data-action": "signal", onclick: () => act("console/signal", { ...ofProcess, signal: signal.value }) }, "Signal"),
        h("button", { "data-action": "terminate", onclick: () => act("console/terminate", ofProcess) }, "Terminate"))
      : null)
}
