/**
 * Ends a run with the plain closing line CI tools read: `N passed, N failed`
 * (and `, N skipped` when any were), over every project; a line per project
 * comes before it when there are several (`all`, and `no-native`: the
 * suites run again with EXEC_SERVER_NATIVE=0). Before them, each reason
 * tests were skipped for (their `context.skip` note, e.g. how to install
 * the reference Codex) once, with how many: the default reporter shows a
 * note only beside a test it lists, and it lists none of a passing file.
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
    const skippedFor = new Map<string, number>()
    for (const module of testModules) {
      const name = module.project.name
      let counts = byProject.get(name)
      if (counts === undefined) byProject.set(name, counts = { passed: 0, failed: 0, skipped: 0 })
      for (const test of module.children.allTests()) {
        const result = test.result()
        const key = result.state === "passed" ? "passed" : result.state === "failed" ? "failed" : "skipped"
        counts[key]++
        total[key]++
        if (result.state === "skipped" && result.note !== undefined) skippedFor.set(result.note, (skippedFor.get(result.note) ?? 0) + 1)
      }
    }
    const lines = [...skippedFor].map(([note, count]) => `skipped ${count}: ${note}`)
    if (byProject.size > 1) lines.push(...[...byProject].sort(([a], [b]) => a.localeCompare(b)).map(([name, counts]) => `${name}: ${lineOf(counts)}`))
    lines.push(lineOf(total))
    process.stdout.write(`${lines.join("\n")}\n`)
  }
}
