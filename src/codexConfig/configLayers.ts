/**
 * The Codex configuration seen from a directory on this machine, layer by
 * layer, as the reference's `environmentConfig/read` reads it (probed on
 * codex 0.169; docs/PROTOCOL.md, "environmentConfig/read"): the system file,
 * the user's `$CODEX_HOME/config.toml`, each trusted project's
 * `.codex/config.toml` from the project root down to `cwd`, the legacy
 * managed file; and the requirements (the system `requirements.toml`, and
 * what the managed file allows). Each layer is cut down to the key paths
 * asked for, and left out when nothing of it is left.
 */
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
import * as Path from "node:path"
import { parse, TomlError } from "smol-toml"
import { NO_SECRETS, readChecked, type ReadGuard, refusalOf } from "../fs/readGuard.js"
import { fileUri } from "../protocol/fileUri.js"
import { codexHomeOf, CodexHomeUnusable } from "./codexHome.js"
import { isTable, type TomlTable, tomlText, type TomlValue } from "./tomlText.js"

export { fileUri }

/** A file the configuration could not be read from: the answer is -32603 with this message. */
export class ConfigLoadError extends Error {}

/** `$CODEX_HOME` is not a directory: the answer is -32603 with this message as it is. */
export class CodexHomeError extends Error {}

/** Where the machine's own files are (the reference's `/etc/codex`; a test points it elsewhere). */
export interface ConfigPlaces {
  readonly systemDir: string
  readonly environment: Readonly<Record<string, string | undefined>>
  /**
   * What may be read (the operator's policy, the server's secrets), judged
   * as `fs/readFile` judges it: a layer's file it refuses is unreadable (the
   * read fails, as for any unreadable layer), a directory it refuses is
   * absent. Default: anything the server can read.
   */
  readonly guard?: ReadGuard | undefined
}

const READ_ANYTHING: ReadGuard = { policy: undefined, secrets: NO_SECRETS }

export interface ConfigLayer {
  readonly source: string
  readonly baseDir: string
  readonly toml: string
}

export interface LayerStack {
  readonly layers: ReadonlyArray<ConfigLayer>
  readonly cloudInsertionIndex: number
}

export interface EnvironmentConfig {
  readonly userHomeDir: string | null
  readonly codexHomeDir: string
  readonly hostname: string | null
  readonly config: LayerStack
  readonly requirements: LayerStack
}

/** A loaded layer before its cut: the directory its paths are relative to, and its table. */
interface Loaded {
  readonly source: string
  readonly baseDir: string
  readonly table: TomlTable
  /** The cloud's layers go after this one (the system layer of either stack). */
  readonly beforeCloud: boolean
}

/** Keys a project's file may not set (credentials and where requests go), as the reference drops them. */
const PROJECT_DENIED_KEYS = [
  "openai_base_url",
  "chatgpt_base_url",
  "apps_mcp_product_sku",
  "responses_api_metadata",
  "model_provider",
  "model_providers",
  "notify",
  "profile",
  "profiles",
  "experimental_realtime_webrtc_call_base_url",
  "experimental_realtime_ws_base_url",
  "otel"
]

/** What is at `path` as the guard lets it be seen: a path it refuses is missing. */
const kindOf = async (path: string, guard: ReadGuard): Promise<"file" | "directory" | "other" | "missing"> => {
  if (refusalOf(guard, path) !== undefined) return "missing"
  try {
    const stat = await Fs.stat(path)
    return stat.isFile() ? "file" : stat.isDirectory() ? "directory" : "other"
  } catch {
    return "missing"
  }
}

/**
 * The deepest nesting of tables and arrays a file may have. The parser
 * bounds inline nesting only; dotted keys and headers (`a.a.a…`) nest
 * without end, and the writer (tomlText.ts) recurses per level: 300,000
 * levels ran it out of stack.
 */
const MAX_TABLE_DEPTH = 128

/** Whether a value nests deeper than the limit (looked at without recursion). */
const tooDeep = (root: TomlTable): boolean => {
  const pending: Array<readonly [TomlValue, number]> = [[root, 1]]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, depth] = next
    if (depth > MAX_TABLE_DEPTH) return true
    if (Array.isArray(value)) for (const item of value) pending.push([item, depth + 1])
    else if (isTable(value)) for (const item of Object.values(value)) pending.push([item, depth + 1])
  }
  return false
}

