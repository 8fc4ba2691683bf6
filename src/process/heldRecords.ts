/**
 * What a later server needs to adopt a kept process (`--keep-processes`),
 * beside its holder's socket in the state directory:
 * - `NAME.json`, the record: whose process it is (its session's key, a
 *   SHA-256 digest of the session id: the id is the resume token and is
 *   never written) and how it runs;
 * - `NAME.seq`, the seq index: for every `seq` the server gave the
 *   process's events, the holder's output position where that event ends,
 *   so that a later server numbers the bytes still in the holder's ring as
 *   the clients saw them, and replays from any `seq` exactly. An entry is
 *   written before its event can reach a client (one `write` per event).
 * Both are made 0600 in the state directory, which is the user's alone.
 */
import { createHash } from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { startTimeOf } from "../procfs/processes.js"

/** A kept process as its record says it. */
export interface HeldRecord {
  /** The session's key: `sessionKeyOf(sessionId)`. */
  readonly sessionKey: string
  readonly processId: string
  readonly tty: boolean
  readonly argv: ReadonlyArray<string>
  readonly cwd: string
  /** How long its session outlives its connection, as the client last asked. */
  readonly detachTtlMs: number
  readonly startedAtMs: number
  /** The server that holds it (`serverIdentity`): a later server adopts it only once that one is gone. */
  readonly owner: string
  /** Run in a sandbox: a later server signals its command, not its launcher (absent in older records: not). */
  readonly confined?: boolean | undefined
}

/** A record found in the state directory, with its holder's socket. */
export interface FoundRecord {
  readonly socketPath: string
  readonly record: HeldRecord
}

const RECORD_VERSION = 1

/** A session's key in the records: the digest of its id (the id itself lets whoever has it take the session over). */
export const sessionKeyOf = (sessionId: string): string => createHash("sha256").update(sessionId).digest("hex")

const SOCKET_SUFFIX = ".sock"
const stem = (socketPath: string) =>
  socketPath.endsWith(SOCKET_SUFFIX) ? socketPath.slice(0, -SOCKET_SUFFIX.length) : socketPath
const recordPathOf = (socketPath: string) => `${stem(socketPath)}.json`
const indexPathOf = (socketPath: string) => `${stem(socketPath)}.seq`

/** The files of the process kept at `socketPath`: its holder removes them as it exits. */
export const recordFiles = (socketPath: string): ReadonlyArray<string> => [recordPathOf(socketPath), indexPathOf(socketPath)]

/** A server as records name it: its pid and its start time (a pid alone may be another process's by now). */
const identityOf = (pid: number): string => `${pid}:${startTimeOf(pid) ?? ""}`
let ownIdentity: string | undefined
/** This server, as the records it writes name it. */
export const serverIdentity = (): string => (ownIdentity ??= identityOf(process.pid))

/**
 * Whether the server a record names still runs (then its processes are its
 * own, and not another's to adopt; `handingOver`: the pid of a server that
 * hands its processes to this one, which counts as gone).
 */
export const ownerRuns = (owner: string, handingOver?: number): boolean => {
  const pid = Number(owner.slice(0, owner.indexOf(":")))
  if (!Number.isInteger(pid) || pid <= 0 || pid === handingOver) return false
  const start = startTimeOf(pid)
  return start !== undefined && owner === `${pid}:${start}`
}

/** The record of the process kept at `socketPath` is this server's now (it adopted the process). */
export const claimRecord = (socketPath: string): HeldRecord | undefined => {
  let text: string
  try {
    text = Fs.readFileSync(recordPathOf(socketPath), "utf8")
  } catch {
    return undefined
  }
  const record = parseRecord(text)
  if (record !== undefined) writeRecord(socketPath, { ...record, owner: serverIdentity() })
  return record
}

/** Writes the record of the process kept at `socketPath` (whole or not at all: a temporary file renamed). */
export const writeRecord = (socketPath: string, record: HeldRecord): void => {
  const path = recordPathOf(socketPath)
  const temporary = `${path}.new`
  Fs.writeFileSync(temporary, JSON.stringify({ version: RECORD_VERSION, ...record }), { mode: 0o600 })
  Fs.renameSync(temporary, path)
}

/** Removes the record and the seq index of the process kept at `socketPath` (the process is done with). */
export const removeRecord = (socketPath: string): void => {
  for (const path of [recordPathOf(socketPath), indexPathOf(socketPath), `${recordPathOf(socketPath)}.new`, `${indexPathOf(socketPath)}.new`]) {
    try {
      Fs.unlinkSync(path)
    } catch {
      // Gone already.
    }
  }
}

const isStringArray = (value: unknown): value is ReadonlyArray<string> =>
  Array.isArray(value) && value.every((item) => typeof item === "string")

const parseRecord = (text: string): HeldRecord | undefined => {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof value !== "object" || value === null) return undefined
  const fields = value as Record<string, unknown>
  if (
    fields.version !== RECORD_VERSION || typeof fields.sessionKey !== "string" || typeof fields.processId !== "string" ||
    typeof fields.tty !== "boolean" || !isStringArray(fields.argv) || typeof fields.cwd !== "string" ||
    typeof fields.detachTtlMs !== "number" || typeof fields.startedAtMs !== "number" || typeof fields.owner !== "string"
  ) return undefined
  return {
    sessionKey: fields.sessionKey,
    processId: fields.processId,
    tty: fields.tty,
    argv: fields.argv,
    cwd: fields.cwd,
    detachTtlMs: fields.detachTtlMs,
    startedAtMs: fields.startedAtMs,
    owner: fields.owner,
    ...(fields.confined === true ? { confined: true } : {})
  }
}

