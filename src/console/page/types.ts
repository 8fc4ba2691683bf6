/**
 * The console's wire shapes as the page receives them (JSON: output as
 * base64). The server's schemas are in src/protocol/console.ts; these are
 * their encoded sides.
 */

export interface ConsoleSession {
  readonly sessionId: string
  readonly clientName: string
  readonly attached: boolean
  readonly transport: string
  readonly peer: string | null
  readonly createdAtMs: number
  readonly detachTtlMs: number
  readonly detachExpiresAtMs: number | null
  readonly processes: number
  readonly console: boolean
}

export interface TerminalSize {
  readonly rows: number
  readonly cols: number
}

export interface ConsoleProcess {
  readonly sessionId: string
  readonly processId: string
  readonly pid: number
  readonly argv: ReadonlyArray<string>
  readonly tty: boolean
  readonly running: boolean
  readonly exitCode: number | null
  readonly signal: string | null
  readonly sandboxType: string
  readonly startedAtMs: number
  /** A running process in a cgroup of its own: the memory its cgroup holds now, in bytes. */
  readonly memoryBytes?: number
  /** A process in a cgroup of its own: the CPU time its processes used so far (once exited, in all), in ms. */
  readonly cpuTimeMs?: number
  /** An exited process that had a cgroup of its own: the most memory it held at once, in bytes. */
  readonly peakMemoryBytes?: number
  readonly retainedBytes: number
  readonly nextSeq: number
  readonly size: TerminalSize | null
  /** Only for a process with a managed network proxy: its latest decisions (the server keeps 50), oldest first. */
  readonly networkDecisions?: ReadonlyArray<NetworkDecision>
}

/** One request its managed network proxy decided (`network/policyDecision`). */
export interface NetworkDecision {
  readonly processId: string
  /** RFC 3339 with milliseconds, UTC. */
  readonly timestamp: string
  readonly scope: "domain" | "non_domain"
  /** `ask`: the client would have had to prompt, and the request was blocked as a denial is. */
  readonly decision: "allow" | "deny" | "ask"
  readonly source: "baseline_policy" | "decider" | "mode_guard"
  readonly reason: string
  readonly protocol: "http" | "https_connect" | "socks5_tcp" | "socks5_udp"
  readonly host: string
  readonly port: number
  /** Absent for SOCKS. */
  readonly method?: string
  readonly client: string
  /** The client allowed what the policy would have refused. */
  readonly policyOverride: boolean
}

export interface ReadResult {
  readonly chunks: ReadonlyArray<{ readonly seq: number; readonly stream: string; readonly chunk: string }>
  readonly nextSeq: number
  readonly exited: boolean
  readonly exitCode: number | null
  readonly closed: boolean
  readonly truncated: boolean
  readonly signal: string | null
  readonly sizes: ReadonlyArray<{ readonly fromSeq: number } & TerminalSize>
}

export interface InitializeResult {
  readonly sessionId: string
  readonly serverInfo: { readonly name: string; readonly version: string }
}