const parseToml = (text: string, path: string, style: "located" | "project" | "requirements"): TomlTable => {
  let table: TomlTable
  try {
    table = parse(text, { integersAsBigInt: true }) as TomlTable
  } catch (error) {
    const reason = error instanceof TomlError
      ? error.message.replace(/^Invalid TOML document: /, "").split("\n")[0]!
      : String(error)
    if (error instanceof TomlError && style === "located") throw new ConfigLoadError(`${path}:${error.line}:${error.column}: ${reason}`)
    const at = error instanceof TomlError ? `TOML parse error at line ${error.line}, column ${error.column}\n${reason}\n` : `${reason}\n`
    throw new ConfigLoadError(
      style === "project" ? `Error parsing project config file ${path}: ${at}` : `failed to parse requirements layer ${path}: ${at}`
    )
  }
  if (tooDeep(table)) throw new ConfigLoadError(`${path}: tables and arrays nested deeper than ${MAX_TABLE_DEPTH}`)
  return table
}

/**
 * A file's table, or undefined when there is no such file; a directory, a
 * bad file, or one the guard refuses (judged on the file opened, links
 * followed) is an error, as an unreadable file is on the reference.
 */
const readTable = async (
  path: string,
  guard: ReadGuard,
  style: "located" | "project" | "requirements",
  what = "config file"
): Promise<TomlTable | undefined> => {
  const read = await readChecked(guard, path, CONFIG_FILE_LIMIT).catch(async (error: unknown) => {
    // A path that cannot even be looked at (a directory on the way without search permission) is missing, as before.
    if (await Fs.stat(path).then(() => false, () => true)) return { _tag: "Missing" } as const
    throw error
  })
  const failed = `Failed to read ${style === "project" ? "project " : ""}${what} ${path}`
  switch (read._tag) {
    case "Missing":
      return undefined
    case "Refused":
      throw new ConfigLoadError(`${failed}: Permission denied (os error 13): ${read.why}`)
    case "NotAFile":
      throw new ConfigLoadError(`${failed}: path \`${path}\` is not a file`)
    case "TooBig":
      throw new ConfigLoadError(`${failed}: the file exceeds the ${CONFIG_FILE_LIMIT}-byte limit`)
    case "Read":
      return parseToml(read.bytes.toString("utf8"), path, style)
  }
}

/**
 * The most of one configuration file that is read (the capability files'
 * limit): a file a process could write (a trusted project's, a writable
 * CODEX_HOME's) costs the parser some 70 bytes of heap per byte: a 14 MiB
 * one took 8 s of the server's only thread and a gigabyte.
 */
export const CONFIG_FILE_LIMIT = 1024 * 1024

const homeOf = (environment: ConfigPlaces["environment"]): string | null => {
  const home = environment.HOME !== undefined && environment.HOME !== "" ? environment.HOME : Os.userInfo().homedir
  return Path.isAbsolute(home) ? Path.normalize(home).replace(/(.)\/$/, "$1") : null
}

/** Whether `dir` holds a project marker: `.git` counts as a file, or as a directory holding `HEAD`. */
const holdsMarker = async (dir: string, markers: ReadonlyArray<string>, guard: ReadGuard) => {
  for (const marker of markers) {
    const kind = await kindOf(Path.join(dir, marker), guard)
    if (kind === "missing") continue
    if (marker !== ".git" || kind === "file") return true
    if (kind === "directory" && (await kindOf(Path.join(dir, ".git", "HEAD"), guard)) !== "missing") return true
  }
  return false
}

/** `cwd` and its ancestors, nearest first. */
const ancestors = (dir: string): Array<string> => {
  const out = [dir]
  while (Path.dirname(out[out.length - 1]!) !== out[out.length - 1]) out.push(Path.dirname(out[out.length - 1]!))
  return out
}

const stringsOf = (value: TomlValue | undefined): ReadonlyArray<string> | undefined => {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw new ConfigLoadError("project_root_markers must be an array of strings")
  }
  return value as ReadonlyArray<string>
}

type Trust = "trusted" | "untrusted" | undefined

