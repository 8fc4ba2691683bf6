/**
 * Rewrites the flag tables of docs/OPERATIONS.md from the flags' declarations
 * (src/cli/commandFlags.ts, src/server/ServerFlags.ts): `npm run docs:flags`.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { withFlagTable } from "../src/cli/flagTable.js"

const path = new URL("../docs/OPERATIONS.md", import.meta.url)
const document = readFileSync(path, "utf8")
const updated = withFlagTable(document)
if (updated === undefined) {
  process.stderr.write("docs/OPERATIONS.md lacks the flags:begin/flags:end or gateway-flags:begin/gateway-flags:end markers\n")
  process.exit(1)
}
if (updated === document) {
  process.stdout.write("docs/OPERATIONS.md: the flag tables are up to date\n")
} else {
  writeFileSync(path, updated)
  process.stdout.write("docs/OPERATIONS.md: flag tables rewritten\n")
}
