/**
 * A skill as `capabilities/discoverV2` reports it, from the files V1 reads:
 * `SKILL.md`'s front matter (name, description, `metadata.short-description`)
 * and `agents/openai.yaml` (its tool dependencies and invocation policy),
 * named within the plugin it belongs to. The reference's rules (codex 0.169,
 * probed; docs/PROTOCOL.md, "capabilities/discoverV2").
 */
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as Yaml from "yaml"
import type { CapabilityTextFile } from "./rootDiscovery.js"

export interface SkillTool {
  readonly type: string
  readonly value: string
  readonly description: string | null
  readonly transport: string | null
  readonly command: string | null
  readonly url: string | null
  readonly oauthCallbackPort: number | null
}

export interface ExecutorSkill {
  readonly name: string
  readonly description: string
  readonly shortDescription: string | null
  readonly path: string
  readonly discoveryRoot?: { readonly id: string; readonly path: string }
  readonly dependencies: { readonly tools: ReadonlyArray<SkillTool> } | null
  readonly policy: { readonly allowImplicitInvocation: boolean | null; readonly products: ReadonlyArray<string> } | null
}

const MAX_NAME = 64
const MAX_QUALIFIED_NAME = 129

/**
 * The most YAML parsed of one file (a front matter, an `openai.yaml`); more
 * is not a skill (or no metadata). The parser runs on the server's only
 * thread at some 10 µs a byte, more where it checks a mapping's keys
 * pairwise: a 1 MiB front matter of 100,000 keys held it 206 s, 500,000
 * flow items 7.6 s. A skill's name is 64 characters, its description
 * 1,024 on the reference: 16 KiB leaves room for any real one.
 */
export const YAML_LIMIT = 16 * 1024

/**
 * The deepest nesting parsed: flow collections (`[`, `{`) open, and block
 * indicators (`- `, `? `, `: `) on one line, which nest without indenting.
 * The parser recurses per level and runs out of stack near 800; a thousand
 * levels then ended the whole process once (a V8 fatal error compiling a
 * regular expression on the exhausted stack), not the parse. Counted over
 * the raw text, quotes and all: a real front matter never comes near.
 */
const MAX_DEPTH = 64

const isBlank = (code: number) => code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d || Number.isNaN(code)

/** The YAML's own parse, refused beyond the limits before the parser sees it. */
const parseBounded = (text: string): unknown => {
  if (Buffer.byteLength(text) > YAML_LIMIT) throw new RangeError(`more than ${YAML_LIMIT} bytes of YAML`)
  let flow = 0
  let indicators = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code === 0x0a) indicators = 0
    else if (code === 0x5b || code === 0x7b) flow++
    else if ((code === 0x5d || code === 0x7d) && flow > 0) flow--
    else if ((code === 0x2d || code === 0x3f || code === 0x3a) && (i === 0 || isBlank(text.charCodeAt(i - 1))) && isBlank(text.charCodeAt(i + 1))) {
      indicators++
    }
    if (flow > MAX_DEPTH || indicators > MAX_DEPTH) throw new RangeError(`YAML nested deeper than ${MAX_DEPTH}`)
  }
  return Yaml.parse(text)
}
const PRODUCTS = ["codex", "chatgpt", "atlas"]

/** Whitespace runs as one space, trimmed (Rust's `split_whitespace().join(" ")`). */
const collapse = (text: string) => text.split(/\s+/).filter((word) => word !== "").join(" ")

/** A scalar as text (numbers and booleans too), or undefined. */
const textOf = (value: unknown): string | undefined =>
  typeof value === "string" ? value : typeof value === "number" || typeof value === "boolean" ? String(value) : undefined

/** A YAML or JSON mapping (not an array, not null). */
export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value)

/** The front matter between the first `---` line and the next, or undefined. */
const frontMatterOf = (contents: string): string | undefined => {
  const lines = contents.split(/\r?\n/)
  if (lines[0]?.trim() !== "---") return undefined
  const end = lines.findIndex((line, index) => index > 0 && line.trim() === "---")
  return end <= 1 ? undefined : lines.slice(1, end).join("\n")
}

