/**
 * `capabilityRoots/discoverV1`: what a directory offers Codex, as files for
 * the client to parse: a plugin manifest at the root (`.codex-plugin`, then
 * `.claude-plugin`, then `.cursor-plugin`) with its MCP and apps configs,
 * every `SKILL.md` with its `agents/openai.yaml`, and the plugin manifests
 * the skills belong to. One bounded walk per root (the reference's bounds:
 * depth 6, 2,000 directories, 20,000 entries, files of 1 MiB, 16 MiB a
 * root) through the root's backend, so a sandboxed root shows only what its
 * sandbox lets read. Failures are warnings, or the root's `error`, never a
 * failed call. As codex 0.169 does it (probed; docs/PROTOCOL.md).
 */
import * as Effect from "effect/Effect"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import type { FsBackend, FsBackendError } from "../fs/FsBackend.js"
import { fileUri } from "../protocol/fileUri.js"
import { WALK_ENTRIES_READ } from "../fs/walk.js"

export const DISCOVERY_LIMITS = {
  roots: 128,
  /**
   * Entries read from the file system by all the walks of one call (four
   * walks' worth of `WALK_ENTRIES_READ`): 512 plugin roots (or 128 roots of
   * V1) each of a directory near that bound would read tens of millions.
   */
  entriesRead: 4 * WALK_ENTRIES_READ,
  fileBytes: 1024 * 1024,
  rootBytes: 16 * 1024 * 1024,
  walk: { maxDepth: 6, maxDirectories: 2000, maxEntries: 20000, followDirectorySymlinks: true, pruneHiddenDirectories: false }
} as const

/** A file as the client gets it: where, and its whole text. */
export interface CapabilityTextFile {
  readonly path: string
  readonly contents: string
}

export interface RootDiscovery {
  readonly id: string
  readonly path: string
  readonly plugin: {
    readonly manifest: CapabilityTextFile
    readonly mcpConfig: CapabilityTextFile | null
    readonly appsConfig: CapabilityTextFile | null
  } | null
  readonly skills: ReadonlyArray<{ readonly instructions: CapabilityTextFile; readonly metadata: CapabilityTextFile | null }>
  readonly namespaceManifests: ReadonlyArray<CapabilityTextFile>
  readonly warnings: ReadonlyArray<string>
  readonly error: string | null
}

const MANIFEST_DIRS = [".codex-plugin", ".claude-plugin", ".cursor-plugin"]

const OS_ERRORS: Record<string, string> = {
  ENOENT: "No such file or directory (os error 2)",
  EACCES: "Permission denied (os error 13)",
  EPERM: "Operation not permitted (os error 1)",
  ENOTDIR: "Not a directory (os error 20)",
  ELOOP: "Too many levels of symbolic links (os error 40)",
  EIO: "Input/output error (os error 5)"
}

/** An error in the words of Rust's `io::Error` (what the reference's warnings say), where it has an errno. */
const ioText = (error: FsBackendError): string => {
  if (error._tag === "ExecServer/PathNotFound") return OS_ERRORS.ENOENT!
  const errno = "errno" in error ? error.errno : undefined
  return (errno !== undefined ? OS_ERRORS[errno] : undefined) ?? error.message
}

const isMissing = (error: FsBackendError) =>
  error._tag === "ExecServer/PathNotFound" || ("errno" in error && error.errno === "ENOENT")

