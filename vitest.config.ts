import { availableParallelism } from "node:os"
import { defineConfig } from "vitest/config"
import { inProcessFiles } from "./test/support/builtBinary.js"
import SummaryReporter from "./test/support/summaryReporter.js"

/**
 * The suites that start pipe processes and read their output, run a second
 * time without the native addon (EXEC_SERVER_NATIVE=0: child_process, Node's
 * streams and Node's base64), so that the fallback of a machine where the
 * addon did not build is run as a whole. The files are chosen for what they
 * do to pipe children (output, stdin, exit, flow control, draining,
 * termination, descriptors, sandboxed launches), not every file: this run
 * costs about two minutes of CI on 2 cores.
 */
const WITHOUT_ADDON = [
  "test/integration/stdio.test.ts",
  "test/integration/holder.test.ts",
  // Adoption by a later server: the holder started by child_process, its ring read all the same.
  "test/integration/keepProcessesAdoption.test.ts",
  "test/integration/stdioProcess.test.ts",
  "test/integration/spawnKinds.test.ts",
  "test/integration/backpressure.test.ts",
  "test/integration/backpressureMemory.test.ts",
  "test/integration/faults.test.ts",
  "test/integration/faultsProcess.test.ts",
  "test/integration/endTogether.test.ts",
  "test/integration/endTogetherSignals.test.ts",
  "test/integration/robustness.test.ts",
  "test/integration/robustnessProcess.test.ts",
  "test/integration/sandbox.test.ts",
  "test/integration/sandboxServerProcess.test.ts",
  "test/integration/resume.test.ts",
  "test/integration/control.test.ts",
  "test/integration/client.test.ts",
  "test/integration/clientProcess.test.ts",
  "test/integration/logs.test.ts",
  "test/integration/metrics.test.ts",
  // Terminals too: node-pty's own reading, where the addon's thread reads them otherwise.
  "test/integration/terminalReader.test.ts",
  "test/integration/terminalEnds.test.ts",
  // The launcher into cgroups on child_process's spawn too.
  "test/integration/resourceLimits.test.ts",
  "test/integration/sessionCgroups.test.ts"
]

/**
 * The files that run alone, one at a time, after all the others (which run
 * side by side: each starts its servers on ports the system picks, in
 * temporary directories of its own, and its network namespaces are its
 * own). Each measures memory where another file's load would count:
 * - heap.test.ts: the heap of this process (an in-process server) over
 *   1,000 processes, after forced collections;
 * - clientResilience.test.ts: this process's heap while a consumer lags;
 * - cliPipes.test.ts: the client's peak resident size, under a bound,
 *   while a reader waits or reads at a timer's pace;
 * - remote/natsLargeMessages.test.ts: the executor's peak while it
 *   reassembles 128 MiB at once (side by side under load, its streams
 *   were ended: TransportClosed).
 * And the files that run the documents' commands as printed, which listen
 * on the documents' own fixed ports (8765, and nginx's 8443): one at a time
 * so that two never bind the same port.
 * And the soak (soak.test.ts, 3 minutes of load and ~1 of settling): it
 * keeps both cores busy on purpose and stops its server, starves its
 * descriptors and runs a fork bomb; beside the others it would be their
 * fault injector (their 30 s timeouts, their CPU bounds) and theirs its
 * own. Alone it adds its ~4 minutes to the run's end.
 * And hugeTrees.test.ts: it makes 131,073 files and 16,385 directories and
 * has the server walk, discover and watch them (a core busy for a minute,
 * the disk's cache churned); beside the others it pushed their timing
 * bounds (a flood's rate, a TTL's end, 2,400 processes' settling) over.
 */
const ALONE = [
  "test/integration/hugeTrees.test.ts",
  "test/integration/heap.test.ts",
  "test/integration/clientResilience.test.ts",
  "test/integration/cliPipes.test.ts",
  "test/integration/remote/natsLargeMessages.test.ts",
  "test/integration/effect4App.test.ts",
  "test/integration/behindTls.test.ts",
  "test/integration/codexEnvironment.test.ts",
  "test/integration/soak.test.ts"
]

/**
 * The files that never start the built binary (dist/): they import src/
 * (unit tests, and servers built from its Layers in this process), so they
 * run on the sources as they are and need no build. The others' projects
 * first check that dist/ is the build of the sources, and stop the run at
 * once when it is not (test/support/builtBinary.ts says how files are told
 * apart).
 */
