/**
 * The file operations of `fs/*` behind one interface, wherever they run: on
 * the host (`host`), or confined by a policy in a sandboxed worker
 * (`SandboxedFs`'s `backend`). The handlers choose one per request and call
 * it; neither they nor the worker write an operation twice.
 */
import * as FileSystem from "@effect/platform/FileSystem";
import * as Effect from "effect/Effect";
import * as FileOperations from "./FileOperations.js";
/** The host's files, as the server's own user sees them (on `fileSystem`, so tests can give theirs). */
export const host = (fileSystem) => {
    const onHost = (effect) => Effect.provideService(effect, FileSystem.FileSystem, fileSystem);
    return {
        readFile: FileOperations.readFile,
        writeFile: (path, data) => onHost(FileOperations.writeFile(path, data)),
        createDirectory: (path, recursive) => onHost(FileOperations.createDirectory(path, recursive)),
        getMetadata: (path) => onHost(FileOperations.getMetadata(path)),
        readDirectory: FileOperations.readDirectory,
        remove: (path, options) => onHost(FileOperations.remove(path, options)),
        copy: (sourcePath, destinationPath, recursive) => onHost(FileOperations.copy(sourcePath, destinationPath, recursive)),
        canonicalize: FileOperations.canonicalize,
        walk: FileOperations.walk,
        openFile: FileOperations.openFile
    };
};
//# sourceMappingURL=FsBackend.js.map