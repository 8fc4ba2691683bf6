/** What the sandbox reads of /proc: links, directories and a process's children, each absent rather than thrown when it is gone. */
import * as Fs from "node:fs";
/** Where a symlink (a /proc link too) points, or undefined. */
export const linkTarget = (path) => {
    try {
        return Fs.readlinkSync(path);
    }
    catch {
        return undefined;
    }
};
/** The names in a directory, or none. */
export const directoryEntries = (path) => {
    try {
        return Fs.readdirSync(path);
    }
    catch {
        return [];
    }
};
/** The children of every thread of `pid` (a child belongs to the thread that started it). */
export const childrenOf = (pid) => directoryEntries(`/proc/${pid}/task`).flatMap((task) => {
    try {
        return Fs.readFileSync(`/proc/${pid}/task/${task}/children`, "latin1").split(" ").filter((text) => text !== "").map(Number);
    }
    catch {
        return [];
    }
});
//# sourceMappingURL=procfs.js.map