const trustTable = (tables: ReadonlyArray<TomlTable | undefined>): Map<string, Trust> => {
  const trust = new Map<string, Trust>()
  for (const table of tables) {
    const projects = table?.projects
    if (projects === undefined) continue
    if (!isTable(projects)) throw new ConfigLoadError(`invalid type: ${typeof projects}, expected a map\nin \`projects\`\n`)
    for (const [key, entry] of Object.entries(projects)) {
      if (!isTable(entry) || entry.trust_level === undefined) continue
      const level = entry.trust_level
      if (level !== "trusted" && level !== "untrusted") {
        throw new ConfigLoadError(
          `unknown variant \`${String(level)}\`, expected \`trusted\` or \`untrusted\`\nin \`projects.${key}.trust_level\`\n`
        )
      }
      trust.set(key, level)
    }
  }
  return trust
}

const trustOf = async (trust: Map<string, Trust>, dirs: ReadonlyArray<string>): Promise<Trust> => {
  for (const dir of dirs) {
    const canonical = await Fs.realpath(dir).catch(() => dir)
    const found = trust.get(canonical) ?? trust.get(dir)
    if (found !== undefined) return found
  }
  return undefined
}

const withoutDeniedKeys = (table: TomlTable): TomlTable => {
  const kept: Record<string, TomlValue> = {}
  for (const [key, value] of Object.entries(table)) {
    if (PROJECT_DENIED_KEYS.includes(key)) continue
    if (key === "features" && isTable(value)) {
      const { respect_system_proxy: _dropped, ...features } = value
      kept[key] = features
    } else {
      kept[key] = value
    }
  }
  return kept
}

/** The layers of each trusted project directory from the project root down to `cwd`. */
const projectLayers = async (
  cwd: string,
  codexHome: string,
  discovery: ReadonlyArray<TomlTable | undefined>,
  guard: ReadGuard
): Promise<Array<Loaded>> => {
  let markers: ReadonlyArray<string> = [".git"]
  for (const table of discovery) markers = stringsOf(table?.project_root_markers) ?? markers
  const trust = trustTable(discovery)
  const lineage = ancestors(cwd)
  let root = cwd
  if (markers.length > 0) {
    for (const dir of lineage) {
      if (await holdsMarker(dir, markers, guard)) {
        root = dir
        break
      }
    }
  }
  const dirs = lineage.slice(0, lineage.indexOf(root) + 1).reverse()
  const layers: Array<Loaded> = []
  for (const dir of dirs) {
    const dotCodex = Path.join(dir, ".codex")
    if ((await kindOf(dotCodex, guard)) !== "directory" || dotCodex === codexHome) continue
    const file = Path.join(dotCodex, "config.toml")
    if ((await trustOf(trust, [dir, root])) !== "trusted") {
      const kind = await kindOf(file, guard)
      if (kind !== "missing" && kind !== "file") {
        throw new ConfigLoadError(`Failed to read project config file ${file}: path \`${file}\` is not a file`)
      }
      continue
    }
    const table = await readTable(file, guard, "project")
    if (table !== undefined) {
      layers.push({ source: `project (${file})`, baseDir: dotCodex, table: withoutDeniedKeys(table), beforeCloud: false })
    }
  }
  return layers
}

const APPROVAL_POLICIES = ["untrusted", "on-failure", "on-request", "granular", "never"]

/** What the legacy managed file allows, as requirements (the reference's `allowed_*` lists). */
const requirementsOfManaged = (managed: TomlTable): TomlTable => {
  const out: Record<string, TomlValue> = {}
  const policy = managed.approval_policy
  if (policy !== undefined) {
    if (typeof policy !== "string" || !APPROVAL_POLICIES.includes(policy)) {
      throw new ConfigLoadError(
        `Failed to parse config requirements as TOML: unknown variant \`${String(policy)}\`, expected one of ${
          APPROVAL_POLICIES.map((name) => `\`${name}\``).join(", ")
        }\nin \`approval_policy\`\n`
      )
    }
    out.allowed_approval_policies = [policy]
  }
  const reviewer = managed.approvals_reviewer
  if (typeof reviewer === "string") out.allowed_approvals_reviewers = reviewer === "auto_review" ? [reviewer, "user"] : [reviewer]
  const mode = managed.sandbox_mode
  if (typeof mode === "string") out.allowed_sandbox_modes = mode === "read-only" ? ["read-only"] : ["read-only", mode]
  return out
}

/** A trie of the key paths asked for: `true` where a path ends (the whole subtree is selected). */
type Selector = Map<string, Selector | true>

