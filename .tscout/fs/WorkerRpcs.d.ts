/**
 * What the server asks of a sandboxed file worker, as an `RpcGroup`: one
 * schema for both sides, the worker (`worker.ts`, an `RpcServer` on its
 * stdio) and the server (`SandboxedFs.ts`, an `RpcClient` on the worker's
 * pipes).
 *
 * The wire is MessagePack (`workerSerialization`): it frames itself on a
 * byte stream and carries bytes as bytes, so file contents and blocks (up to
 * `maxReadFileBytes` in one answer) travel without base64 on either side.
 */
import * as Rpc from "@effect/rpc/Rpc";
import * as RpcGroup from "@effect/rpc/RpcGroup";
import * as RpcSerialization from "@effect/rpc/RpcSerialization";
import * as Schema from "effect/Schema";
import { InternalError, InvalidRequest, NotFound, SandboxDenied } from "../protocol/errors.js";
/**
 * How a worker's operation fails: the protocol's own errors. A refusal by
 * the kernel inside the sandbox (EROFS, EACCES, EPERM) is `SandboxDenied`.
 */
export declare const WorkerError: Schema.Union<[typeof NotFound, typeof InvalidRequest, typeof InternalError, typeof SandboxDenied]>;
/** @see WorkerError */
export type WorkerError = typeof WorkerError.Type;
declare const WorkerRpcs_base: RpcGroup.RpcGroup<Rpc.Rpc<"readFile", Schema.Struct<{
    readonly path: typeof Schema.String;
    readonly offset: Schema.optional<typeof Schema.Number>;
    readonly length: Schema.optional<typeof Schema.Number>;
    readonly maxBytes: typeof Schema.Number;
}>, typeof Schema.Uint8ArrayFromSelf, Schema.Union<[typeof NotFound, typeof InvalidRequest, typeof InternalError, typeof SandboxDenied]>, never> | Rpc.Rpc<"writeFile", Schema.Struct<{
    readonly path: typeof Schema.String;
    readonly data: typeof Schema.Uint8ArrayFromSelf;
}>, typeof Schema.Void, Schema.Union<[typeof NotFound, typeof InvalidRequest, typeof InternalError, typeof SandboxDenied]>, never> | Rpc.Rpc<"createDirectory", Schema.Struct<{
    readonly path: typeof Schema.String;
    readonly recursive: typeof Schema.Boolean;
}>, typeof Schema.Void, Schema.Union<[typeof NotFound, typeof InvalidRequest, typeof InternalError, typeof SandboxDenied]>, never> | Rpc.Rpc<"getMetadata", Schema.Struct<{
    readonly path: typeof Schema.String;
}>, Schema.Struct<{
    isDirectory: typeof Schema.Boolean;
    isFile: typeof Schema.Boolean;
    isSymlink: typeof Schema.Boolean;
    size: typeof Schema.Number;
    createdAtMs: typeof Schema.Number;
    modifiedAtMs: typeof Schema.Number;
}>, Schema.Union<[typeof NotFound, typeof InvalidRequest, typeof InternalError, typeof SandboxDenied]>, never> | Rpc.Rpc<"readDirectory", Schema.Struct<{
    readonly path: typeof Schema.String;
}>, Schema.Struct<{
    entries: Schema.Array$<Schema.Struct<{
        fileName: typeof Schema.String;
        isDirectory: typeof Schema.Boolean;
        isFile: typeof Schema.Boolean;
    }>>;
}>, Schema.Union<[typeof NotFound, typeof InvalidRequest, typeof InternalError, typeof SandboxDenied]>, never> | Rpc.Rpc<"remove", Schema.Struct<{
    readonly path: typeof Schema.String;
    readonly recursive: typeof Schema.Boolean;
    readonly force: typeof Schema.Boolean;
}>, typeof Schema.Void, Schema.Union<[typeof NotFound, typeof InvalidRequest, typeof InternalError, typeof SandboxDenied]>, never> | Rpc.Rpc<"copy", Schema.Struct<{
    readonly sourcePath: typeof Schema.String;
    readonly destinationPath: typeof Schema.String;
    readonly recursive: typeof Schema.Boolean;
}>, typeof Schema.Void, Schema.Union<[typeof NotFound, typeof InvalidRequest, typeof InternalError, typeof SandboxDenied]>, never> | Rpc.Rpc<"canonicalize", Schema.Struct<{
    readonly path: typeof Schema.String;
}>, typeof Schema.String, Schema.Union<[typeof NotFound, typeof InvalidRequest, typeof InternalError, typeof SandboxDenied]>, never> | Rpc.Rpc<"walk", Schema.Struct<{
    readonly path: typeof Schema.String;
    readonly options: Schema.Struct<{
        maxDepth: Schema.filter<typeof Schema.Int>;
        maxDirectories: Schema.filter<typeof Schema.Int>;
        maxEntries: Schema.filter<typeof Schema.Int>;
        followDirectorySymlinks: typeof Schema.Boolean;
        pruneHiddenDirectories: Schema.optionalWith<typeof Schema.Boolean, {
            default: () => false;
            nullable: true;
        }>;
    }>;
}>, Schema.Struct<{
    entries: Schema.Array$<Schema.Struct<{
        path: typeof Schema.String;
        kind: Schema.Literal<["directory", "file"]>;
    }>>;
    errors: Schema.Array$<Schema.Struct<{
        path: typeof Schema.String;
        message: typeof Schema.String;
    }>>;
    truncated: typeof Schema.Boolean;
}>, Schema.Union<[typeof NotFound, typeof InvalidRequest, typeof InternalError, typeof SandboxDenied]>, never> | Rpc.Rpc<"openFile", Schema.Struct<{
    readonly handle: typeof Schema.Number;
    readonly path: typeof Schema.String;
    readonly mode: Schema.Literal<["read", "replace"]>;
    readonly maxBlockBytes: typeof Schema.Number;
}>, typeof Schema.Void, Schema.Union<[typeof NotFound, typeof InvalidRequest, typeof InternalError, typeof SandboxDenied]>, never> | Rpc.Rpc<"readBlock", Schema.Struct<{
    readonly handle: typeof Schema.Number;
    readonly offset: typeof Schema.Number;
    readonly length: typeof Schema.Number;
}>, Schema.Struct<{
    chunk: typeof Schema.Uint8ArrayFromSelf;
    eof: typeof Schema.Boolean;
}>, Schema.Union<[typeof NotFound, typeof InvalidRequest, typeof InternalError, typeof SandboxDenied]>, never> | Rpc.Rpc<"writeBlock", Schema.Struct<{
    readonly handle: typeof Schema.Number;
    readonly offset: typeof Schema.Number;
    readonly data: typeof Schema.Uint8ArrayFromSelf;
}>, typeof Schema.Void, Schema.Union<[typeof NotFound, typeof InvalidRequest, typeof InternalError, typeof SandboxDenied]>, never> | Rpc.Rpc<"closeFile", Schema.Struct<{
    readonly handle: typeof Schema.Number;
    readonly commit: typeof Schema.Boolean;
}>, typeof Schema.Void, Schema.Union<[typeof NotFound, typeof InvalidRequest, typeof InternalError, typeof SandboxDenied]>, never>>;
/** The worker's operations. */
export declare class WorkerRpcs extends WorkerRpcs_base {
}
/**
 * The worker's wire on both sides: MessagePack, unbounded (a `readFile`
 * answer may be as large as the server lets it be; both ends are this
 * package's own code).
 */
export declare const workerSerialization: RpcSerialization.RpcSerialization["Type"];
export {};
//# sourceMappingURL=WorkerRpcs.d.ts.map