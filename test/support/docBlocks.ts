/**
 * The fenced code blocks of a Markdown document, verbatim, for the tests
 * that run them as a reader would copy them: their info string (`ts`,
 * `ts fragment`, `sh`, ...), their text with the indentation of a list item
 * taken off, and the wrapper a fragment names in the HTML comment on the
 * line before it (`<!-- wrapper: client -->`).
 */
import * as Fs from "node:fs"
import * as Path from "node:path"

const ROOT = Path.resolve(import.meta.dirname, "../..")

/** One fenced block of a document. */
export interface DocBlock {
  /** The document, relative to the repository. */
  readonly document: string
  /** Its line (1-based) of the opening fence: what a failure names. */
  readonly line: number
  /** What follows the opening fence (`ts`, `ts fragment`, `sh`, or ""). */
  readonly info: string
  /** What a fragment's `<!-- wrapper: NAME -->` names; undefined for a whole block. */
  readonly wrapper: string | undefined
  /** Its text, each line without the fence's indentation, ending with a newline. */
  readonly text: string
}

/** The fenced blocks of `document` (a path relative to the repository), in order. */
export const blocksOf = (document: string): ReadonlyArray<DocBlock> => {
  const lines = Fs.readFileSync(Path.join(ROOT, document), "utf8").split("\n")
  const blocks: Array<DocBlock> = []
  for (let i = 0; i < lines.length; i++) {
    const opening = /^( *)```(.*)$/.exec(lines[i]!)
    if (opening === null) continue
    const indent = opening[1]!.length
    const body: Array<string> = []
    let j = i + 1
    for (; j < lines.length && !/^ *```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(indent))
    if (j === lines.length) throw new Error(`${document}:${i + 1}: a code block that is never closed`)
    const wrapper = /^ *<!-- wrapper: (\S+) -->$/.exec(lines[i - 1] ?? "")?.[1]
    blocks.push({ document, line: i + 1, info: opening[2]!.trim(), wrapper, text: body.map((line) => `${line}\n`).join("") })
    i = j
  }
  return blocks
}

/** The one block of `document` with `info` whose text contains `marker`: the block a test runs, found however the document moves. */
export const blockWith = (document: string, info: string, marker: string): DocBlock => {
  const found = blocksOf(document).filter((block) => block.info === info && block.text.includes(marker))
  if (found.length !== 1) throw new Error(`${document} has ${found.length} \`${info}\` blocks containing ${JSON.stringify(marker)}, not one`)
  return found[0]!
}

/**
 * A fragment's text with its placeholders (`<LIKE_THIS>`) replaced; fails
 * when the fragment has one `values` does not give, or `values` gives one it
 * does not have.
 */
export const fillPlaceholders = (block: DocBlock, values: Readonly<Record<string, string>>): string => {
  const named = new Set([...block.text.matchAll(/<([A-Z][A-Z0-9_]*)>/g)].map((match) => match[1]!))
  const given = new Set(Object.keys(values))
  if ([...named].some((name) => !given.has(name)) || [...given].some((name) => !named.has(name))) {
    throw new Error(`${block.document}:${block.line}: its placeholders are ${[...named].join(", ") || "none"}, the test gives ${[...given].join(", ") || "none"}`)
  }
  return block.text.replace(/<([A-Z][A-Z0-9_]*)>/g, (_, name: string) => values[name]!)
}
