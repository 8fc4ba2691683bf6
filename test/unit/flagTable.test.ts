/**
 * docs/OPERATIONS.md's flag tables are the ones generated from the flags'
 * declarations (src/cli/commandFlags.ts, src/server/ServerFlags.ts; `npm run
 * docs:flags` writes them): the sources alone, no build. What the built
 * binary's help says of them is test/integration/flagTable.test.ts's.
 */
import { readFileSync } from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { currentFlagTable, currentGatewayFlagTable, flagTable, gatewayFlagTable } from "../../src/cli/flagTable.js"

const operations = readFileSync(Path.resolve(import.meta.dirname, "../../docs/OPERATIONS.md"), "utf8")

describe("the flag tables of docs/OPERATIONS.md", () => {
  it("the server's is the table generated from its flags", () => {
    expect(currentFlagTable(operations), "run npm run docs:flags").toBe(flagTable())
  })

  it("the gateway's is the table generated from its flags", () => {
    expect(currentGatewayFlagTable(operations), "run npm run docs:flags").toBe(gatewayFlagTable())
  })
})
