import { defineConfig } from "vitest/config"
import SummaryReporter from "./test/support/summaryReporter.js"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", new SummaryReporter()],
    // Integration tests spawn real servers and processes; the machines have 2 cores.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    poolOptions: {
      // The heap test forces garbage collections to measure what stays.
      forks: { execArgv: ["--expose-gc"] }
    }
  }
})
