/**
 * Checks made before spawning, so that failures come back as errors, not as
 * a dead child. They are synchronous: a handful of stat calls take
 * microseconds, where a round trip through libuv's thread pool per PATH
 * entry added milliseconds to every PTY start (and the spawn that follows
 * blocks the event loop on the same filesystem anyway).
 */
import * as Effect from "effect/Effect";
import { InternalError, SpawnNotFound } from "../protocol/errors.js";
/** Fails with -32603 unless `cwd` is an existing directory: SpawnNotFound when it does not exist, else the errno (ENOTDIR, EACCES, ...). */
export declare const checkWorkingDirectory: (cwd: string) => Effect.Effect<void, InternalError | SpawnNotFound>;
/**
 * Resolves a program the way execvp(3) does with the child's environment:
 * names with a slash are taken as they are (relative to `cwd`), others are
 * searched in the child's PATH (or the system default path). Fails with
 * SpawnNotFound (`missing: "program"`) when there is no such executable file.
 */
export declare const resolveExecutable: (program: string, cwd: string, env: Readonly<Record<string, string>>) => Effect.Effect<string, InternalError | SpawnNotFound>;
/**
 * Fails with -32603 E2BIG when execve(2) would refuse the arguments and
 * environment, by the kernel's own rules: no string over MAX_ARG_STRLEN, and
 * strings plus pointers within a quarter of the stack limit (between 128 KiB
 * and 6 MiB).
 */
export declare const checkArgumentSize: (argv: ReadonlyArray<string>, env: Readonly<Record<string, string>>) => Effect.Effect<void, InternalError>;
//# sourceMappingURL=spawnChecks.d.ts.map