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
