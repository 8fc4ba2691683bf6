/**
 * Ends a run with the time each test file took, slowest first, then each
 * reason tests were skipped for (their `context.skip` note, e.g. how to
 * install the reference Codex) once, with how many: the default reporter
 * shows a note only beside a test it lists, and it lists none of a passing
 * file. Last the plain closing line CI tools read: `N passed, N failed`
 * (and `, N skipped` when any were), over every project; a line per project
 * comes before it when there are several (`all`, `all-alone`, and
 * `no-native`: the suites run again with EXEC_SERVER_NATIVE=0). Errors
 * outside any test (a global setup that stopped the run, as on a stale
 * dist/) end it as a failure: `, N errors` on that line, each error's
 * message on a line of its own before it. Each failed test is named again
 * there too (`failed: PROJECT FILE > SUITE > TEST: first line of its
 * error`), since CI keeps only the end of a long output.
 *
 * A file's time is its wall time in the run: from the moment vitest queued
 * it for a worker to the end of its last test, so that files side by side
 * each show what they took, not their share of the run.
 */
import type { SerializedError } from "vitest"
import type { Reporter, TestModule } from "vitest/node"

interface Counts {
  passed: number
  failed: number
  skipped: number
}

const lineOf = (counts: Counts): string =>
  `${counts.passed} passed, ${counts.failed} failed${counts.skipped > 0 ? `, ${counts.skipped} skipped` : ""}`

/** A file's time in the run. */
export interface FileTime {
  readonly file: string
  readonly project: string
  readonly ms: number
}

/** The lines that list `times`, slowest first: seconds, the project, the file. */
export const timeLines = (times: ReadonlyArray<FileTime>): Array<string> => {
  if (times.length === 0) return []
  const sorted = [...times].sort((a, b) => b.ms - a.ms || a.file.localeCompare(b.file))
  const projectWidth = Math.max(...sorted.map((time) => time.project.length))
  return [
    "Time by file (wall, slowest first):",
    ...sorted.map((time) => `${(time.ms / 1000).toFixed(1).padStart(7)} s  ${time.project.padEnd(projectWidth)}  ${time.file}`)
  ]
}

/** What a module's own diagnostic says it took, for a module whose queueing was not seen. */
const diagnosedMs = (module: TestModule): number => {
  const diagnostic = module.diagnostic()
  return diagnostic.environmentSetupDuration + diagnostic.prepareDuration + diagnostic.collectDuration +
    diagnostic.setupDuration + diagnostic.duration
}

export default class SummaryReporter implements Reporter {
  private readonly queuedAt = new Map<string, number>()
  private readonly endedAt = new Map<string, number>()

  onTestModuleQueued(module: TestModule): void {
    this.queuedAt.set(module.id, performance.now())
  }

  onTestModuleEnd(module: TestModule): void {
    this.endedAt.set(module.id, performance.now())
  }

  // Vitest calls its reporters in order, and the default one prints its
  // summary synchronously in this same hook: ours, listed after it, comes last.
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError> = []): void {
    const total: Counts = { passed: 0, failed: 0, skipped: 0 }
    const byProject = new Map<string, Counts>()
    const skippedFor = new Map<string, number>()
    const times: Array<FileTime> = []
    const failures: Array<string> = []
    for (const module of testModules) {
      const name = module.project.name
      let counts = byProject.get(name)
      if (counts === undefined) byProject.set(name, counts = { passed: 0, failed: 0, skipped: 0 })
      for (const test of module.children.allTests()) {
        const result = test.result()
        const key = result.state === "passed" ? "passed" : result.state === "failed" ? "failed" : "skipped"
        counts[key]++
        if (result.state === "failed") {
          const message = result.errors?.[0]?.message?.split("\n")[0] ?? ""
          failures.push(`failed: ${name === "" ? "" : `${name} `}${module.relativeModuleId} > ${test.fullName}${message === "" ? "" : `: ${message.slice(0, 300)}`}`)
        }
        total[key]++
        if (result.state === "skipped" && result.note !== undefined) skippedFor.set(result.note, (skippedFor.get(result.note) ?? 0) + 1)
      }
      const queued = this.queuedAt.get(module.id)
      const ended = this.endedAt.get(module.id)
      const ms = queued !== undefined && ended !== undefined ? ended - queued : diagnosedMs(module)
      times.push({ file: module.relativeModuleId, project: name, ms })
    }
    const lines = timeLines(times)
    lines.push(...[...skippedFor].map(([note, count]) => `skipped ${count}: ${note}`))
    if (byProject.size > 1) {
      lines.push(...[...byProject].sort(([a], [b]) => a.localeCompare(b)).map(([name, counts]) => `${name}: ${lineOf(counts)}`))
    }
    lines.push(...failures)
    lines.push(...unhandledErrors.map((error) => `error: ${error.message}`))
    lines.push(`${lineOf(total)}${unhandledErrors.length === 0 ? "" : `, ${unhandledErrors.length} error${unhandledErrors.length === 1 ? "" : "s"}`}`)
    process.stdout.write(`${lines.join("\n")}\n`)
  }
}
