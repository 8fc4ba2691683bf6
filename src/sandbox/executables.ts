/** Finding the programs a sandbox is built with, on the server's PATH. */
import * as Fs from "node:fs"
import * as Path from "node:path"

/** Finds an executable named `name` in PATH (or takes it as it is when it has a slash). */
export const findExecutable = (name: string, path = process.env.PATH ?? "/usr/bin:/bin"): string | undefined => {
  const candidates = name.includes("/") ? [name] : path.split(":").filter((dir) => dir !== "").map((dir) => Path.join(dir, name))
  for (const candidate of candidates) {
    try {
      Fs.accessSync(candidate, Fs.constants.X_OK)
      if (Fs.statSync(candidate).isFile()) return candidate
    } catch {
      // Next.
    }
  }
  return undefined
}
