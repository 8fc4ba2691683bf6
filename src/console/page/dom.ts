/**
 * The page's DOM helpers: elements built from text (never parsed as HTML),
 * and the in-place updates that let a refresh leave unchanged nodes (and
 * the selection or focus in them) alone.
 */

/** What `h` takes as a child: a node, text, or nothing. */
export type Child = Node | string | null | undefined | false

/** An element with attributes and children (text is never parsed as HTML). */
export const h = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | ((event: Event) => void)> = {},
  ...children: Array<Child>
): HTMLElementTagNameMap[K] => {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === "function") element.addEventListener(name.replace(/^on/, ""), value)
    else element.setAttribute(name, value)
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) element.append(child)
  return element
}

/** The element children of `parent` by their `data-KEY`. */
export const keyedChildren = (parent: HTMLElement, key: string): Map<string, HTMLElement> =>
  new Map([...parent.children].map((child) => [(child as HTMLElement).dataset[key] ?? "", child as HTMLElement]))

/** Puts `next` in the place of `shown` unless they are alike (text selected in an unchanged cell stays selected). */
export const replaceIfChanged = (shown: Element, next: Element): void => {
  if (!shown.isEqualNode(next)) shown.replaceWith(next)
}

/**
 * Makes `nodes` the children of `parent`, in order, moving only those out
 * of place (a moved element loses focus) and removing the rest.
 */
export const placeInOrder = (parent: HTMLElement, nodes: ReadonlyArray<HTMLElement>): void => {
  nodes.forEach((node, index) => {
    if (parent.children[index] !== node) parent.insertBefore(node, parent.children[index] ?? null)
  })
  while (parent.children.length > nodes.length) parent.lastElementChild!.remove()
}

/**
 * Characters that draw nothing or rearrange the text around them: controls
 * (NUL, ESC, newlines), format characters (bidi overrides and isolates,
 * zero-width spaces and joiners, the BOM) and line and paragraph
 * separators. In a process's id or command line they would hide or disguise
 * what it is.
 */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu

/** A hidden character as it is shown: its code point (`U+202E`; a font may have no picture for a control). */
const markOf = (char: string): string => `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`

/** How many characters of one server-given string the page draws: the rest is counted, not drawn. */
export const LITERAL_MAX = 1000

/** `text` cut after `max` code points, and how many were cut. */
const cut = (text: string, max: number): { readonly head: string; readonly rest: number } => {
  if (text.length <= max) return { head: text, rest: 0 }
  const points = Array.from(text)
  return points.length <= max ? { head: text, rest: 0 } : { head: points.slice(0, max).join(""), rest: points.length - max }
}

/** `text` as plain text that shows every character (hidden ones as marks), cut after `max`: for `title`s. */
export const literalText = (text: string, max = LITERAL_MAX): string => {
  const { head, rest } = cut(text, max)
  return head.replace(HIDDEN, (char) => `[${markOf(char)}]`) + (rest === 0 ? "" : `… (${rest} more characters)`)
}

/**
 * A string the server gave (a client's or a process's: ids, command lines,
 * names, host names) as an element that shows it as it is: text only, its
 * hidden characters as their code points (`span.hidden-char`), isolated from the text around it (`bdi`), cut after `max`
 * characters with a count of the rest (`span.cut`).
 */
export const literal = (text: string, max = LITERAL_MAX): HTMLElement => {
  const { head, rest } = cut(text, max)
  const parts: Array<Child> = []
  let from = 0
  for (const match of head.matchAll(HIDDEN)) {
    if (match.index > from) parts.push(head.slice(from, match.index))
    parts.push(h("span", { class: "hidden-char" }, markOf(match[0])))
    from = match.index + match[0].length
  }
  if (from < head.length) parts.push(head.slice(from))
  if (rest > 0) parts.push(h("span", { class: "cut" }, `… (${rest} more characters)`))
  return h("bdi", { class: "literal" }, ...parts)
}

/** How many of a command line's arguments the page draws: the rest is counted. */
const ARGUMENTS_MAX = 100

/** A command line as `literal`s of its arguments, apart by spaces (an argument's own spaces are its own: each is isolated). */
export const commandLine = (argv: ReadonlyArray<string>): Array<Node | string> => {
  const parts: Array<Node | string> = argv.slice(0, ARGUMENTS_MAX).flatMap((arg, index) => index === 0 ? [literal(arg)] : [" ", literal(arg)])
  if (argv.length > ARGUMENTS_MAX) parts.push(h("span", { class: "cut" }, ` … (${argv.length - ARGUMENTS_MAX} more arguments)`))
  return parts
}

/** A command line as plain text for a `title`: hidden characters as marks, cut. */
export const commandLineText = (argv: ReadonlyArray<string>): string => literalText(argv.join(" "), 4 * LITERAL_MAX)
