// Builds our addon (native/*.c: posix_spawn and the cgroup-joining clone, children's output,
// base64), the cgroup launcher (native/cgroup-join.c) and the process holder (native/holder.c)
// with node-gyp, then the launcher again statically linked where the toolchain has a static
// libc: it runs for every terminal in a cgroup, and a static binary skips the dynamic loader
// (docs/PERFORMANCE.md). A failed build is not fatal: the pipe spawner then starts children with
// Node's child_process, which costs more CPU per spawn in a large server, output is encoded
// through Node's strings, Perl places children in their cgroups (slower), and Holder.spawn fails
// with HolderUnavailable; a failed static build keeps the dynamic one.
import { spawnSync } from "node:child_process"
import { renameSync, rmSync } from "node:fs"

if (process.platform !== "linux") process.exit(0)
// npm names its own node-gyp to install scripts; elsewhere take the one on PATH.
const nodeGyp = process.env.npm_config_node_gyp
const [command, args] = nodeGyp ? [process.execPath, [nodeGyp, "rebuild"]] : ["node-gyp", ["rebuild"]]
// Its output (make's, the compiler's: a dozen lines on every install) is shown only when the build fails.
const result = spawnSync(command, args, { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", maxBuffer: 64 << 20 })
if (result.status !== 0) {
  process.stderr.write(`${result.stdout ?? ""}${result.stderr ?? ""}${result.error === undefined ? "" : `${result.error.message}\n`}`)
  console.error(
    "effect-exec-server: the native addon was not built (see above); " +
      "children will be started with Node's child_process, and placed in their cgroups by Perl. Needs python3, make and a C compiler."
  )
  process.exit(0)
}

const launcher = new URL("../build/Release/exec-server-cgroup-join", import.meta.url).pathname
const staticLauncher = `${launcher}.static`
// Silently: many systems have no static libc (libc.a), and the dynamic launcher serves there.
const linked = spawnSync(
  process.env.CC ?? "cc",
  ["-static", "-s", "-std=gnu11", "-O2", "-o", staticLauncher, new URL("cgroup-join.c", import.meta.url).pathname],
  { stdio: "ignore" }
)
if (linked.status === 0 && spawnSync(staticLauncher, ["0", "/bin/true", "true"], { stdio: "ignore" }).status === 0) {
  renameSync(staticLauncher, launcher)
} else {
  rmSync(staticLauncher, { force: true })
}
