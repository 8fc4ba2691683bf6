/**
 * `capabilities/discoverV2`: the plugins installed for Codex on this
 * machine (`$CODEX_HOME/plugins/cache/<marketplace>/<plugin>/<version>`, the
 * active version of each) and the skills of its skill directories
 * (`$CODEX_HOME/skills`, `~/.agents/skills`, `/etc/codex/skills`), each
 * location read as a V1 root, then parsed: plugin names, skills' front
 * matter, namespaces. Failures become the reference's three collapsed
 * warnings, never a failed call; the answer is bounded (2,048 capabilities,
 * 4 MiB). As codex 0.169 does it (probed; docs/PROTOCOL.md).
 */
import * as Effect from "effect/Effect"
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Semver from "semver"
import type { FsBackend } from "../fs/FsBackend.js"
import { readChecked, type ReadGuard, refusalOf } from "../fs/readGuard.js"
import { codexHomeOf, CodexHomeUnusable } from "../codexConfig/codexHome.js"
import { fileUri } from "../protocol/fileUri.js"
import { readDirectoryUpTo } from "../fs/walk.js"
import { type CapabilityTextFile, discoverRoot, readBudget, type RootDiscovery } from "./rootDiscovery.js"
import { type ExecutorSkill, isRecord, skillOf } from "./skills.js"

/**
 * `cacheEntries`: the entries the look for plugins reads in the plugin cache
 * (marketplaces, plugins and versions, over all), each of them looked at on
 * the host: a marketplace of 100,000 plugins held one call 217 s.
 */
export const V2_LIMITS = { locations: 512, cacheEntries: 16_384, capabilities: 2048, responseBytes: 4 * 1024 * 1024, warnings: 64 } as const

const LOCATIONS_INCOMPLETE = "some capability locations could not be resolved; discovery may be incomplete"
const METADATA_INCOMPLETE = "some capability metadata could not be loaded; discovery may be incomplete"
const SIZE_LIMIT = "capability discovery size limit reached"
const DENIED = "Permission denied (os error 13)"

export interface ExecutorPlugin {
  readonly id: string
  readonly displayName: string
  readonly remotePluginId: string | null
  readonly version: string
  readonly root: string
  readonly files: NonNullable<RootDiscovery["plugin"]>
  readonly skills: ReadonlyArray<ExecutorSkill>
}

export interface DiscoverV2Result {
  readonly plugins: ReadonlyArray<ExecutorPlugin>
  readonly skills: ReadonlyArray<ExecutorSkill>
  readonly warnings: ReadonlyArray<string>
}


type Location =
  | { readonly _tag: "Plugin"; readonly root: string; readonly id: string; readonly version: string; readonly remotePluginId: string | null }
  | { readonly _tag: "Skills"; readonly root: string; readonly id: string }

/**
 * The host-side looks at the locations, each judged as `fs/*` would judge
 * it under the request's policy: what the guard refuses is absent, as a
 * path the reference's sandbox hides. Listings read at most
 * `V2_LIMITS.cacheEntries` entries in all: a directory that would pass it is
 * "tooMany", and so is every one after.
 */
const looksOf = (guard: ReadGuard) => {
  const hidden = (path: string) => refusalOf(guard, path) !== undefined
  let entriesLeft: number = V2_LIMITS.cacheEntries
  return {
    isDirectory: (path: string) => hidden(path) ? Promise.resolve(false) : Fs.stat(path).then((stat) => stat.isDirectory(), () => false),
    isRealDirectory: (path: string) =>
      hidden(path) ? Promise.resolve(false) : Fs.lstat(path).then((stat) => stat.isDirectory(), () => false),
    entriesOf: async (path: string): Promise<Array<string> | "tooMany"> => {
      if (hidden(path)) return []
      const read = await readDirectoryUpTo(path, entriesLeft).catch(() => [])
      if (read === "tooMany") {
        entriesLeft = 0
        return read
      }
      entriesLeft -= read.length
      return read.map((dirent) => dirent.name).sort()
    }
  }
}

const MARKETPLACE_NAME = /^[A-Za-z0-9_-]+$/
const PLUGIN_NAME = /^[A-Za-z0-9_.-]+$/
const VERSION_NAME = /^[A-Za-z0-9_.+-]+$/

/** The version a package runs: `local`, else the greatest (by semver where both are, else as strings). */
const activeVersion = (versions: ReadonlyArray<string>): string | undefined => {
  if (versions.includes("local")) return "local"
  return [...versions].sort((a, b) => {
    const [va, vb] = [Semver.valid(a), Semver.valid(b)]
    return va !== null && vb !== null ? Semver.compare(va, vb) : a < b ? -1 : a > b ? 1 : 0
  }).at(-1)
}

