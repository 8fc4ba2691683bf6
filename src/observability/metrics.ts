/**
 * The server's metrics, on Effect's `Metric` module (the process-wide
 * registry): what an operator watches. They are exported in the Prometheus
 * text format by `observability/prometheus.ts`. Updates from callbacks use
 * the metrics' unsafe updates, which cost a map lookup: given a context
 * that holds only their labels, they update the default (process-wide)
 * registry.
 */
import * as Context from "effect/Context"
import * as Metric from "effect/Metric"

/** Connections open now. */
export const connectionsOpen = Metric.gauge("exec_server_connections", { description: "Client connections open" })
/** Connections accepted since start. */
export const connectionsTotal = Metric.counter("exec_server_connections_total", {
  description: "Client connections accepted",
  incremental: true
})
/** Upgrades refused, by status. */
export const connectionsRefused = Metric.counter("exec_server_connections_refused_total", {
  description: "WebSocket upgrades refused (401, 403, 421, 503)",
  incremental: true
})
/** Connections closed before their upgrade to make room for newer ones. */
export const pendingUpgradesClosed = Metric.counter("exec_server_pending_upgrades_closed_total", {
  description: "Connections closed before their upgrade to make room for a newer one (--max-pending-upgrades)",
  incremental: true
})
/** Directories watched by every `fs/watch` of the server. */
export const watchedDirectories = Metric.gauge("exec_server_watched_directories", {
  description: "Directories watched by fs/watch, over all connections"
})
/** Sessions, by state (attached or detached). */
export const sessions = Metric.gauge("exec_server_sessions", { description: "Sessions, by state" })
/** Processes running now. */
export const processesRunning = Metric.gauge("exec_server_processes_running", { description: "Processes started and not closed" })
/** Processes started since start. */
export const processesStarted = Metric.counter("exec_server_processes_started_total", {
  description: "Processes started",
  incremental: true
})
/** Processes closed, by outcome (success, failure, signal). */
export const processesExited = Metric.counter("exec_server_processes_exited_total", {
  description: "Processes closed, by outcome",
  incremental: true
})
/** Output bytes sent to clients, by stream. */
export const outputBytes = Metric.counter("exec_server_output_bytes_total", {
  description: "Process output bytes sent to clients, by stream",
  incremental: true
})
/** Request handling time, by method. */
export const requestDuration = Metric.histogram("exec_server_request_duration_seconds", {
  boundaries: Metric.exponentialBoundaries({ start: 0.0001, factor: 4, count: 10 }),
  description: "Time from a request's arrival to its answer, by method"
})
/** Time to start a process (spawn and actor). */
export const spawnDuration = Metric.histogram("exec_server_spawn_duration_seconds", {
  boundaries: Metric.exponentialBoundaries({ start: 0.0005, factor: 2, count: 12 }),
  description: "Time to start a process"
})
/** Times a client fell behind and its processes' output stopped being read. */
export const backpressurePauses = Metric.counter("exec_server_backpressure_pauses_total", {
  description: "Times a slow client paused its processes' output",
  incremental: true
})
/** 1, labelled with the native addon's state and the spawner, output readers and base64 encoder in use. */
export const nativeInfo = Metric.gauge("exec_server_native_info", {
  description:
    "1, by the native addon's state (addon) and the pipe spawner (spawn), pipes' output reader (output), terminals' output reader (terminal) and base64 encoder (base64) in use"
})
/** The server-wide limits, by resource (sessions, liveProcesses, fileHandles, liveOutputBytes, watchedDirectories). */
export const limits = Metric.gauge("exec_server_limit", {
  description: "Server-wide limits over all sessions, by resource (sessions, liveProcesses, fileHandles, liveOutputBytes, watchedDirectories)"
})
/** Requests refused because a server-wide limit was reached, by resource. */
export const limitRefusals = Metric.counter("exec_server_limit_refusals_total", {
  description: "Requests refused with -32001 at a server-wide limit, by resource (sessions, liveProcesses, fileHandles, watchedDirectories)",
  incremental: true
})
/** File handles open now, over all sessions. */
export const fileHandlesOpen = Metric.gauge("exec_server_file_handles", {
  description: "File handles (fs/open) open over all sessions"
})
/** Bytes of output retained by processes not yet closed. */
export const liveOutputBytes = Metric.gauge("exec_server_live_output_bytes", {
  description: "Output retained for process/read by processes not yet closed, in bytes"
})
/** Bytes of live processes' retained output evicted to keep within the server-wide limit. */
export const liveOutputEvictedBytes = Metric.counter("exec_server_live_output_evicted_bytes_total", {
  description: "Retained output of processes not yet closed evicted to keep within the server-wide limit, in bytes",
  incremental: true
})
/**
 * Processes whose cgroup's memory limit had the kernel's OOM killer end one
 * of its processes. Server-wide, with no session label: sessions are
 * unbounded, and a series per session would grow the registry forever.
 */
