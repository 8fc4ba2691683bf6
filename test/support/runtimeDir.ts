/**
 * Each test file's own `XDG_RUNTIME_DIR` (a vitest setup file): a server
 * started with `--console` writes its console key there by default
 * (src/console/consoleKey.ts), and the servers the tests SIGKILL never
 * remove theirs; without it they would pile up in the user's
 * `~/.exec-server`. The servers inherit it, and the tests read the keys
 * through the same `process.env`.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { afterAll } from "vitest"

const runtimeDir = mkdtempSync(Path.join(tmpdir(), "exec-server-runtime-"))
chmodSync(runtimeDir, 0o700)
process.env.XDG_RUNTIME_DIR = runtimeDir
afterAll(() => rmSync(runtimeDir, { recursive: true, force: true }))
