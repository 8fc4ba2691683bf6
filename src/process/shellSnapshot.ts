/**
 * `process/start.shellSnapshot` (capability `shellSnapshotV2`): `bash -lc
 * SCRIPT` (zsh's, sh's) runs as a non-login `-c` that first restores a snapshot of
 * the user's login shell (its exported variables, functions, aliases and
 * options), captured once per scope and kept, so that each command does not
 * pay for the login files again. As the reference does it (codex 0.169,
 * probed; docs/PROTOCOL.md, "Shell snapshots"): only an argv of exactly
 * `[shell.path, "-lc", SCRIPT, ...]` is rewritten; the capture runs as that
 * login shell with the start's environment, directory and sandbox, within
 * 10 s and 4 MiB of output, the state and environment within 512 KiB; a
 * failed capture runs the command as it was asked (tried again after 1 s, at
 * most 3 times); the client's `env` wins over the snapshot's. Ours passes
 * the state in the child's environment (the reference's form for `sh`), so
 * it works the same for a terminal, pipes and a sandbox.
 */
import * as Crypto from "node:crypto"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import { InvalidParams } from "../protocol/errors.js"
import type { ShellSnapshotRequest } from "../protocol/schema.js"

export const SNAPSHOT_LIMITS = {
  captureTimeoutMs: 10_000,
  retryAfterMs: 1_000,
  attempts: 3,
  captureOutputBytes: 4 * 1024 * 1024,
  stateBytes: 512 * 1024,
  envChunkBytes: 60 * 1024,
  scopeBytes: 256,
  cached: 16
} as const

/** The shells the reference takes snapshots of (a start naming another is refused when its argv would be rewritten). */
const KNOWN_SHELLS = ["bash", "zsh", "sh"]

/** The variables that carry the state to the child (the reference's names), unset before the script runs. */
const stateVariable = (index: number) => `__CODEX_SHELL_SNAPSHOT_STATE_${index}`

/** What a login shell left behind: the commands that restore its state, and its exported environment. */
export interface Snapshot {
  readonly state: string
  readonly env: Readonly<Record<string, string>>
}

/** The -32602 message of a snapshot request the reference refuses, or undefined. */
export const snapshotProblem = (request: ShellSnapshotRequest, argv: ReadonlyArray<string>): string | undefined => {
  const scopeBytes = Buffer.byteLength(request.scopeId)
  if (scopeBytes === 0 || scopeBytes > SNAPSHOT_LIMITS.scopeBytes) {
    return `shell snapshot scope must be non-empty and at most ${SNAPSHOT_LIMITS.scopeBytes} bytes`
  }
  if (qualifies(request, argv) && !KNOWN_SHELLS.includes(request.shell.name)) {
    return `shell snapshots are unsupported for shell \`${request.shell.name}\``
  }
  return undefined
}

/** Whether the argv is the login-shell command a snapshot replaces: exactly `[shell.path, "-lc", SCRIPT, ...]`. */
export const qualifies = (request: ShellSnapshotRequest, argv: ReadonlyArray<string>): boolean =>
  argv.length >= 3 && argv[0] === request.shell.path && argv[1] === "-lc"

/**
 * The capture: the login shell reads its profile, then `.bashrc` as an
 * interactive one would, and prints, after a marker the files cannot
 * guess, the commands that restore its options, functions and aliases,
 * then its environment (`env -0`). Builtins only where the files may have
 * replaced commands or PATH. `login_shell` and `restricted_shell` cannot be
 * set, so they are left out.
 *
 * The restore evaluates the state line by line, so the options come before
 * the functions and every command is called as `builtin X`: a function the
 * rc file named `set` (or `shopt`, `unalias`) is not yet defined when those
 * lines run, and after the functions come only assignments. A function's
 * attributes would be commands (`declare -fx`), so they are left out of
 * the listing: an exported function is exported again by the environment
 * it comes back with; a traced one (`declare -ft`) comes back untraced.
 * `posix` comes back last, as the assignment `set -o posix` itself makes:
 * in posix mode bash refuses function names that are not identifiers.
 */
