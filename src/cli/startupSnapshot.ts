/**
 * The entry of the binary's startup snapshot. `npm run build` bundles it as
 * CommonJS (`dist/cli/startup-snapshot.cjs`); `native/startup-snapshot.mjs` runs that
 * bundle under `node --build-snapshot` on the installing machine, which
 * evaluates every module the server loads at start and saves the heap; the
 * launcher (`exec-server`) then starts Node from that heap and calls the
 * function below, so the server skips compiling and evaluating its
 * JavaScript (see docs/PERFORMANCE.md). Before the heap is saved, the
 * rehearsal (`startupSnapshotRehearsal.ts`) runs what a server runs first, so
 * that the snapshot holds those functions compiled.
 */
import { refuseDrawsWhileLoading, refuseProcessListeners } from "./startupSnapshotGuard.js"
import { fileURLToPath } from "node:url"
import * as v8 from "node:v8"
import { answeredVersion } from "../server/packageInfo.js"
import { main } from "./run.js"
// The command line's module (the commands' tables and parser) is not held
// evaluated: a server started with its flags given plainly (`--listen stdio://`,
// as clients start it) reads them without it (`plainValuesOf`), and the module
// held 0.4 MB of the blob and 2.6 MiB of an idle server's resident memory.
import { rehearse } from "./startupSnapshotRehearsal.js"
import { formatErrorStacks, mustFormatStacks } from "./startupSnapshotStacks.js"

refuseDrawsWhileLoading()
refuseProcessListeners("while the snapshot's modules loaded")

// A rehearsal that fails rejects, and Node ends the build on the rejection.
void rehearse().then(() => {
  refuseProcessListeners("by the snapshot's rehearsal")
  // Node 22 cannot save an Error whose stack was never read (startupSnapshotStacks.ts): read each as the heap is saved.
  if (mustFormatStacks()) v8.startupSnapshot.addSerializeCallback(() => void formatErrorStacks())
  v8.startupSnapshot.setDeserializeMainFunction(() => {
    // Node starts a snapshot with no script in argv; the command line parser
    // expects one. The bundle sits beside main.js (the launcher checks that
    // the snapshot was built in this directory).
    process.argv.splice(1, 0, fileURLToPath(new URL("main.js", import.meta.url)))
    if (!answeredVersion(process.argv.slice(2))) main({ startup: "snapshot" })
  })
})