/** `<package>/.codex-remote-plugin-install.json`'s id, null when there is none; undefined when the file is bad (a location warning). */
const remotePluginIdOf = async (packageDir: string, guard: ReadGuard): Promise<string | null | undefined> => {
  const file = Path.join(packageDir, ".codex-remote-plugin-install.json")
  // Judged on the file opened: one the guard refuses (a link to a denied file) is absent.
  const read = await readChecked(guard, file, 16 * 1024).catch(() => undefined)
  if (read?._tag === "TooBig") return undefined
  if (read?._tag !== "Read") return null
  try {
    const parsed = JSON.parse(read.bytes.toString("utf8")) as { schema_version?: unknown; remote_plugin_id?: unknown }
    const id = typeof parsed.remote_plugin_id === "string" ? parsed.remote_plugin_id.trim() : ""
    return parsed.schema_version === 1 && id !== "" && id.length <= 1024 ? id : undefined
  } catch {
    return undefined
  }
}

/**
 * Where to look, in the answer's order, and whether any could not be
 * resolved. The plugin cache is looked at until `V2_LIMITS.locations`
 * plugins are found or `V2_LIMITS.cacheEntries` entries read; what is left
 * makes the answer incomplete.
 */
const locationsOf = async (codexHome: string, home: string, systemDir: string, guard: ReadGuard) => {
  const { entriesOf, isDirectory, isRealDirectory } = looksOf(guard)
  const locations: Array<Location> = []
  let incomplete = false
  /** A listing, or none when the budget is spent (the answer then says it is incomplete). */
  const listed = async (path: string): Promise<Array<string>> => {
    const names = await entriesOf(path)
    if (names !== "tooMany") return names
    incomplete = true
    return []
  }
  const cache = Path.join(codexHome, "plugins", "cache")
  plugins: for (const marketplace of await listed(cache)) {
    if (!MARKETPLACE_NAME.test(marketplace) || !(await isDirectory(Path.join(cache, marketplace)))) continue
    for (const plugin of await listed(Path.join(cache, marketplace))) {
      const packageDir = Path.join(cache, marketplace, plugin)
      if (!PLUGIN_NAME.test(plugin) || plugin.startsWith(".") || !(await isDirectory(packageDir))) continue
      if (locations.length >= V2_LIMITS.locations) {
        incomplete = true
        break plugins
      }
      const versions: Array<string> = []
      for (const version of await listed(packageDir)) {
        if (version !== "." && version !== ".." && VERSION_NAME.test(version) && (await isRealDirectory(Path.join(packageDir, version)))) {
          versions.push(version)
        }
      }
      const version = activeVersion(versions)
      if (version === undefined) continue
      const remotePluginId = await remotePluginIdOf(packageDir, guard)
      if (remotePluginId === undefined) incomplete = true
      locations.push({
        _tag: "Plugin",
        root: Path.join(packageDir, version),
        id: `${plugin}@${marketplace}`,
        version,
        remotePluginId: remotePluginId ?? null
      })
    }
  }
  const seen = new Set<string>()
  for (const [id, root] of [
    ["codex-home-skills", Path.join(codexHome, "skills")],
    ["user-agent-skills", Path.join(home, ".agents", "skills")],
    ["system-skills", Path.join(systemDir, "skills")]
  ] as const) {
    if (seen.has(root) || !(await isDirectory(root))) continue
    seen.add(root)
    locations.push({ _tag: "Skills", root, id })
  }
  return { locations, incomplete }
}


/** The plugin's display name from its manifest, or undefined when the manifest does not make a plugin. */
const displayNameOf = (manifest: CapabilityTextFile, root: string): string | undefined => {
  let parsed: unknown
  try {
    parsed = JSON.parse(manifest.contents)
  } catch {
    return undefined
  }
  if (!isRecord(parsed)) return undefined
  if (parsed.name !== undefined && typeof parsed.name !== "string") return undefined
  if (parsed.interface !== undefined && !isRecord(parsed.interface)) return undefined
  const shown = isRecord(parsed.interface) ? parsed.interface.displayName : undefined
  if (shown !== undefined && typeof shown !== "string") return undefined
  if (typeof shown === "string" && shown.trim() !== "") return shown.trim()
  if (typeof parsed.name === "string" && parsed.name.trim() !== "") return parsed.name
  return Path.basename(root)
}

/**
 * The skills of a location's V1 discovery; `invalid` when any was not a
 * valid skill. Each file's YAML is parsed in a step of its own: a location
 * of a thousand skills does not hold other clients' requests meanwhile.
 */
const skillsOf = (found: RootDiscovery, discoveryRoot: ExecutorSkill["discoveryRoot"]) =>
  Effect.gen(function*() {
    let invalid = false
    const skills: Array<ExecutorSkill> = []
    for (const { instructions, metadata } of found.skills) {
      yield* Effect.yieldNow
      const skill = skillOf(instructions, metadata, found.namespaceManifests, discoveryRoot)
      if (skill === undefined) invalid = true
      else skills.push(skill)
    }
    return { skills, invalid }
  })