export const bashCaptureScript = (marker: string): string =>
  [
    `if [ -z "\${BASH_ENV-}" ] && [ -n "\${HOME-}" ] && [ -r "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi`,
    `builtin printf '\\0%s\\0' '${marker}'`,
    `builtin echo 'builtin unalias -a 2>/dev/null || builtin true'`,
    `__exec_server_ifs=$IFS; IFS=$'\\n'`,
    `for __exec_server_line in $(builtin shopt -p); do case "$__exec_server_line" in *' login_shell'|*' restricted_shell') ;; *) builtin printf 'builtin %s\\n' "$__exec_server_line" ;; esac; done`,
    `__exec_server_posix=`,
    `for __exec_server_line in $(builtin set +o); do case "$__exec_server_line" in 'set -o posix') __exec_server_posix=1 ;; 'set -o '*) builtin printf 'builtin %s\\n' "$__exec_server_line" ;; esac; done`,
    // \`declare -f\` prints a \`declare -fx\` (\`-ft\`) after each function with attributes, which would call a function
    // named \`declare\` (or \`builtin\`) defined just before: the attributes come off for the listing, back for \`env\`.
    `__exec_server_attributes=()`,
    `for __exec_server_line in $(builtin declare -F); do __exec_server_line=\${__exec_server_line#declare }; case "\${__exec_server_line%% *}" in -f) ;; *) __exec_server_attributes+=("$__exec_server_line"); builtin declare +xt -f -- "\${__exec_server_line#* }" ;; esac; done`,
    `IFS=$__exec_server_ifs`,
    `builtin declare -f`,
    `for __exec_server_line in "\${__exec_server_attributes[@]}"; do builtin declare "\${__exec_server_line%% *}" -- "\${__exec_server_line#* }"; done`,
    // Assignments, not \`alias\` commands: with \`expand_aliases\` restored, an alias named \`alias\` would run
    // its value on the next line of the restore, and a function named \`alias\` would be called for each.
    `for __exec_server_line in "\${!BASH_ALIASES[@]}"; do builtin printf 'BASH_ALIASES[%q]=%q\\n' "$__exec_server_line" "\${BASH_ALIASES[$__exec_server_line]}"; done`,
    `if [ -n "$__exec_server_posix" ]; then builtin echo 'POSIXLY_CORRECT=y'; fi`,
    `builtin printf '\\0'`,
    `builtin command -p env -0`
  ].join("\n")

/**
 * zsh's capture: the login shell has read `.zshenv`, `.zprofile` and
 * `.zlogin`; `.zshrc` (of `$ZDOTDIR`, else `$HOME`) is read as an
 * interactive one would. The options it set (`setopt` prints only what
 * differs from zsh's defaults, in a form `setopt` takes back), its aliases
 * in reusable form, then its functions, last so that none of them (one
 * named `setopt`, `alias`) is called by the restore; then its environment.
 * zsh parses the whole state before it runs any of it, so an alias it
 * defines expands in none of the later lines. Options a script cannot set,
 * and `login` (the command runs as a non-login shell, as bash's does), are
 * left out. Run by another shell it fails, so the command runs as asked.
 */
export const zshCaptureScript = (marker: string): string =>
  [
    `[ -n "\${ZSH_VERSION-}" ] || exit 1`,
    `if [[ -n "\${ZDOTDIR-}" ]]; then __exec_server_rc="$ZDOTDIR/.zshrc"; elif [[ -n "\${HOME-}" ]]; then __exec_server_rc="$HOME/.zshrc"; else __exec_server_rc=; fi`,
    `if [[ -n "$__exec_server_rc" && -r "$__exec_server_rc" ]]; then . "$__exec_server_rc"; fi`,
    `builtin printf '\\0%s\\0' '${marker}'`,
    `builtin print -r -- 'builtin unalias -a 2>/dev/null || builtin true'`,
    `builtin setopt | while IFS= builtin read -r __exec_server_option; do case $__exec_server_option in login|interactive|shinstdin|singlecommand|privileged|restricted|zle|monitor) ;; *) builtin print -r -- "builtin setopt $__exec_server_option" ;; esac; done`,
    `(builtin setopt NO_RC_QUOTES; builtin alias -L)`,
    `builtin functions`,
    `builtin printf '\\0'`,
    `builtin command -p env -0`
  ].join("\n")

/**
 * sh's capture (dash, or bash run as `sh`): the login shell has read
 * `/etc/profile` and `~/.profile`; `$ENV`, parameter-expanded, is read as an
 * interactive one would when it names a readable file. Then its functions
 * where the shell can print them (`typeset -f`, `declare -f`; dash cannot),
 * its options and its aliases, then its environment.
 */
