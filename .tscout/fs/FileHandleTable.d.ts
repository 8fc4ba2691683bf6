/**
 * A session's open file handles (`fs/open` ... `fs/close`), by the ids its
 * client chose. Each handle's file lives in a scope of its own under the
 * table's: closing the session closes every handle (a replacing handle that
 * was never closed leaves its target untouched and no temporary file).
 */
import * as Effect from "effect/Effect";
import * as Scope from "effect/Scope";
import type { Slots } from "../process/Slots.js";
import { InvalidRequest, type SandboxDenied, type ServerBusy } from "../protocol/errors.js";
import type { FsError, OpenFile as AnyOpenFile } from "./FileOperations.js";
/** A handle's file, on the host or in a sandboxed worker. */
type OpenFile = AnyOpenFile<FsError | SandboxDenied>;
/** The open handles of one session. */
export interface FileHandleTable {
    /** Opens `handleId` with the file `acquire` opens in the handle's scope; -32001 when the server has its most handles open. */
    readonly open: <E>(handleId: string, acquire: Effect.Effect<OpenFile, E, Scope.Scope>) => Effect.Effect<void, E | InvalidRequest | ServerBusy>;
    /** The file of an open handle; -32600 for an id that is not open. */
    readonly get: (handleId: string) => Effect.Effect<OpenFile, InvalidRequest>;
    /**
     * Closes a handle: a replacing one puts its file in place, unless
     * `discard`. An id that is not open is a no-op.
     */
    readonly close: (handleId: string, discard?: boolean) => Effect.Effect<void, FsError | SandboxDenied>;
    /** How many handles are open. */
    readonly size: () => number;
}
/** Settings of a session's file handles. */
export interface FileHandleTableOptions {
    /** Most handles open at once in this table. */
    readonly maxHandles: number;
    /** The server's count of open handles over all sessions (none: only `maxHandles` bounds them). */
    readonly serverHandles?: Slots | undefined;
}
/** A table whose handles close with the current scope; at most `maxHandles` open at once. */
export declare const makeFileHandleTable: (options: FileHandleTableOptions) => Effect.Effect<FileHandleTable, never, Scope.Scope>;
export {};
//# sourceMappingURL=FileHandleTable.d.ts.map