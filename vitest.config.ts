import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
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