export const processesOomKilled = Metric.counter("exec_server_processes_oom_killed_total", {
  description: "Processes whose cgroup had a process killed by the kernel's OOM killer at its memory limit",
  incremental: true
})
/** CPU time of the processes that had a cgroup, counted as each closes (what its cgroup's processes used). */
export const processesCpuSeconds = Metric.counter("exec_server_processes_cpu_seconds_total", {
  description: "CPU time used by processes that had a cgroup, counted as each closes, in seconds",
  incremental: true
})
/** Each process's peak memory (its cgroup's), observed as it closes. */
export const processPeakMemory = Metric.histogram("exec_server_process_peak_memory_bytes", {
  boundaries: Metric.exponentialBoundaries({ start: 1024 * 1024, factor: 4, count: 8 }),
  description: "Peak memory of each process that had a cgroup (its cgroup's), observed as it closes"
})
/** Starts refused for their resource limits, by reason (resourcesAboveCeiling, resourcesUnavailable). */
export const resourceRefusals = Metric.counter("exec_server_resource_refusals_total", {
  description: "process/start refused with -32600 for its resource limits, by reason (resourcesAboveCeiling, resourcesUnavailable, resourcesAboveSessionLimit, sessionProcessesOutsideCgroup, resourcesBelowSessionUsage)",
  incremental: true
})
/** Memory held now by every session's cgroup together (read at each scrape; absent without cgroups). */
export const sessionCgroupsMemoryBytes = Metric.gauge("exec_server_session_cgroups_memory_bytes", {
  description: "Memory held now by the processes in every session's cgroup together, in bytes (read at each scrape)"
})
/** Error answers, by JSON-RPC code. */
export const errors = Metric.counter("exec_server_errors_total", {
  description: "Requests answered with an error, by JSON-RPC code",
  incremental: true
})

/** A gateway's client connections open now, by environment. */
export const gatewayConnections = Metric.gauge("exec_server_gateway_connections", {
  description: "Gateway connections open, by environment"
})
/** A gateway's client connections accepted since start, by environment. */
export const gatewayConnectionsTotal = Metric.counter("exec_server_gateway_connections_total", {
  description: "Gateway connections accepted, by environment",
  incremental: true
})
/** Message bytes a gateway forwarded, by environment and direction (`to-environment`, `to-client`). */
export const gatewayBytes = Metric.counter("exec_server_gateway_bytes_total", {
  description: "Message bytes forwarded by the gateway, by environment and direction",
  incremental: true
})
/** Frames the gateway's ends of remote streams sent again, by environment. */
export const gatewayRetransmissions = Metric.counter("exec_server_gateway_stream_retransmissions_total", {
  description: "Stream frames the gateway retransmitted, by environment",
  incremental: true
})
/** Whether the gateway's NATS connection is up (1) or not (0). */
export const gatewayNatsConnected = Metric.gauge("exec_server_gateway_nats_connected", {
  description: "1 while the gateway's NATS connection is up"
})

