/**
 * Checks made before spawning, so that failures come back as errors, not as
 * a dead child. They are synchronous: a handful of stat calls take
 * microseconds, where a round trip through libuv's thread pool per PATH
 * entry added milliseconds to every PTY start (and the spawn that follows
 * blocks the event loop on the same filesystem anyway).
 */
import * as Effect from "effect/Effect";
import * as Fs from "node:fs";
import * as Path from "node:path";
import { errnoOf, InternalError, internalErrorFrom, SpawnNotFound } from "../protocol/errors.js";
/** Fails with -32603 unless `cwd` is an existing directory: SpawnNotFound when it does not exist, else the errno (ENOTDIR, EACCES, ...). */
export const checkWorkingDirectory = (cwd) => Effect.try({
    try: () => Fs.statSync(cwd),
    catch: (error) => errnoOf(error) === "ENOENT"
        ? new SpawnNotFound({ message: `cwd ${cwd} does not exist`, missing: "cwd", path: cwd })
        : internalErrorFrom(error, `cannot use cwd ${cwd}`)
}).pipe(Effect.flatMap((stat) => stat.isDirectory()
    ? Effect.void
    : Effect.fail(new InternalError({ message: `cwd ${cwd} is not a directory`, errno: "ENOTDIR" }))));
const isExecutableFile = (path) => {
    const stat = Fs.statSync(path, { throwIfNoEntry: false });
    if (stat === undefined || !stat.isFile())
        return false;
    try {
        Fs.accessSync(path, Fs.constants.X_OK);
        return true;
    }
    catch {
        return false;
    }
};
/**
 * Resolves a program the way execvp(3) does with the child's environment:
 * names with a slash are taken as they are (relative to `cwd`), others are
 * searched in the child's PATH (or the system default path). Fails with
 * SpawnNotFound (`missing: "program"`) when there is no such executable file.
 */
export const resolveExecutable = (program, cwd, env) => Effect.try({
    try: () => {
        if (program.includes("/")) {
            const path = Path.resolve(cwd, program);
            return isExecutableFile(path) ? path : undefined;
        }
        for (const dir of (env.PATH ?? "/usr/local/bin:/usr/bin:/bin").split(":")) {
            const candidate = Path.resolve(cwd, dir === "" ? "." : dir, program);
            if (isExecutableFile(candidate))
                return candidate;
        }
        return undefined;
    },
    catch: (error) => internalErrorFrom(error, `cannot resolve ${program}`)
}).pipe(Effect.flatMap((path) => path === undefined
    ? Effect.fail(new SpawnNotFound({ message: `cannot spawn ${program}: no such executable file`, missing: "program", path: program }))
    : Effect.succeed(path)));
/** Linux's MAX_ARG_STRLEN: the longest single argument or environment entry, with its NUL. */
const MAX_ARG_STRLEN = 32 * 4096;
/** Linux's floor of the argument space (ARG_MAX), whatever the stack limit. */
const MIN_ARG_SPACE = 128 * 1024;
/** Linux's ceiling of the argument space: three quarters of _STK_LIM (8 MiB). */
const MAX_ARG_SPACE = 6 * 1024 * 1024;
/** The soft stack limit children inherit, from /proc (undefined when unlimited or unknown). */
let stackLimit;
const softStackLimit = () => {
    if (stackLimit === undefined) {
        try {
            const line = /^Max stack size\s+(\S+)/m.exec(Fs.readFileSync("/proc/self/limits", "utf8"));
            stackLimit = line === null || line[1] === "unlimited" ? null : Number(line[1]);
        }
        catch {
            stackLimit = null;
        }
    }
    return stackLimit ?? undefined;
};
/**
 * Fails with -32603 E2BIG when execve(2) would refuse the arguments and
 * environment, by the kernel's own rules: no string over MAX_ARG_STRLEN, and
 * strings plus pointers within a quarter of the stack limit (between 128 KiB
 * and 6 MiB).
 */
export const checkArgumentSize = (argv, env) => Effect.suspend(() => {
    let total = 0;
    let count = 0;
    const tooLong = (text, what) => {
        const bytes = Buffer.byteLength(text) + 1;
        total += bytes;
        count++;
        return bytes > MAX_ARG_STRLEN
            ? new InternalError({ message: `${what} is ${bytes} bytes long, over the kernel's limit of ${MAX_ARG_STRLEN}`, errno: "E2BIG" })
            : undefined;
    };
    for (let i = 0; i < argv.length; i++) {
        const error = tooLong(argv[i], `argument ${i}`);
        if (error !== undefined)
            return Effect.fail(error);
    }
    for (const name in env) {
        const error = tooLong(`${name}=${env[name]}`, `environment variable ${name}`);
        if (error !== undefined)
            return Effect.fail(error);
    }
    const stack = softStackLimit();
    const limit = Math.max(MIN_ARG_SPACE, Math.min(MAX_ARG_SPACE, stack === undefined ? MAX_ARG_SPACE : stack / 4));
    const size = total + (count + 2) * 8;
    return size > limit
        ? Effect.fail(new InternalError({
            message: `the arguments and environment take ${size} bytes, over the kernel's limit of ${limit}`,
            errno: "E2BIG"
        }))
        : Effect.void;
});
//# sourceMappingURL=spawnChecks.js.map