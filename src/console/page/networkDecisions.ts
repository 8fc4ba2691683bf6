/**
 * A process's recent network decisions (its managed proxy's; the server
 * keeps the latest 50): the count the lists show in its card, and the table
 * of the decisions themselves, newest first, that expands under it.
 */
import { h, literal } from "./dom.js"
import type { NetworkDecision } from "./types.js"

/** As many as the server keeps: the page shows no more even if a server sends more. */
const SHOWN = 50

const DECISIONS: Record<NetworkDecision["decision"], string> = {
  allow: "allowed",
  deny: "denied",
  // The client would have had to prompt: blocked as a denial is.
  ask: "refused (ask)"
}
const PROTOCOLS: Record<NetworkDecision["protocol"], string> = {
  http: "HTTP",
  https_connect: "HTTPS (CONNECT)",
  socks5_tcp: "SOCKS5 TCP",
  socks5_udp: "SOCKS5 UDP"
}
const SOURCES: Record<NetworkDecision["source"], string> = {
  baseline_policy: "policy",
  decider: "client",
  mode_guard: "mode"
}

/** Whether the request was refused: `ask` blocks it as `deny` does. */
const isRefused = (decision: NetworkDecision): boolean => decision.decision !== "allow"

const pad = (n: number): string => String(n).padStart(2, "0")

/** The local time to the second, with the date when it is not today's (a process may run for days). */
export const localTime = (timestamp: string, now: Date = new Date()): string => {
  const at = new Date(timestamp)
  if (Number.isNaN(at.getTime())) return timestamp
  const time = `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`
  return at.toDateString() === now.toDateString() ? time : `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${time}`
}

/** `host:port`, an IPv6 literal in brackets (as in a URL). */
export const hostPort = (decision: NetworkDecision): string =>
  decision.host.includes(":") ? `[${decision.host}]:${decision.port}` : `${decision.host}:${decision.port}`

/**
 * The network fact of a process's card: nothing without a proxy (the
 * element stays, empty, so the card's parts keep their places), else a
 * button saying how many recent requests were allowed and refused, which
 * shows or hides the decisions (`toggle` answers whether they are shown
 * now, and marks the button before the lists are drawn again).
 */
export const networkFact = (
  decisions: ReadonlyArray<NetworkDecision> | undefined,
  expanded: boolean,
  toggle: () => boolean
): HTMLElement => {
  if (decisions === undefined) return h("span", { class: "fact network" })
  const refused = decisions.filter(isRefused).length
  const allowed = decisions.length - refused
  const summary = decisions.length === 0
    ? ["no requests yet"]
    : [`${allowed} allowed, `, refused === 0 ? "0 refused" : h("span", { class: "refused" }, `${refused} refused`)]
  return h("span", { class: "fact network" },
    h("span", { class: "label" }, "network"), " ",
    h("button", {
      class: "decisions-toggle",
      "data-action": "network",
      "aria-expanded": String(expanded),
      title: "its proxy's latest decisions (the server keeps 50): show or hide them",
      onclick: (event) => (event.currentTarget as HTMLElement).setAttribute("aria-expanded", String(toggle()))
    }, ...summary))
}

/** The decisions' table, newest first, at most 50; refusals marked (`tr.refused`). */
export const decisionsTable = (decisions: ReadonlyArray<NetworkDecision>): HTMLElement => {
  const now = new Date()
  const newestFirst = decisions.slice(-SHOWN).reverse()
  if (newestFirst.length === 0) return h("p", { class: "decisions-empty" }, "No requests through its proxy yet.")
  return h("table", { class: "decisions" },
    h("thead", {}, h("tr", {}, ...["time", "decision", "host", "protocol", "method", "reason", "source"].map((title) => h("th", {}, title)))),
    h("tbody", {}, ...newestFirst.map((decision) =>
      h("tr", { class: isRefused(decision) ? "refused" : "allowed" },
        h("td", { title: decision.timestamp }, localTime(decision.timestamp, now)),
        h("td", { class: "decision" }, DECISIONS[decision.decision] ?? literal(decision.decision)),
        // The host and method are what the process asked for: shown as they are.
        h("td", { class: "host" }, h("code", {}, literal(hostPort(decision)))),
        h("td", {}, PROTOCOLS[decision.protocol] ?? literal(decision.protocol)),
        h("td", {}, literal(decision.method ?? "")),
        h("td", { class: "reason" }, literal(decision.reason), decision.policyOverride ? " (the client allowed it)" : ""),
        h("td", { title: decision.source }, SOURCES[decision.source] ?? literal(decision.source))))))
}
