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
  readonly retainedBytes: number
  readonly nextSeq: number
  readonly size: TerminalSize | null
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
