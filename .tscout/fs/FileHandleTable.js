/**
 * A session's open file handles (`fs/open` ... `fs/close`), by the ids its
 * client chose. Each handle's file lives in a scope of its own under the
 * table's: closing the session closes every handle (a replacing handle that
 * was never closed leaves its target untouched and no temporary file).
 */
import * as Effect from "effect/Effect";
import * as ExecutionStrategy from "effect/ExecutionStrategy";
import * as Exit from "effect/Exit";
import * as Scope from "effect/Scope";
import { InvalidRequest } from "../protocol/errors.js";
/** A table whose handles close with the current scope; at most `maxHandles` open at once. */
export const makeFileHandleTable = (options) => Effect.gen(function* () {
    const tableScope = yield* Effect.scope;
    const entries = new Map();
    const serverHandles = options.serverHandles;
    /** Once the table's scope is closing: it opens nothing more, and has given back every slot. */
    let tableClosed = false;
    // Added first, so run last, once the handles' scopes have closed: every
    // handle still in the table (open or opening) gives its slot back.
    yield* Scope.addFinalizer(tableScope, Effect.sync(() => {
        tableClosed = true;
        serverHandles?.release(entries.size);
    }));
    /** Forgets a handle and gives its slot back. */
    const forget = (handleId) => {
        if (entries.delete(handleId) && !tableClosed)
            serverHandles?.release();
    };
    const open = (handleId, acquire) => Effect.gen(function* () {
        // The checks and the claims they guard, with nothing that yields between them.
        if (tableClosed)
            return yield* new InvalidRequest({ message: "the session is closed" });
        if (entries.has(handleId)) {
            return yield* new InvalidRequest({ message: `file handle ${handleId} is already open` });
        }
        if (entries.size >= options.maxHandles) {
            return yield* new InvalidRequest({
                message: `this session already has ${entries.size} open file handles, the most allowed; close one first`
            });
        }
        if (serverHandles !== undefined && !serverHandles.tryTake()) {
            return yield* serverHandles.refusal(`the server already has ${serverHandles.inUse} file handles open over all sessions`);
        }
        entries.set(handleId, { _tag: "Opening" });
        const scope = yield* Scope.fork(tableScope, ExecutionStrategy.sequential);
        const opened = yield* Effect.exit(Scope.extend(acquire, scope));
        if (Exit.isFailure(opened) || tableClosed) {
            forget(handleId);
            yield* Scope.close(scope, Exit.void);
            return yield* Exit.isFailure(opened)
                ? Effect.failCause(opened.cause)
                : new InvalidRequest({ message: "the session is closed" });
        }
        entries.set(handleId, { _tag: "Open", file: opened.value, scope });
    }).pipe(Effect.uninterruptible);
    const get = (handleId) => Effect.suspend(() => {
        const entry = entries.get(handleId);
        return entry?._tag === "Open"
            ? Effect.succeed(entry.file)
            : Effect.fail(new InvalidRequest({ message: `unknown file handle ${handleId}` }));
    });
    const close = (handleId, discard = false) => Effect.suspend(() => {
        const entry = entries.get(handleId);
        if (entry?._tag !== "Open")
            return Effect.void;
        forget(handleId);
        // Closing the scope without a commit drops what a replacing handle wrote.
        return Effect.ensuring(discard ? Effect.void : entry.file.commit, Scope.close(entry.scope, Exit.void));
    }).pipe(Effect.uninterruptible);
    return { open, get, close, size: () => entries.size };
});
//# sourceMappingURL=FileHandleTable.js.map