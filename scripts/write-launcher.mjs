// Writes the binary's launcher (src/cli/exec-server.sh) into <dir> (the
// build's cli directory), with the package's version and the Node lines it
// runs on filled in: both from package.json, through the compiled
// packageInfo module beside it.
import * as Fs from "node:fs"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"

const dir = process.argv[2]
if (dir === undefined) {
  console.error("usage: node scripts/write-launcher.mjs <dir>")
  process.exit(2)
}
const { packageInfo, supportedNodeText } = await import(pathToFileURL(Path.resolve(dir, "../server/packageInfo.js")).href)
const source = Fs.readFileSync(Path.resolve(import.meta.dirname, "../src/cli/exec-server.sh"), "utf8")
Fs.writeFileSync(Path.join(dir, "exec-server"), source.replace("@VERSION@", packageInfo.version).replace("@NODE_LINES@", supportedNodeText), { mode: 0o755 })
