/**
 * Children started with posix_spawn through our small addon (native/spawn.c)
 * instead of Node's child_process, whose fork() costs CPU in proportion to the
 * server's memory. To the pipe spawner the child looks much like Node's:
 * `pid`, stdin as a socket, `exit` and then `close` once the output has
 * ended; stdout and stderr are read by the addon (native/output.c).
 */
import { EventEmitter } from "node:events";
import { closeSync } from "node:fs";
import * as Net from "node:net";
import { nativeSpawner } from "../native/addon.js";
import { killProcessGroup, signalName } from "./signals.js";
/**
 * Whether children can be started with posix_spawn here: the addon is built
 * and not switched off, and this kernel has pidfds; otherwise Node's
 * child_process is used.
 */
export const posixSpawnAvailable = () => nativeSpawner() !== undefined;
/**
 * One read buffer for the output of every child: each read is handed to
 * `onOutput` within the read's own callback, before the next read anywhere
 * (the loop reads one stream at a time), so nothing is allocated per read
 * and a live process holds no buffer while it is quiet. A consumer that
 * keeps the bytes copies them (see `ChildEvent`).
 */
const READ_BUFFER_BYTES = 64 * 1024;
let sharedReadBuffer;
/**
 * Starts a child in a session of its own with stdout and stderr as pipes and
 * stdin a pipe or /dev/null. Throws like Node's spawn (an Error with `code`).
 */
export const spawn = (options) => {
    const addon = nativeSpawner();
    if (addon === undefined)
        throw new Error("posix_spawn is not available");
    const env = [];
    for (const name in options.env)
        env.push(`${name}=${options.env[name]}`);
    const child = new EventEmitter();
    let exit;
    let openStreams = 2;
    const closeWhenDone = () => {
        if (exit !== undefined && openStreams === 0)
            child.emit("close", exit.code, exit.signal);
    };
    const [pid, stdinFd, stdoutFd, stderrFd] = addon.spawn(options.file, options.argv, env, options.cwd, options.pipeStdin, (code, signal) => {
        // -1: the status was lost (something else reaped the child); it is not reported as a success.
        exit = signal !== 0 ? { code: null, signal: signalName(signal) } : { code, signal: null };
        child.emit("exit", exit.code, exit.signal);
        closeWhenDone();
    });
    const buffer = (sharedReadBuffer ??= Buffer.allocUnsafeSlow(READ_BUFFER_BYTES));
    let watch;
    try {
        watch = addon.watchOutput(stdoutFd, stderrFd, buffer, (stream, bytesRead) => {
            if (bytesRead > 0) {
                options.onOutput(stream === 1 ? "stdout" : "stderr", buffer.subarray(0, bytesRead));
                return;
            }
            openStreams--;
            closeWhenDone();
        });
    }
    catch (error) {
        // Not a child we can read: it does not run on (the addon closed both descriptors).
        killProcessGroup(pid, "SIGKILL");
        if (stdinFd >= 0)
            closeSync(stdinFd);
        throw error;
    }
    let destroyed = false;
    child.pid = pid;
    child.pauseOutput = () => addon.pauseOutput(watch);
    child.resumeOutput = () => addon.resumeOutput(watch);
    child.destroyOutput = () => {
        if (destroyed || openStreams === 0)
            return;
        destroyed = true;
        addon.closeOutput(watch);
        openStreams = 0;
        // A tick later, as a destroyed stream's `close`: never within the caller's own turn.
        process.nextTick(closeWhenDone);
    };
    child.stdin = stdinFd < 0 ? null : new Net.Socket({ fd: stdinFd, readable: false, writable: true });
    return child;
};
//# sourceMappingURL=posixSpawn.js.map