/** Decisions of the processes' managed network proxies, by decision, source and protocol. */
export const networkDecisions = Metric.counter("exec_server_network_decisions_total", {
  description: "Requests decided by the managed network proxies, by decision, source and protocol",
  incremental: true
})

/**
 * A set of labels of a metric's series, as the unsafe updates take it: a
 * context holding only `Metric.CurrentMetricAttributes` (made once per set
 * and reused: a metric recomputes its series' key when the set changes).
 */
export type Labels = Context.Context<never>

const labelsOf = (attributes: Metric.Metric.AttributeSet): Labels => Context.make(Metric.CurrentMetricAttributes, attributes)

/** The label sets made so far: `label`'s by key, then value (no key string built per call); `labelSet`'s by their joined id. */
const labels = new Map<string, Map<string, Labels>>()
const labelSets = new Map<string, Labels>()
/** The `stream` labels of output, made once: they are used for every chunk. */
export const STREAM_LABELS = {
  stdout: labelsOf({ stream: "stdout" }),
  stderr: labelsOf({ stream: "stderr" }),
  pty: labelsOf({ stream: "pty" })
} as const
/** One label set per key and value, made once (hot paths update with it). */
export const label = (key: string, value: string | number): Labels => {
  let byValue = labels.get(key)
  if (byValue === undefined) {
    byValue = new Map()
    labels.set(key, byValue)
  }
  const text = String(value)
  let found = byValue.get(text)
  if (found === undefined) {
    found = labelsOf({ [key]: text })
    byValue.set(text, found)
  }
  return found
}

/** One label set per combination of keys and values, made once. */
export const labelSet = (values: Readonly<Record<string, string>>): Labels => {
  const id = Object.entries(values).map(([key, value]) => `${key}\u0000${value}`).join("\u0001")
  let found = labelSets.get(id)
  if (found === undefined) {
    found = labelsOf({ ...values })
    labelSets.set(id, found)
  }
  return found
}

const NONE: Labels = Context.empty()

/**
 * False while the startup snapshot's rehearsal runs (`whileNotRecorded`):
 * the registry is process-wide and saved with the snapshot, and what the
 * rehearsal did is no server's.
 */
let recorded = true

/** Adds `delta` to a counter, from a callback. */
export const bump = (metric: Metric.Counter<number>, delta = 1, tags = NONE): void => {
  if (recorded) metric.updateUnsafe(delta, tags)
}

/** Moves a gauge that holds a count (connections, sessions, processes) by `delta`, from a callback. */
export const adjust = (gauge: Metric.Gauge<number>, delta: number, tags = NONE): void => {
  if (recorded) gauge.modifyUnsafe(delta, tags)
}

/** Sets a gauge, from a callback. */
export const setGauge = (gauge: Metric.Gauge<number>, value: number, tags = NONE): void => {
  if (recorded) gauge.updateUnsafe(value, tags)
}

/** Records a value in a histogram (seconds, for the durations), from a callback. */
export const observe = (histogram: Metric.Histogram<number>, value: number, tags = NONE): void => {
  if (recorded) histogram.updateUnsafe(value, tags)
}

/** What sets gauges read at a scrape rather than kept up to date (a cgroup's memory): each called before a scrape is answered. */
const beforeScrape = new Set<() => void>()

/** Adds `refresh` to what runs before each scrape; the returned function removes it. */
export const onScrape = (refresh: () => void): (() => void) => {
  beforeScrape.add(refresh)
  return () => beforeScrape.delete(refresh)
}

/** Runs what `onScrape` added (a scrape is about to be answered). */
export const refreshForScrape = (): void => {
  for (const refresh of beforeScrape) refresh()
}

/** Runs `run` with the metrics above left as they are: for the startup snapshot's rehearsal only. */
export const whileNotRecorded = async <A>(run: () => Promise<A>): Promise<A> => {
  recorded = false
  try {
    return await run()
  } finally {
    recorded = true
  }
}
