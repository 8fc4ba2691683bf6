// Builds our addon (native/*.c: posix_spawn, children's output, base64) with
// node-gyp. A failed build is not fatal: the pipe spawner then starts
// children with Node's child_process, which costs more CPU per spawn in a
// large server, and output is encoded through Node's strings.
import { spawnSync } from "node:child_process"

if (process.platform !== "linux") process.exit(0)
// npm names its own node-gyp to install scripts; elsewhere take the one on PATH.
const nodeGyp = process.env.npm_config_node_gyp
const [command, args] = nodeGyp ? [process.execPath, [nodeGyp, "rebuild"]] : ["node-gyp", ["rebuild"]]
const result = spawnSync(command, args, { stdio: ["ignore", "inherit", "inherit"] })
if (result.status !== 0) {
  console.error(
    "effect-exec-server: the native addon was not built (see above); " +
      "children will be started with Node's child_process. Needs python3, make and a C compiler."
  )
}
