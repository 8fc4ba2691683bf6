/**
 * The first words that make a command line the client's (`remote.ts`'s
 * commands): the binary's entry (`main.ts`) runs those command lines by the
 * client's entry (`clientMain.ts`), and the launcher (`exec-server.sh`)
 * starts them from the client's startup snapshot, under the client's V8
 * flags. test/unit/clientEntry.test.ts holds the three lists equal (this
 * one, `remote.ts`'s commands, the launcher's `case`).
 */
export const CLIENT_COMMAND_NAMES: ReadonlySet<string> = new Set([
  "exec",
  "attach",
  "ps",
  "kill",
  "sessions",
  "environments",
  "console-url"
])
