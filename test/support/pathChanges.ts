/** What `fs/changed` notifications a stdio server has sent, for the watch tests. */
import { pathToFileURL } from "node:url"
import type { StdioServer } from "./StdioServer.js"

export interface Change {
  readonly path: string
  readonly kind: string
}

/** Every change reported for `watchId` so far. */
export const changesOf = (server: StdioServer, watchId: string): Array<Change> =>
  server.messages.filter((message) => message.method === "fs/changed" && message.params.watchId === watchId)
    .flatMap((message) => message.params.changes as Array<Change>)

/** Waits until a change of `path` of that kind is reported. */
export const reported = (server: StdioServer, watchId: string, path: string, kind: string) =>
  server.waitFor((message) =>
    message.method === "fs/changed" && message.params.watchId === watchId &&
    message.params.changes.some((change: Change) => change.path === pathToFileURL(path).href && change.kind === kind), 10_000)