export const selectorOf = (paths: ReadonlyArray<ReadonlyArray<string>>): Selector => {
  const root: Selector = new Map()
  for (const path of paths) {
    let node = root
    for (const [index, key] of path.entries()) {
      const existing = node.get(key)
      if (existing === true) break
      if (index === path.length - 1) {
        node.set(key, true)
        break
      }
      const next = existing ?? new Map()
      node.set(key, next)
      node = next
    }
  }
  return root
}

/** The table cut down to the selected paths, in the table's own order; a value that is no table is kept whole. */
export const project = (table: TomlTable, selector: Selector): TomlTable => {
  const out: Record<string, TomlValue> = {}
  for (const [key, value] of Object.entries(table)) {
    const node = selector.get(key)
    if (node === undefined) continue
    out[key] = node === true || !isTable(value) ? value : project(value, node)
  }
  return out
}

const stackOf = (loaded: ReadonlyArray<Loaded>, paths: ReadonlyArray<ReadonlyArray<string>>): LayerStack => {
  if (paths.length === 0) return { layers: [], cloudInsertionIndex: 0 }
  const selector = selectorOf(paths)
  const layers: Array<ConfigLayer> = []
  let cloudInsertionIndex = 0
  for (const layer of loaded) {
    const table = project(layer.table, selector)
    if (Object.keys(table).length === 0) continue
    layers.push({ source: layer.source, baseDir: fileUri(layer.baseDir), toml: tomlText(table) })
    if (layer.beforeCloud) cloudInsertionIndex = layers.length
  }
  return { layers, cloudInsertionIndex }
}

let hostnameOfMachine: string | null | undefined

const machineHostname = (): string | null => {
  if (hostnameOfMachine !== undefined) return hostnameOfMachine
  const name = Os.hostname().trim().replace(/\.$/, "").toLowerCase()
  return (hostnameOfMachine = name === "" ? null : name)
}

/**
 * Reads every layer (a bad file fails the whole read, whatever is selected,
 * as on the reference) and cuts each stack to its paths.
 */
export const readEnvironmentConfig = async (
  places: ConfigPlaces,
  cwd: string,
  configPaths: ReadonlyArray<ReadonlyArray<string>>,
  requirementsPaths: ReadonlyArray<ReadonlyArray<string>>
): Promise<EnvironmentConfig> => {
  const home = homeOf(places.environment)
  const codexHome = await codexHomeOf(places.environment, home).catch((error: unknown) => {
    throw error instanceof CodexHomeUnusable ? new CodexHomeError(`failed to find Codex home: ${error.message}`) : error
  })
  const directory = Path.normalize(cwd).replace(/(.)\/$/, "$1")
  const systemFile = Path.join(places.systemDir, "config.toml")
  const userFile = Path.join(codexHome, "config.toml")
  const managedFile = Path.join(places.systemDir, "managed_config.toml")
  const requirementsFile = Path.join(places.systemDir, "requirements.toml")
  const guard = places.guard ?? READ_ANYTHING
  const system = await readTable(systemFile, guard, "located")
  const user = await readTable(userFile, guard, "located")
  const managed = await readTable(managedFile, guard, "located")
  const projects = await projectLayers(directory, codexHome, [system, user, managed], guard)
  const config: Array<Loaded> = [
    ...(system === undefined ? [] : [{ source: `system (${systemFile})`, baseDir: places.systemDir, table: system, beforeCloud: true }]),
    ...(user === undefined ? [] : [{ source: `user (${userFile})`, baseDir: codexHome, table: user, beforeCloud: false }]),
    ...projects,
    ...(managed === undefined ? [] : [{
      source: `legacy managed_config.toml (${managedFile})`,
      baseDir: places.systemDir,
      table: managed,
      beforeCloud: false
    }])
  ]
  const requirementsTable = await readTable(requirementsFile, guard, "requirements")
  const requirements: Array<Loaded> = [
    ...(requirementsTable === undefined ? [] : [{
      source: requirementsFile,
      baseDir: places.systemDir,
      table: requirementsTable,
      beforeCloud: true
    }]),
    ...(managed === undefined ? [] : [{
      source: managedFile,
      baseDir: places.systemDir,
      table: requirementsOfManaged(managed),
      beforeCloud: false
    }])
  ]
  return {
    userHomeDir: home === null ? null : fileUri(home),
    codexHomeDir: fileUri(codexHome),
    hostname: machineHostname(),
    config: stackOf(config, configPaths),
    requirements: stackOf(requirements, requirementsPaths)
  }
}
