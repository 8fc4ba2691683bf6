/** Where Codex keeps its files on this machine, as the reference finds it. */
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
import * as Path from "node:path"

/** `CODEX_HOME` is set but is not a directory; the message is the reference's. */
export class CodexHomeUnusable extends Error {}

/** `$CODEX_HOME` (which must be a directory; canonical), else `<home>/.codex` (which need not exist). */
export const codexHomeOf = async (
  environment: Readonly<Record<string, string | undefined>>,
  home: string | null
): Promise<string> => {
  const set = environment.CODEX_HOME
  if (set === undefined || set === "") return Path.join(home ?? Os.userInfo().homedir, ".codex")
  const kind = await Fs.stat(set).then((stat) => (stat.isDirectory() ? "directory" : "other"), () => "missing")
  if (kind !== "directory") {
    throw new CodexHomeUnusable(`CODEX_HOME points to "${set}", but that path ${kind === "missing" ? "does not exist" : "is not a directory"}`)
  }
  return Fs.realpath(set)
}
