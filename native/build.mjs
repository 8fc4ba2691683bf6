// Builds our addon (native/*.c: posix_spawn, children's output, base64), the
// cgroup launcher (native/cgroup-join.c) and the process holder
// (native/holder.c) with node-gyp. A failed build is not fatal: the pipe
// spawner then starts children with Node's child_process, which costs more
// CPU per spawn in a large server, output is encoded through Node's strings,
// Perl places children in their cgroups (slower), and Holder.spawn fails
// with HolderUnavailable.
import { spawnSync } from "node:child_process"

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
}
