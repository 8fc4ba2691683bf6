/**
 * `fs/*`: each request's backend is chosen once (the host's files, or the
 * sandboxed worker of the policy that confines it) and the method calls it;
 * watches run in the server, filtered by what the sandbox shows.
 */
import * as FileSystem from "@effect/platform/FileSystem";
import * as Effect from "effect/Effect";
import { Sandbox } from "../../sandbox/Sandbox.js";
import { Connection } from "../../jsonrpc/Connection.js";
import { ClientSession } from "../ClientSession.js";
import { ServerConfig } from "../ServerConfig.js";
/** `fs/*`, on the host's `FileSystem`, or in a sandboxed worker when a sandbox applies. */
export declare const fsHandlers: Effect.Effect<import("effect/Context").Context<import("@effect/rpc/Rpc").Handler<"fs/readFile"> | import("@effect/rpc/Rpc").Handler<"fs/writeFile"> | import("@effect/rpc/Rpc").Handler<"fs/createDirectory"> | import("@effect/rpc/Rpc").Handler<"fs/getMetadata"> | import("@effect/rpc/Rpc").Handler<"fs/readDirectory"> | import("@effect/rpc/Rpc").Handler<"fs/remove"> | import("@effect/rpc/Rpc").Handler<"fs/copy"> | import("@effect/rpc/Rpc").Handler<"fs/watchMissing"> | import("@effect/rpc/Rpc").Handler<"fs/watch"> | import("@effect/rpc/Rpc").Handler<"fs/unwatch"> | import("@effect/rpc/Rpc").Handler<"fs/walk"> | import("@effect/rpc/Rpc").Handler<"fs/canonicalize"> | import("@effect/rpc/Rpc").Handler<"fs/open"> | import("@effect/rpc/Rpc").Handler<"fs/readBlock"> | import("@effect/rpc/Rpc").Handler<"fs/writeBlock"> | import("@effect/rpc/Rpc").Handler<"fs/close">>, never, Sandbox | FileSystem.FileSystem | ServerConfig | Connection | ClientSession>;
//# sourceMappingURL=fs.d.ts.map