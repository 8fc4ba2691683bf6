/**
 * Ends a run with the plain closing line CI tools read: `N passed, N failed`
 * (and `, N skipped` when any were), over every project; a line per project
 * comes before it when there are several (`all`, and `no-native`: the
 * suites run again with EXEC_SERVER_NATIVE=0).
 */
import type { Reporter, TestModule } from "vitest/node"

interface Counts {
  passed: number
  failed: number
  skipped: number
}

const lineOf = (counts: Counts): string =>
  `${counts.passed} passed, ${counts.failed} failed${counts.skipped > 0 ? `, ${counts.skipped} skipped` : ""}`

export default class SummaryReporter implements Reporter {
  // Vitest calls its reporters in order, and the default one prints its
  // summary synchronously in this same hook: ours, listed after it, comes last.
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const total: Counts = { passed: 0, failed: 0, skipped: 0 }
    const byProject = new Map<string, Counts>()
    for (const module of testModules) {
      const name = module.project.name
      let counts = byProject.get(name)
      if (counts === undefined) byProject.set(name, counts = { passed: 0, failed: 0, skipped: 0 })
      for (const test of module.children.allTests()) {
        const state = test.result().state
        const key = state === "passed" ? "passed" : state === "failed" ? "failed" : "skipped"
        counts[key]++
        total[key]++
      }
    }
    const lines = byProject.size > 1 ? [...byProject].sort(([a], [b]) => a.localeCompare(b)).map(([name, counts]) => `${name}: ${lineOf(counts)}`) : []
    lines.push(lineOf(total))
    process.stdout.write(`${lines.join("\n")}\n`)
  }
}
