/**
 * Rewrites the flag table of docs/OPERATIONS.md from the flags' declarations
 * (src/cli/commandFlags.ts, src/server/ServerFlags.ts): `npm run docs:flags`.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { withFlagTable } from "../src/cli/flagTable.js"

const path = new URL("../docs/OPERATIONS.md", import.meta.url)
const document = readFileSync(path, "utf8")
const updated = withFlagTable(document)
if (updated === undefined) {
  process.stderr.write("docs/OPERATIONS.md has no flags:begin/flags:end markers\n")
  process.exit(1)
}
if (updated === document) {
  process.stdout.write("docs/OPERATIONS.md: the flag table is up to date\n")
} else {
  writeFileSync(path, updated)
  process.stdout.write("docs/OPERATIONS.md: flag table rewritten\n")
}
