import { defineConfig } from "vitest/config"

/** The application's test alone (embeddedLayers.check.ts), which otherNode.test.ts runs with this directory as vitest's root. */
export default defineConfig({
  // Vite's cache under the project's node_modules, not beside the test.
  cacheDir: "../../../node_modules/.vite/smoke-app",
  test: { include: ["*.check.ts"], testTimeout: 60_000 }
})