const IN_PROCESS = inProcessFiles(["test/unit", "test/integration", "test/browser"]).filter((file) => !ALONE.includes(file))

/**
 * Of those, the unit tests: they share their workers' modules (`isolate:
 * false`), so that a worker loads effect and the sources once rather than
 * once per file (about 0.3 s of each file's start for effect alone, half of
 * test/unit's CPU time). They start no servers, and each puts back what it
 * changes of the process (its working directory, `gc`, spies, timers). A
 * worker process still (not a thread: environmentInfo changes the working
 * directory, which threads cannot).
 */
const UNIT = IN_PROCESS.filter((file) => file.startsWith("test/unit/"))

/** Stops a run that would start a stale binary: `dist/ is older than src/: run npm run build`. */
const FRESH_BUILD = ["./test/support/builtBinary.ts"]

/**
 * What the projects that run the server from src/ in their own process add:
 * their sandboxed `fs/*` workers (a script bubblewrap starts) run a bundle of
 * src/fs/worker.ts made for the run, and their web consoles serve a build of
 * the page made for the run, not dist/'s (test/support/sourcesBuild.ts).
 */
const FROM_SOURCES = { globalSetup: ["./test/support/sourcesBuild.ts"], setupFiles: ["./test/support/fromSources.ts"] }

/**
 * Files side by side: one more than the cores, since most of a file's time
 * is spent waiting on the processes and sockets it starts.
 */
const SIDE_BY_SIDE = availableParallelism() + 1

export default defineConfig({
  test: {
    reporters: ["default", new SummaryReporter()],
    // What a test (and the servers its harness starts in this process) logs is shown when it fails, not when it passes.
    silent: "passed-only",
    // Integration tests spawn real servers and processes; the machines have 2 cores, and
    // users' CI runners are busy: a test waits for events (test/support/waiting.ts's
    // WAIT_MS at most for each), and this only ends one that hangs.
    testTimeout: 90_000,
    hookTimeout: 90_000,
    // Each file's own XDG_RUNTIME_DIR: the console keys of the servers it kills go with it.
    setupFiles: ["./test/support/runtimeDir.ts"],
    pool: "forks",
    // The heap test forces garbage collections to measure what stays.
    execArgv: ["--expose-gc"],
    maxWorkers: SIDE_BY_SIDE,
    projects: [
      // Every test, with the addon where it is built (`--project 'all*'`: `all-unit`, `all-in-process` and `all` side by side, `all-alone` after).
      { extends: true, test: { name: "all-unit", include: UNIT, isolate: false, ...FROM_SOURCES } },
      { extends: true, test: { name: "all-in-process", include: IN_PROCESS.filter((file) => !UNIT.includes(file)), ...FROM_SOURCES } },
      {
        extends: true,
        test: {
          name: "all",
          include: ["test/**/*.test.ts"],
          exclude: ["test/smoke/**", ...ALONE, ...IN_PROCESS],
          globalSetup: FRESH_BUILD
        }
      },
      // One worker and the default group order: vitest runs these after every other group.
      { extends: true, test: { name: "all-alone", include: ALONE, maxWorkers: 1, globalSetup: FRESH_BUILD } },
      // The binary on another Node than the suite's, when one is given (`npm run test:other-node`, which .ci/run runs with Node 22 and with Node 26).
      ...(process.env["EXEC_SERVER_SMOKE_NODE"] === undefined
        ? []
        : [{ extends: true, test: { name: "other-node", include: ["test/smoke/**/*.test.ts"], globalSetup: FRESH_BUILD } }]),
      // `--project 'no-native*'`; its tests are named `|no-native| ...` (the binary's) and `|no-native-in-process| ...`.
      {
        extends: true,
        test: {
          name: "no-native",
          include: WITHOUT_ADDON.filter((file) => !IN_PROCESS.includes(file)),
          env: { EXEC_SERVER_NATIVE: "0" },
          globalSetup: FRESH_BUILD
        }
      },
      // Each file's worker is its own (isolated), so its servers in process take EXEC_SERVER_NATIVE=0 before the addon loads.
      {
        extends: true,
        test: {
          name: "no-native-in-process",
          include: WITHOUT_ADDON.filter((file) => IN_PROCESS.includes(file)),
          env: { EXEC_SERVER_NATIVE: "0" },
          ...FROM_SOURCES
        }
      }
    ]
  }
})