/** The home directory and Codex's, where the locations are. */
export interface Homes {
  readonly home: string
  readonly codexHome: string
}

/** The homes of an environment; fails as the reference does when `CODEX_HOME` is not a directory. */
export const homesOf = (environment: Readonly<Record<string, string | undefined>>): Effect.Effect<Homes, CodexHomeUnusable> => {
  const home = environment.HOME || Os.userInfo().homedir
  return Effect.tryPromise({
    try: () => codexHomeOf(environment, home).then((codexHome) => ({ home, codexHome })),
    catch: (error) => (error instanceof CodexHomeUnusable ? error : new CodexHomeUnusable(String(error)))
  })
}

/** The directories whose changes change the answer (the reference watches the same four). */
export const watchedRootsOf = ({ codexHome, home }: Homes, systemDir: string): ReadonlyArray<string> => [
  Path.join(codexHome, "plugins", "cache"),
  Path.join(codexHome, "skills"),
  Path.join(home, ".agents", "skills"),
  Path.join(systemDir, "skills")
]

/**
 * Discovers every location through `backend` (the host's, or the request's
 * sandbox's); the locations themselves are found on the host, through the guard.
 */
export const discoverV2 = (
  backend: FsBackend,
  places: {
    readonly homes: Homes
    readonly systemDir: string
    /** Reads go through a sandbox: what it does not let read is absent without a warning, as on the reference. */
    readonly sandboxed: boolean
    /** What the host-side looks (the locations, the remote install files) may see: the request's policy and the server's secrets. */
    readonly guard: ReadGuard
  }
): Effect.Effect<DiscoverV2Result> =>
  Effect.gen(function*() {
    const { codexHome, home } = places.homes
    const { incomplete, locations } = yield* Effect.promise(() => locationsOf(codexHome, home, places.systemDir, places.guard))
    const plugins: Array<ExecutorPlugin> = []
    const skills: Array<ExecutorSkill> = []
    const warnings: Array<string> = incomplete ? [LOCATIONS_INCOMPLETE] : []
    let capabilities = 0
    let bytes = 0
    let truncated = false
    // The walks of all the locations share one budget of entries read: once it is spent, the rest are not walked.
    const budget = readBudget()
    for (const location of locations) {
      if (budget.entriesLeft <= 0) truncated = true
      if (truncated) break
      const found = yield* discoverRoot(backend, location.id, location.root, budget)
      const hiddenBySandbox = (text: string) => places.sandboxed && text.endsWith(DENIED)
      if (found.error !== null && hiddenBySandbox(found.error)) continue
      let problem = found.error !== null || found.warnings.some((warning) => !hiddenBySandbox(warning))
      if (location._tag === "Plugin") {
        const displayName = found.plugin === null ? undefined : displayNameOf(found.plugin.manifest, location.root)
        if (found.plugin === null || displayName === undefined) {
          // A plugin whose manifest a sandbox hides is absent without a word.
          if (!(places.sandboxed && found.plugin === null && !problem)) warnings.push(METADATA_INCOMPLETE)
          continue
        }
        const parsed = yield* skillsOf(found, undefined)
        problem ||= parsed.invalid
        const plugin: ExecutorPlugin = {
          id: location.id,
          displayName,
          remotePluginId: location.remotePluginId,
          version: location.version,
          root: fileUri(location.root),
          files: found.plugin,
          skills: parsed.skills
        }
        const size = JSON.stringify(plugin).length
        if (capabilities + 1 + plugin.skills.length > V2_LIMITS.capabilities || bytes + size > V2_LIMITS.responseBytes) {
          truncated = true
          break
        }
        capabilities += 1 + plugin.skills.length
        bytes += size
        plugins.push(plugin)
      } else {
        const parsed = yield* skillsOf(found, { id: location.id, path: fileUri(location.root) })
        problem ||= parsed.invalid
        for (const skill of parsed.skills) {
          const size = JSON.stringify(skill).length
          if (capabilities + 1 > V2_LIMITS.capabilities || bytes + size > V2_LIMITS.responseBytes) {
            truncated = true
            break
          }
          capabilities++
          bytes += size
          skills.push(skill)
        }
      }
      if (problem) warnings.push(METADATA_INCOMPLETE)
    }
    if (truncated) warnings.unshift(SIZE_LIMIT)
    plugins.sort((a, b) => Buffer.compare(Buffer.from(a.id), Buffer.from(b.id)) || Buffer.compare(Buffer.from(a.root), Buffer.from(b.root)))
    return { plugins, skills, warnings: warnings.slice(0, V2_LIMITS.warnings) }
  })
