/**
 * Each file of an in-process project: its servers' sandboxed fs workers run
 * the run's bundle of src/fs/worker.ts, and their web consoles serve the
 * run's build of the page (sourcesBuild.ts).
 */
import { inject } from "vitest"
import { useStaticDirectory } from "../../src/console/ConsoleHttp.js"
import { useWorkerScript } from "../../src/fs/SandboxedFs.js"

useWorkerScript(inject("fsWorkerScript"))
useStaticDirectory(inject("consoleStaticDirectory"))
