/**
 * What a server (or any child of a test) writes on stderr, kept in memory
 * and printed only if the test running when it started fails: the suite's
 * output has no server logs, a failure has its server's. A server started
 * outside a test (in `beforeAll`) is kept and never printed.
 */
import type { Readable } from "node:stream"
import { onTestFailed } from "vitest"

/** Text appended as it comes (a server in process's stderr and logs), and what it is so far. */
export const keptText = (name: string): { readonly append: (more: string) => void; readonly text: () => string } => {
  let text = ""
  try {
    onTestFailed(() => {
      if (text !== "") console.error(`${name} wrote on stderr:\n${text}`)
    })
  } catch {
    // Not in a test: nothing to attach the text to.
  }
  return { append: (more) => void (text += more), text: () => text }
}

/** A child's stderr, kept as `keptText`; what it wrote so far. */
export const keepStderr = (name: string, stderr: Readable): () => string => {
  const kept = keptText(name)
  stderr.setEncoding("utf8")
  stderr.on("data", (chunk: string) => kept.append(chunk))
  return kept.text
}
