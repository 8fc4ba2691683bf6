/** What watchBounds.test.ts (in process) and watchBoundsProcess.test.ts (the binary) share: the trees they watch. */
import { mkdirSync } from "node:fs"

/** A maker of trees of `count` directories (`width` per level, two levels), each under a fresh directory of `tempDir`. */
export const treesIn = (tempDir: () => string) => (count: number, width = 64): string => {
  const root = tempDir()
  for (let i = 0; i < count; i++) mkdirSync(`${root}/d${Math.floor(i / width)}/e${i % width}`, { recursive: true })
  return root
}