/** YAML, then again with `key: value: more` values quoted (what the reference's repair pass lets through). */
const parseYaml = (text: string): unknown => {
  try {
    return parseBounded(text)
  } catch {
    // Linear: `\s+(.*: .*)` backtracked over a long run of blanks (quadratic: a 1 MiB line held the server for minutes).
    const repaired = text.split("\n").map((line) => {
      const match = /^(\s*[\w-]+):\s+(\S[^\n\r\u2028\u2029]*)$/.exec(line)
      return match === null || !match[2]!.includes(": ") || /^['"]/.test(match[2]!) ? line : `${match[1]}: '${match[2]!.replace(/'/g, "''")}'`
    }).join("\n")
    return parseBounded(repaired)
  }
}

/** `agents/openai.yaml`'s dependencies and policy; both null when it does not parse or does not fit. */
const metadataOf = (file: CapabilityTextFile | null): Pick<ExecutorSkill, "dependencies" | "policy"> => {
  const none = { dependencies: null, policy: null }
  if (file === null) return none
  let parsed: unknown
  try {
    parsed = parseBounded(file.contents)
  } catch {
    return none
  }
  if (!isRecord(parsed)) return none
  let policy: ExecutorSkill["policy"] = null
  if (parsed.policy !== undefined && parsed.policy !== null) {
    if (!isRecord(parsed.policy)) return none
    const allow = parsed.policy.allow_implicit_invocation
    const products = parsed.policy.products ?? []
    if (allow !== undefined && allow !== null && typeof allow !== "boolean") return none
    if (!Array.isArray(products) || !products.every((product) => typeof product === "string" && PRODUCTS.includes(product))) return none
    policy = { allowImplicitInvocation: typeof allow === "boolean" ? allow : null, products: products as Array<string> }
  }
  let dependencies: ExecutorSkill["dependencies"] = null
  const tools = isRecord(parsed.dependencies) ? parsed.dependencies.tools : undefined
  if (Array.isArray(tools)) {
    const optional = (value: unknown) => {
      const text = textOf(value)
      return text === undefined || collapse(text) === "" ? null : collapse(text)
    }
    const valid = tools.flatMap((tool): Array<SkillTool> => {
      if (!isRecord(tool)) return []
      const type = collapse(textOf(tool.type) ?? "")
      const value = collapse(textOf(tool.value) ?? "")
      if (type === "" || value === "" || type.length > 64 || value.length > 1024) return []
      const port = isRecord(tool.oauth) ? tool.oauth.callback_port : undefined
      return [{
        type,
        value,
        description: optional(tool.description),
        transport: optional(tool.transport),
        command: optional(tool.command),
        url: optional(tool.url),
        oauthCallbackPort: typeof port === "number" && Number.isInteger(port) && port >= 0 && port <= 65535 ? port : null
      }]
    })
    if (valid.length > 0) dependencies = { tools: valid }
  }
  return { dependencies, policy }
}

/** The name a plugin manifest gives its skills' namespace: its `name`, else its directory's name; undefined when it is not JSON. */
const namespaceOf = (manifest: CapabilityTextFile): { readonly root: string; readonly name: string } | undefined => {
  const root = Path.dirname(Path.dirname(fileURLToPath(manifest.path)))
  try {
    const parsed: unknown = JSON.parse(manifest.contents)
    if (!isRecord(parsed)) return undefined
    const name = typeof parsed.name === "string" && parsed.name.trim() !== "" ? parsed.name : Path.basename(root)
    return { root, name }
  } catch {
    return undefined
  }
}

/**
 * The skill of one `SKILL.md`, named `<namespace>:<name>` by the nearest
 * plugin manifest above it; undefined when it is not a valid skill (the
 * location then has a warning).
 */
export const skillOf = (
  instructions: CapabilityTextFile,
  metadata: CapabilityTextFile | null,
  namespaceManifests: ReadonlyArray<CapabilityTextFile>,
  discoveryRoot: ExecutorSkill["discoveryRoot"]
): ExecutorSkill | undefined => {
  const frontMatter = frontMatterOf(instructions.contents)
  if (frontMatter === undefined) return undefined
  let parsed: unknown
  try {
    parsed = parseYaml(frontMatter)
  } catch {
    return undefined
  }
  if (!isRecord(parsed)) return undefined
  const description = collapse(textOf(parsed.description) ?? "")
  if (description === "") return undefined
  const file = fileURLToPath(instructions.path)
  const given = collapse(textOf(parsed.name) ?? "")
  const name = given !== "" ? given : collapse(Path.basename(Path.dirname(file))) || "skill"
  if ([...name].length > MAX_NAME) return undefined
  const short = isRecord(parsed.metadata) ? collapse(textOf(parsed.metadata["short-description"]) ?? "") : ""
  const namespace = namespaceManifests
    .map(namespaceOf)
    .filter((found): found is { root: string; name: string } => found !== undefined && (file.startsWith(`${found.root}/`) || found.root === "/"))
    .sort((a, b) => b.root.length - a.root.length)[0]
  const qualified = namespace === undefined ? name : `${namespace.name}:${name}`
  if ([...qualified].length > MAX_QUALIFIED_NAME) return undefined
  return {
    name: qualified,
    description,
    shortDescription: short === "" ? null : short,
    path: instructions.path,
    ...(discoveryRoot === undefined ? {} : { discoveryRoot }),
    ...metadataOf(metadata)
  }
}