export const shCaptureScript = (marker: string): string =>
  [
    // Parameter expansion only, as POSIX expands ENV: no command substitution.
    `case "\${ENV-}" in *'$('*|*'\`'*) __exec_server_env= ;; *) eval "__exec_server_env=\\"\${ENV-}\\"" ;; esac`,
    `if [ -n "$__exec_server_env" ] && [ -f "$__exec_server_env" ] && [ -r "$__exec_server_env" ]; then . "$__exec_server_env"; fi`,
    `printf '\\0%s\\0' '${marker}'`,
    `echo 'unalias -a 2>/dev/null || true'`,
    `if (typeset -f) >/dev/null 2>&1; then typeset -f; elif (declare -f) >/dev/null 2>&1; then declare -f; fi`,
    `set +o | while IFS= read -r __exec_server_line; do case $__exec_server_line in *' interactive'|*' stdin'|*' login_shell'|*' restricted') ;; 'set '*) printf '%s\\n' "$__exec_server_line" ;; esac; done`,
    // \`alias\` prints \`name='value'\` (dash) or \`alias name='value'\` (bash as sh), a value's newlines inside its quotes:
    // a line starts an entry only where the quotes before it are closed (the text seen so far, scanned as the shell would).
    `alias | command -p awk 'BEGIN { q = sprintf("%c", 39) } { if (s == 0 && substr($0, 1, 6) != "alias ") printf "alias "; print; ` +
    `n = length($0); for (i = 1; i <= n; i++) { c = substr($0, i, 1); if (s == 0) { if (c == q) s = 1; else if (c == "\\"") s = 2; else if (c == "\\\\") i++ } ` +
    `else if (s == 1) { if (c == q) s = 0 } else if (c == "\\"") s = 0; else if (c == "\\\\") i++ } }'`,
    `printf '\\0'`,
    `command -p env -0`
  ].join("\n")

/** The capture script of each shell the server takes snapshots of. */
const CAPTURE_SCRIPTS: Record<string, (marker: string) => string> = {
  bash: (marker) => bashCaptureScript(marker),
  zsh: zshCaptureScript,
  sh: shCaptureScript
}

/** Variables of the capture that say nothing of the user's shell. */
const NOT_KEPT = new Set(["PWD", "OLDPWD", "_", "SHLVL"])

/** The snapshot in the capture's output, or a reason it holds none. */
export const parseCapture = (output: Buffer, marker: string): Snapshot | string => {
  const start = output.lastIndexOf(`\0${marker}\0`)
  if (start === -1) return "the capture printed no snapshot"
  const body = output.subarray(start + marker.length + 2)
  const end = body.indexOf(0)
  if (end === -1) return "the capture ended early"
  const state = body.subarray(0, end).toString("utf8")
  const env: Record<string, string> = {}
  let size = Buffer.byteLength(state)
  for (const record of body.subarray(end + 1).toString("utf8").split("\0")) {
    const equals = record.indexOf("=")
    if (equals <= 0) continue
    const name = record.slice(0, equals)
    if (NOT_KEPT.has(name)) continue
    env[name] = record.slice(equals + 1)
    size += Buffer.byteLength(record)
  }
  if (size > SNAPSHOT_LIMITS.stateBytes) return `the snapshot's state and environment exceed ${SNAPSHOT_LIMITS.stateBytes} bytes`
  return { state, env }
}

/**
 * bash's names of an exported function named `builtin` (upstream's, and the
 * distributions' older form): bash defines it from the environment before
 * the restore's first line, and no command of the restore could then reach
 * a builtin past it.
 */
const EXPORTED_BUILTIN_FUNCTION = ["BASH_FUNC_builtin%%", "BASH_FUNC_builtin()"]

/**
 * The command that restores the snapshot and then runs the script, as a
 * non-login shell: the state in variables of the child's environment,
 * evaluated and unset before the script's first line. The client's own
 * variables win over the snapshot's. Every command of the restore is
 * `builtin X`, so that no function of the rc file is called in its place;
 * undefined (the command runs as asked) when bash would have a function
 * named `builtin` from the environment.
 */
