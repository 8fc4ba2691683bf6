#!/usr/bin/env -S node --max-semi-space-size=2 --max-inlined-bytecode-size-cumulative=230 --v8-pool-size=1 --single-threaded-gc --expose-gc
/**
 * The `exec-server` binary's entry: `--version` is answered here, before
 * any of the server's code is loaded (a tenth of a second less), a client
 * command (`exec`, `attach`, ...) by `clientMain.ts` and everything else by
 * the command in `run.ts`, each loaded on demand.
 *
 * The shebang tunes V8 for a long-lived server that must answer quickly from
 * its first request (flags measured with `npm run bench`):
 * - 2 MiB semi-spaces: output travels in pooled buffers, so what the server
 *   allocates per message is small and short-lived, and a small young
 *   generation keeps the resident set low. At 1 MiB, what a burst of
 *   requests holds lived through two collections and was promoted (7 MiB
 *   per 40,000 pipelined requests against 1.4 at 2 MiB) and full
 *   collections followed, whose sweeping stalls the server for
 *   milliseconds; a warm request costs 9% less CPU at 2 MiB;
 * - (no interrupt budget: Node 20's V8 took one, and a smaller one had the
 *   request path optimized sooner; Node 22 and 24 refuse the flag);
 * - a quarter of the default inlining budget per optimized function: the
 *   optimizing compiler, on the worker thread below, inlines Effect's
 *   runtime into most of what it compiles, and on a fresh server its
 *   compiles took as much CPU as the requests' own work on the main thread
 *   (6-8 µs a request over the first 20,000 pipelined ones); with less to
 *   inline they take less, and the code it makes was as fast: 1.08-1.11x
 *   the requests per second on a fresh WebSocket server, 1.06-1.07x warm,
 *   pipes, round trips and terminals unchanged;
 * - one V8 worker thread instead of four: young-generation collections
 *   spread over several threads stall whenever one of them waits for a
 *   core (the machine is shared with the children and the client), which
 *   made p99 round trips 4-5x longer and slowed PTY and pipe throughput;
 * - collections on the main thread alone: with one worker, each young
 *   collection still handed work to it and waited; on a warm WebSocket
 *   request path that was a sixth of the server's CPU (14.1 against 16.0
 *   µs per request, 1.10x the requests per second), pipes the same;
 * - `gc()` exposed: the command-line client collects when garbage piles up
 *   under a slow reader (`memoryBound.ts`), and the server after oversized
 *   messages (`native/oversizedMemory.ts`).
 * `ClientTransport.serverNodeFlags` repeats them for servers started with
 * `node` directly.
 */
import { answeredVersion, unsupportedNode } from "../server/packageInfo.js"
import { CLIENT_COMMAND_NAMES } from "./clientCommandNames.js"

const unsupported = unsupportedNode()
if (unsupported !== undefined) {
  // The search for a usable Node runs other binaries: only on this path.
  const { findUsableNode, usableNodeAdvice } = await import("./usableNode.js")
  process.stderr.write(`${unsupported}\n${usableNodeAdvice(findUsableNode())}\n`)
  process.exitCode = 1
} else if (!answeredVersion(process.argv.slice(2))) {
  // Said by the launcher (`exec-server`) when it could not start from the
  // startup snapshot; not for the children to inherit.
  const noSnapshot = process.env["EXEC_SERVER_NO_SNAPSHOT"]
  delete process.env["EXEC_SERVER_NO_SNAPSHOT"]
  if (CLIENT_COMMAND_NAMES.has(process.argv[2] ?? "")) {
    // The client's commands without the server's modules (see clientMain.ts).
    const { mainClient } = await import("./clientMain.js")
    mainClient()
  } else {
    const { main } = await import("./run.js")
    main({ startup: noSnapshot === undefined ? "modules" : `modules: ${noSnapshot}` })
  }
}
