/**
 * Formats the stack of every Error in the heap, run by the startup
 * snapshot's entry just before Node saves the heap. V8 formats a stack when
 * it is first read; until then the Error holds its raw frames, and Node
 * 22's V8 aborts `--build-snapshot` on one (`std::length_error` in its
 * serializer, even for a stack of no frames). Effect 4 keeps such Errors
 * from the modules' loading (where a service was made, for its messages),
 * so without this the snapshot builds on Node 24 only. The heap's Errors
 * are found through the inspector protocol (`Runtime.queryObjects`), in
 * this process and synchronously; a Node without the inspector is left as
 * it is (its build then fails as before, and the server starts from its
 * modules). Node 24 saves raw stacks, and is left alone: formatted, they
 * made its blob 0.15 MB larger (10.42 to 10.58 MB).
 */
import type * as Inspector from "node:inspector"

const GROUP = "effect-exec-server/startupSnapshotStacks"

/** Whether this Node's V8 aborts on an unformatted stack: Node 22's (12.4), not Node 24's. */
export const mustFormatStacks = (version: string = process.versions.node): boolean => Number(version.split(".")[0]) < 24

/** How many Errors had their stack formatted; undefined without the inspector. */
export const formatErrorStacks = (): number | undefined => {
  let session: Inspector.Session
  try {
    // Loaded only here: the snapshot's modules hold no inspector.
    session = new (process.getBuiltinModule("node:inspector").Session)()
    session.connect()
  } catch {
    return undefined
  }
  // An in-process session answers before `post` returns.
  const post = <A>(method: string, params: object): A => {
    let answer: { readonly error: Error | null; readonly result: object | undefined } | undefined
    session.post(method, params, (error, result) => {
      answer = { error, result }
    })
    if (answer === undefined) throw new Error(`the inspector did not answer ${method} at once`)
    if (answer.error !== null) throw answer.error
    // The protocol's answer to `method`, as its documentation gives it.
    return answer.result as A
  }
  try {
    const prototype = post<{ result: { objectId: string } }>("Runtime.evaluate", { expression: "Error.prototype", objectGroup: GROUP })
    const errors = post<{ objects: { objectId: string } }>("Runtime.queryObjects", {
      prototypeObjectId: prototype.result.objectId,
      objectGroup: GROUP
    })
    const formatted = post<{ result: { value: number } }>("Runtime.callFunctionOn", {
      objectId: errors.objects.objectId,
      functionDeclaration: "function() { for (const error of this) void error.stack; return this.length }",
      returnByValue: true
    })
    return formatted.result.value
  } finally {
    post("Runtime.releaseObjectGroup", { objectGroup: GROUP })
    session.disconnect()
  }
}