/** The reads of one root: its warnings, and the bytes it has read so far against its budget. */
const makeReader = (backend: FsBackend) => {
  const warnings: Array<string> = []
  let bytesRead = 0
  /** The file's text, or null (missing, not a regular file, too big, unreadable, not UTF-8: the last ones warned). */
  const read = (path: string): Effect.Effect<CapabilityTextFile | null> =>
    Effect.gen(function*() {
      const uri = fileUri(path)
      const metadata = yield* Effect.result(backend.getMetadata({ path }))
      if (metadata._tag === "Failure") {
        if (!isMissing(metadata.failure)) warnings.push(`failed to inspect capability file ${uri}: ${ioText(metadata.failure)}`)
        return null
      }
      if (!metadata.success.isFile) return null
      const size = metadata.success.size
      if (size > DISCOVERY_LIMITS.fileBytes) {
        warnings.push(`capability file ${uri} exceeds the ${DISCOVERY_LIMITS.fileBytes}-byte limit`)
        return null
      }
      if (bytesRead + size > DISCOVERY_LIMITS.rootBytes) {
        warnings.push(`capability root bundle exceeds the ${DISCOVERY_LIMITS.rootBytes}-byte limit`)
        return null
      }
      const bytes = yield* Effect.result(backend.readFile({ path, maxBytes: DISCOVERY_LIMITS.fileBytes }))
      if (bytes._tag === "Failure") {
        warnings.push(`failed to read capability file ${uri}: ${ioText(bytes.failure)}`)
        return null
      }
      try {
        const contents = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes.success)
        bytesRead += bytes.success.length
        return { path: uri, contents }
      } catch {
        warnings.push(`capability file ${uri} is not UTF-8: ${utf8Problem(bytes.success)}`)
        return null
      }
    })
  return { read, warnings }
}

/** Rust's `FromUtf8Error` words for the first bad sequence. */
const utf8Problem = (bytes: Uint8Array): string => {
  let at = 0
  while (at < bytes.length) {
    const length = utf8Length(bytes, at)
    if (length === 0) return `invalid utf-8 sequence of 1 bytes from index ${at}`
    at += length
  }
  return "invalid utf-8"
}

const utf8Length = (bytes: Uint8Array, at: number): number => {
  const first = bytes[at]!
  const length = first < 0x80 ? 1 : (first & 0xe0) === 0xc0 ? 2 : (first & 0xf0) === 0xe0 ? 3 : (first & 0xf8) === 0xf0 ? 4 : 0
  for (let i = 1; i < length; i++) if (at + i >= bytes.length || (bytes[at + i]! & 0xc0) !== 0x80) return 0
  return length
}

/** The first of the three manifests of a plugin directory that reads. */
const manifestOf = (read: ReturnType<typeof makeReader>["read"], dir: string) =>
  Effect.gen(function*() {
    for (const manifestDir of MANIFEST_DIRS) {
      const file = yield* read(Path.join(dir, manifestDir, "plugin.json"))
      if (file !== null) return file
    }
    return null
  })

/**
 * Where the manifest says its MCP or apps config is: `undefined` for the
 * default file, `null` for none (inline servers), or a path below the root.
 */
const declaredPath = (
  manifest: CapabilityTextFile,
  field: "mcpServers" | "apps",
  root: string,
  warnings: Array<string>
): string | null | undefined => {
  let value: unknown
  try {
    const parsed: unknown = JSON.parse(manifest.contents)
    value = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>)[field] : undefined
  } catch {
    return undefined
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) return field === "mcpServers" ? null : undefined
  if (typeof value !== "string") return undefined
  if (!value.startsWith("./")) {
    warnings.push(`ignoring ${field} in ${manifest.path}: path must start with \`./\``)
    return undefined
  }
  const rest = value.slice(2)
  const joined = Path.join(root, rest)
  if (rest === "" || rest.split(/[/\\]/).includes("..") || !joined.startsWith(root + Path.sep)) {
    warnings.push(`ignoring ${field} in ${manifest.path}: path must remain below the capability root`)
    return undefined
  }
  return joined
}

const byteCompare = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b))

/** What the walks of one call may still read (`DISCOVERY_LIMITS.entriesRead` to start with), shared by its roots. */
export interface ReadBudget {
  entriesLeft: number
}

/** A call's budget of entries read, whole. */
export const readBudget = (): ReadBudget => ({ entriesLeft: DISCOVERY_LIMITS.entriesRead })

/**
 * One root, read through `backend`; `root` is absolute and normalized, `uri`
 * how the answer names it. Its walk reads at most what `budget` has left,
 * and takes what it read from it.
 */
