/** Each file of an in-process project: its servers' sandboxed fs workers run the run's bundle of src/fs/worker.ts (fsWorkerBuild.ts). */
import { inject } from "vitest"
import { useWorkerScript } from "../../src/fs/SandboxedFs.js"

useWorkerScript(inject("fsWorkerScript"))