export const restoringCommand = (
  argv: ReadonlyArray<string>,
  env: Readonly<Record<string, string>>,
  clientEnv: Readonly<Record<string, string>>,
  snapshot: Snapshot,
  shellName: string
): { readonly argv: ReadonlyArray<string>; readonly env: Readonly<Record<string, string>> } | undefined => {
  const childEnv: Record<string, string> = { ...env, ...snapshot.env, ...clientEnv }
  if (shellName === "bash" && EXPORTED_BUILTIN_FUNCTION.some((name) => name in childEnv)) return undefined
  const chunks: Array<string> = []
  const bytes = Buffer.from(snapshot.state, "utf8")
  let at = 0
  do {
    // Cut on a character's boundary.
    let end = Math.min(at + SNAPSHOT_LIMITS.envChunkBytes, bytes.length)
    while (end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end--
    chunks.push(bytes.subarray(at, end).toString("utf8"))
    at = end
  } while (at < bytes.length)
  const names = chunks.map((_, index) => stateVariable(index))
  // sh has no \`builtin\`; its \`eval\` and \`unset\` are special builtins, which no function shadows.
  const builtin = shellName === "sh" ? "" : "builtin "
  const restore = `if ! ${builtin}eval "${builtin}unset ${names.join(" ")}\n${names.map((name) => `\${${name}}`).join("")}" >/dev/null; then ` +
    `${builtin}printf 'failed to restore shell snapshot\\n' >&2; fi\n`
  return {
    // zsh as the reference runs it: no startup file at all (`-f`), the option set back for what follows.
    argv: shellName === "zsh"
      ? [argv[0]!, "-fc", `builtin setopt RCS\n${restore}${argv[2]!}`, ...argv.slice(3)]
      : [argv[0]!, "-c", restore + argv[2]!, ...argv.slice(3)],
    env: { ...childEnv, ...Object.fromEntries(names.map((name, index) => [name, chunks[index]!])) }
  }
}

/** Runs a capture: the login shell's argv, in the start's directory, environment and sandbox; its stdout, or why it failed. */
export type RunCapture = (argv: ReadonlyArray<string>) => Effect.Effect<Buffer, string>

type Entry =
  | { readonly _tag: "Capturing"; readonly done: Deferred.Deferred<Snapshot | undefined> }
  | { readonly _tag: "Captured"; readonly snapshot: Snapshot }
  | { readonly _tag: "Failed"; readonly attempts: number; readonly retryAt: number }

/**
 * The snapshots of one connection, by scope, shell, directory, environment
 * policy and sandbox (the start's `env` is not part of the key, as on the
 * reference), the 16 used last. Starts in one scope while it is captured
 * wait for the one capture.
 */
export const makeSnapshotCache = () => {
  const entries = new Map<string, Entry>()
  const remember = (key: string, entry: Entry) => {
    entries.delete(key)
    entries.set(key, entry)
    while (entries.size > SNAPSHOT_LIMITS.cached) entries.delete(entries.keys().next().value!)
  }
  /** The snapshot of `key`, captured by `run` when there is none yet; undefined when none could be taken. */
  const snapshotOf = (key: string, shell: ShellSnapshotRequest["shell"], run: RunCapture): Effect.Effect<Snapshot | undefined> =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const entry = entries.get(key)
      if (entry?._tag === "Captured") {
        remember(key, entry)
        return entry.snapshot
      }
      if (entry?._tag === "Capturing") return yield* Deferred.await(entry.done)
      if (entry?._tag === "Failed" && (entry.attempts >= SNAPSHOT_LIMITS.attempts || now < entry.retryAt)) return undefined
      const attempts = entry?._tag === "Failed" ? entry.attempts + 1 : 1
      const done = yield* Deferred.make<Snapshot | undefined>()
      remember(key, { _tag: "Capturing", done })
      const script = CAPTURE_SCRIPTS[shell.name]
      const captured = script === undefined ? `no snapshot is taken of ${shell.name}` : yield* capture(run, shell.path, script)
      if (typeof captured === "string") {
        yield* Effect.logDebug("shell snapshot not taken").pipe(Effect.annotateLogs({ reason: captured, attempts }))
        remember(key, { _tag: "Failed", attempts, retryAt: (yield* Clock.currentTimeMillis) + SNAPSHOT_LIMITS.retryAfterMs })
        yield* Deferred.succeed(done, undefined)
        return undefined
      }
      remember(key, { _tag: "Captured", snapshot: captured })
      yield* Deferred.succeed(done, captured)
      return captured
    }).pipe(Effect.uninterruptible)
  return { snapshotOf, size: () => entries.size }
}

/** @see makeSnapshotCache */
export type SnapshotCache = ReturnType<typeof makeSnapshotCache>

const capture = (run: RunCapture, shellPath: string, script: (marker: string) => string): Effect.Effect<Snapshot | string> => {
  const marker = `EXEC_SERVER_SNAPSHOT_${Crypto.randomBytes(12).toString("hex")}`
  return run([shellPath, "-lc", script(marker)]).pipe(
    Effect.map((output) => parseCapture(output, marker)),
    Effect.catch((problem) => Effect.succeed(problem))
  )
}

/** -32602 for a snapshot request the reference refuses. */
export const checkSnapshot = (request: ShellSnapshotRequest | undefined | null, argv: ReadonlyArray<string>) => {
  const problem = request == null ? undefined : snapshotProblem(request, argv)
  return problem === undefined ? Effect.void : Effect.fail(new InvalidParams({ message: problem }))
}
