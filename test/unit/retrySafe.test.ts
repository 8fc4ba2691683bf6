/** Retry safety comes from the Rpcs' `RetrySafe` annotations. */
import * as Context from "effect/Context"
import { describe, expect, it } from "vitest"
import { ExecServerRpcs, RetrySafe } from "../../src/protocol/rpcs.js"

describe("retry safety", () => {
  it("marks the requests whose second sending does what the first did", () => {
    const annotated = [...ExecServerRpcs.requests.values()]
      .filter((rpc) => Context.get(rpc.annotations, RetrySafe))
      .map((rpc) => rpc._tag)
    expect(annotated.sort()).toEqual([
      "fs/getMetadata",
      "fs/readBlock",
      "fs/readDirectory",
      "fs/readFile",
      "fs/writeBlock",
      "fs/writeFile",
      "process/list",
      "process/read",
      "process/resize",
      "process/write"
    ])
  })
})