/**
 * The records in `stateDir` whose holder's socket is there. A record whose
 * socket is gone (its holder ended) is removed; one that cannot be read is
 * left alone.
 */
export const readRecords = (stateDir: string): Array<FoundRecord> => {
  let names: Array<string>
  try {
    names = Fs.readdirSync(stateDir)
  } catch {
    return []
  }
  const present = new Set(names)
  const found: Array<FoundRecord> = []
  for (const name of names) {
    if (!name.endsWith(".json")) continue
    const socketPath = Path.join(stateDir, `${name.slice(0, -".json".length)}${SOCKET_SUFFIX}`)
    if (!present.has(Path.basename(socketPath))) {
      removeRecord(socketPath)
      continue
    }
    let text: string
    try {
      text = Fs.readFileSync(Path.join(stateDir, name), "utf8")
    } catch {
      continue
    }
    const record = parseRecord(text)
    if (record !== undefined) found.push({ socketPath, record })
  }
  return found
}

/** What an event of a kept process was: output (ending at a position), its exit, its close. */
export type IndexedKind = "output" | "exited" | "closed"
const KIND_CODES: Record<IndexedKind, number> = { output: 1, exited: 2, closed: 3 }
const KINDS: ReadonlyArray<IndexedKind | undefined> = [undefined, "output", "exited", "closed"]

/** One seq as the index has it: its event's kind and where the output before and with it ends. */
export interface IndexEntry {
  readonly kind: IndexedKind
  readonly seq: number
  readonly end: number
}

const ENTRY_BYTES = 24

/** Writes one entry into `bytes` at `at`: its kind, its seq, its end. */
const writeEntry = (bytes: Buffer, at: number, entry: IndexEntry): void => {
  bytes.writeUInt32LE(KIND_CODES[entry.kind], at)
  bytes.writeDoubleLE(entry.seq, at + 8)
  bytes.writeDoubleLE(entry.end, at + 16)
}
/** Entries written between rewrites that drop those the holder's ring no longer has. */
const COMPACT_EVERY = 65_536

/** Reads a process's seq index, in seq order; empty when it is missing. A torn last entry is left out. */
export const readIndex = (socketPath: string): Array<IndexEntry> => {
  let bytes: Buffer
  try {
    bytes = Fs.readFileSync(indexPathOf(socketPath))
  } catch {
    return []
  }
  const entries: Array<IndexEntry> = []
  for (let at = 0; at + ENTRY_BYTES <= bytes.length; at += ENTRY_BYTES) {
    const kind = KINDS[bytes.readUInt32LE(at)]
    if (kind === undefined) break
    entries.push({ kind, seq: bytes.readDoubleLE(at + 8), end: bytes.readDoubleLE(at + 16) })
  }
  return entries
}

/**
 * Appends a process's index entries, each with one `write` before the event
 * can reach a client: a server killed at any moment has told no client of a
 * seq the index does not have. Every `compactEvery` entries (default
 * COMPACT_EVERY) the file is
 * rewritten without the entries that end before `keepFrom()` (what the
 * holder's ring can no longer give back).
 */
export class IndexWriter {
  private fd: number | undefined
  private written = 0
  private readonly entry = Buffer.alloc(ENTRY_BYTES)
  private readonly compactEvery: number

  constructor(
    private readonly socketPath: string,
    private readonly keepFrom: () => number,
    options?: { readonly compactEvery?: number | undefined }
  ) {
    this.compactEvery = options?.compactEvery ?? COMPACT_EVERY
    this.fd = Fs.openSync(indexPathOf(socketPath), "a", 0o600)
    // An adopting server appends to the gone server's index: cut it to the entries readIndex reads
    // first, or a torn last entry would shift every entry appended after it out of line.
    const whole = readIndex(socketPath).length * ENTRY_BYTES
    if (Fs.fstatSync(this.fd).size > whole) Fs.ftruncateSync(this.fd, whole)
  }

  append(kind: IndexedKind, seq: number, end: number): void {
    if (this.fd === undefined) return
    writeEntry(this.entry, 0, { kind, seq, end })
    Fs.writeSync(this.fd, this.entry)
    if (++this.written >= this.compactEvery) this.compact()
  }

  close(): void {
    if (this.fd !== undefined) Fs.closeSync(this.fd)
    this.fd = undefined
  }

  private compact(): void {
    this.written = 0
    const keepFrom = this.keepFrom()
    const entries = readIndex(this.socketPath)
    // A suffix, so the seqs stay consecutive; from the exit on, if there is one: a later server must not announce it again.
    const exit = entries.findIndex((entry) => entry.kind === "exited")
    const firstKept = entries.findIndex((entry) => entry.end > keepFrom)
    const kept = entries.slice(exit >= 0 && (firstKept < 0 || exit < firstKept) ? exit : firstKept < 0 ? entries.length : firstKept)
    const bytes = Buffer.alloc(kept.length * ENTRY_BYTES)
    kept.forEach((entry, index) => writeEntry(bytes, index * ENTRY_BYTES, entry))
    const path = indexPathOf(this.socketPath)
    Fs.writeFileSync(`${path}.new`, bytes, { mode: 0o600 })
    Fs.renameSync(`${path}.new`, path)
    this.close()
    this.fd = Fs.openSync(path, "a", 0o600)
  }
}