export const discoverRoot = (
  backend: FsBackend,
  id: string,
  root: string,
  budget: ReadBudget,
  uri = fileUri(root)
): Effect.Effect<RootDiscovery> =>
  Effect.gen(function*() {
    const empty = { id, path: uri, plugin: null, skills: [], namespaceManifests: [] }
    const metadata = yield* Effect.result(backend.getMetadata({ path: root }))
    if (metadata._tag === "Failure") {
      return { ...empty, warnings: [], error: `failed to inspect capability root ${uri}: ${ioText(metadata.failure)}` }
    }
    if (!metadata.success.isDirectory) return { ...empty, warnings: [], error: `capability root ${uri} is not a directory` }
    const reader = makeReader(backend)
    const { read, warnings } = reader
    const walked = yield* Effect.result(
      backend.walk({ path: root, options: DISCOVERY_LIMITS.walk, mostRead: Math.max(0, Math.min(WALK_ENTRIES_READ, budget.entriesLeft)) })
    )
    if (walked._tag === "Failure") {
      return { ...empty, warnings: [], error: `failed to scan capability root ${uri}: ${ioText(walked.failure)}` }
    }
    budget.entriesLeft -= walked.success.entriesRead
    for (const failure of walked.success.errors) {
      const errno = /^([A-Z]+):/.exec(failure.message)?.[1]
      warnings.push(`failed to scan capability path ${fileUri(fileURLToPath(failure.path))}: ${(errno && OS_ERRORS[errno]) ?? failure.message}`)
    }
    if (walked.success.truncated) warnings.push(`capability scan reached its traversal limit (root: ${uri})`)
    const files = walked.success.entries.filter((entry) => entry.kind === "file").map((entry) => fileURLToPath(entry.path))
    const skillFiles = files.filter((file) => Path.basename(file) === "SKILL.md").sort((a, b) => byteCompare(fileUri(a), fileUri(b)))
    const candidates = files
      .filter((file) => Path.basename(file) === "plugin.json" && MANIFEST_DIRS.includes(Path.basename(Path.dirname(file))))
      .map((file) => ({ file, pluginRoot: Path.dirname(Path.dirname(file)), rank: MANIFEST_DIRS.indexOf(Path.basename(Path.dirname(file))) }))
      .sort((a, b) => byteCompare(fileUri(a.pluginRoot), fileUri(b.pluginRoot)) || a.rank - b.rank)

    const rootManifest = yield* manifestOf(read, root)
    // A root inside a plugin (its skills directory) belongs to the nearest manifest above it.
    let inherited: { readonly file: CapabilityTextFile; readonly pluginRoot: string } | null = null
    if (rootManifest === null) {
      for (let dir = Path.dirname(root); inherited === null; dir = Path.dirname(dir)) {
        const found = yield* manifestOf(read, dir)
        if (found !== null) inherited = { file: found, pluginRoot: dir }
        if (dir === Path.dirname(dir)) break
      }
    }
    const namespaceManifests: Array<CapabilityTextFile> = []
    const seenRoots = new Set<string>()
    if (rootManifest !== null) {
      namespaceManifests.push(rootManifest)
      seenRoots.add(root)
    } else if (inherited !== null) {
      namespaceManifests.push(inherited.file)
      seenRoots.add(inherited.pluginRoot)
    }
    for (const candidate of candidates) {
      if (seenRoots.has(candidate.pluginRoot)) continue
      const file = yield* read(candidate.file)
      if (file === null) continue
      seenRoots.add(candidate.pluginRoot)
      namespaceManifests.push(file)
    }
    let plugin: RootDiscovery["plugin"] = null
    if (rootManifest !== null) {
      const mcp = declaredPath(rootManifest, "mcpServers", root, warnings)
      const apps = declaredPath(rootManifest, "apps", root, warnings)
      plugin = {
        manifest: rootManifest,
        mcpConfig: mcp === null ? null : yield* read(mcp ?? Path.join(root, ".mcp.json")),
        appsConfig: apps === null ? null : yield* read(apps ?? Path.join(root, ".app.json"))
      }
    }
    const skills: Array<RootDiscovery["skills"][number]> = []
    for (const skillFile of skillFiles) {
      const instructions = yield* read(skillFile)
      if (instructions === null) continue
      skills.push({ instructions, metadata: yield* read(Path.join(Path.dirname(skillFile), "agents", "openai.yaml")) })
    }
    return { id, path: uri, plugin, skills, namespaceManifests, warnings, error: null }
  })
