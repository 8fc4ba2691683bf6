/**
 * The entry of the client's startup snapshot, as `startupSnapshot.ts` is the
 * server's: `npm run build` bundles it as `dist/cli/client-startup-snapshot.cjs`,
 * `native/startup-snapshot.mjs` builds `exec-server-client.blob` from it, and the
 * launcher starts the client's commands (`exec-server exec URL -- ...`) from
 * that blob. It holds the client's modules evaluated and none of the
 * server's: Node keeps a blob in memory whole beside the heap it restored,
 * so each MB the client would not use costs it about two of resident memory
 * (docs/PERFORMANCE.md, "The command-line client").
 */
import { refuseDrawsWhileLoading, refuseProcessListeners } from "./startupSnapshotGuard.js"
import { fileURLToPath } from "node:url"
import * as v8 from "node:v8"
import { mainClient } from "./clientMain.js"
import { formatErrorStacks, mustFormatStacks } from "./startupSnapshotStacks.js"

refuseDrawsWhileLoading()
refuseProcessListeners("while the snapshot's modules loaded")
// Node 22 cannot save an Error whose stack was never read (startupSnapshotStacks.ts): read each as the heap is saved.
if (mustFormatStacks()) v8.startupSnapshot.addSerializeCallback(() => void formatErrorStacks())
v8.startupSnapshot.setDeserializeMainFunction(() => {
  // Node starts a snapshot with no script in argv; the command line parser expects one.
  process.argv.splice(1, 0, fileURLToPath(new URL("main.js", import.meta.url)))
  mainClient()
})
