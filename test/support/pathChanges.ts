/** What `fs/changed` notifications a server has sent on a connection, for the watch tests. */
import { pathToFileURL } from "node:url"
import type { WireClient } from "./WireClient.js"

export interface Change {
  readonly path: string
  readonly kind: string
}

/** Every change reported for `watchId` so far. */
export const changesOf = (server: WireClient, watchId: string): Array<Change> =>
  server.messages.filter((message) => message.method === "fs/changed" && message.params.watchId === watchId)
    .flatMap((message) => message.params.changes as Array<Change>)

/** Waits until a change of `path` of that kind is reported. */
export const reported = (server: WireClient, watchId: string, path: string, kind: string) =>
  server.waitFor((message) =>
    message.method === "fs/changed" && message.params.watchId === watchId &&
    message.params.changes.some((change: Change) => change.path === pathToFileURL(path).href && change.kind === kind), 10_000)
