/** Request ordering comes from the Rpcs' `RequestOrdering` annotations. */
import { describe, expect, it } from "vitest"
import { orderingOf } from "../../src/server/ExecServer.js"

const request = (method: string, params: unknown = {}) => ({ _tag: "Request" as const, id: 1, method, params })

describe("request ordering", () => {
  it("follows each method's annotation", () => {
    expect(orderingOf(request("initialize"))).toEqual({ _tag: "Sequential" })
    for (const method of ["process/start", "process/write", "process/terminate", "process/resize", "process/closeStdin", "process/signal"]) {
      expect(orderingOf(request(method, { processId: "p" }))).toEqual({ _tag: "Lane", key: "p" })
    }
    expect(orderingOf(request("process/read", { processId: "p" }))).toEqual({ _tag: "After", key: "p" })
    expect(orderingOf(request("process/list"))).toEqual({ _tag: "Concurrent" })
    expect(orderingOf(request("fs/readFile", { path: "/x", processId: "p" }))).toEqual({ _tag: "Concurrent" })
    expect(orderingOf(request("no/such", { processId: "p" }))).toEqual({ _tag: "Concurrent" })
    // Without a usable processId the request fails validation anyway; it holds up nothing.
    expect(orderingOf(request("process/write", { processId: 7 }))).toEqual({ _tag: "Concurrent" })
  })
})
