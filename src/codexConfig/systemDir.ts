/** Where the machine's Codex files are, as a service a test can point elsewhere. */
import * as Context from "effect/Context"

/** `/etc/codex`, where the reference reads the machine's configuration; a test points it at a tree of its own. */
export const CodexSystemDir = Context.Reference<string>("effect-exec-server/CodexSystemDir", {
  defaultValue: () => "/etc/codex"
})
