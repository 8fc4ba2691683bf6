/**
 * Placeholder directories: a protected path that does not exist yet (a
 * project without `.git`) must not be creatable from inside the sandbox, so
 * an empty read-only file system is mounted there, which needs a directory
 * to mount on. The server creates it, shares it among the sandboxes that
 * need it (removing it while one of them runs would detach that sandbox's
 * mount), removes it when the last one ends, and has the reaper remove it
 * if the server dies first. Only directories this server created are ever
 * removed, and only while empty.
 */
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Option from "effect/Option";
import * as Fs from "node:fs";
import { internalErrorFrom, InvalidParams } from "../protocol/errors.js";
/** Keeps placeholders from outliving a server that dies hard (the process reaper provides it). */
export class PlaceholderGuard extends Context.Tag("effect-exec-server/PlaceholderGuard")() {
}
/** Makes the placeholder registry; the guard, when there is one, learns of each placeholder. */
export const makePlaceholders = Effect.gen(function* () {
    const guard = Option.getOrUndefined(yield* Effect.serviceOption(PlaceholderGuard));
    const users = new Map();
    const acquire = (path) => Effect.suspend(() => {
        const count = users.get(path);
        if (count !== undefined) {
            users.set(path, count + 1);
            return Effect.void;
        }
        if (path.includes("\n")) {
            return Effect.fail(new InvalidParams({ message: `sandbox: cannot protect ${JSON.stringify(path)}: its name holds a newline` }));
        }
        try {
            Fs.mkdirSync(path, { mode: 0o555 });
        }
        catch (error) {
            // Created meanwhile by someone else: a real directory now, mounted over all the same.
            if (error.code === "EEXIST")
                return Effect.void;
            return Effect.fail(internalErrorFrom(error, `sandbox: cannot create the placeholder ${path}`));
        }
        users.set(path, 1);
        return guard?.register(path) ?? Effect.void;
    });
    const release = (path) => Effect.suspend(() => {
        const count = users.get(path);
        if (count === undefined)
            return Effect.void;
        if (count > 1) {
            users.set(path, count - 1);
            return Effect.void;
        }
        users.delete(path);
        try {
            Fs.rmdirSync(path);
        }
        catch {
            // Not empty (someone outside the sandbox put something there) or gone: leave it.
        }
        return guard?.unregister(path) ?? Effect.void;
    });
    return {
        hold: (paths) => Effect.forEach(paths, (path) => Effect.acquireRelease(acquire(path), () => release(path)), { discard: true }),
        current: () => [...users.keys()]
    };
});
//# sourceMappingURL=placeholders.js.map