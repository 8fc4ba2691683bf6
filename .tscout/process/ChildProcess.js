/**
 * The spawner abstraction: what a process actor needs from a running child,
 * whatever backs it (node-pty, child_process, or a test fake). A spawner
 * guarantees the order of a child's events; the actor adds sequencing,
 * retention and policy on top.
 */
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
/** Bytes a child's stdin (a pipe's or a terminal's) may hold that the child has not read yet. */
export const MAX_STDIN_BACKLOG_BYTES = 16 * 1024 * 1024;
/** Whether a write of `bytes` onto `backlog` unread bytes is refused: beyond the bound, but never onto an empty backlog. */
export const stdinBacklogFull = (backlog, bytes) => backlog > 0 && backlog + bytes > MAX_STDIN_BACKLOG_BYTES;
/** Spawns children on a pseudo-terminal (`tty: true`). */
export class PtySpawner extends Context.Tag("effect-exec-server/PtySpawner")() {
}
/** Spawns children with pipes for stdin, stdout and stderr (`tty: false`). */
export class PipeSpawner extends Context.Tag("effect-exec-server/PipeSpawner")() {
}
/**
 * A child's events on their way to its owner: held until the owner listens,
 * then handed over as they happen. An event raised while the sink is still
 * busy with the previous one (the sink paused or resumed the child) waits
 * for it, so the order holds. Closing it drops whatever comes later.
 */
export class ChildEvents {
    sink;
    backlog = [];
    delivering = false;
    closed = false;
    finished = false;
    /** Hands `event` on, or holds it until there is a listener; nothing after `Closed` is. */
    emit(event) {
        if (this.closed || this.finished)
            return;
        if (event._tag === "Closed")
            this.finished = true;
        // Held past this call: output bytes may be in a read buffer that is about to be reused.
        const waits = this.sink === undefined || this.delivering;
        this.backlog.push(waits && event._tag === "Output" ? { ...event, bytes: event.bytes.slice() } : event);
        if (this.sink !== undefined && !this.delivering)
            this.drain(this.sink);
    }
    /** `ChildProcess.listen`. */
    listen(sink) {
        if (this.sink !== undefined)
            throw new Error("a child's events have one listener");
        this.sink = sink;
        this.drain(sink);
    }
    /** Drops the listener and every later event (the child's resources are being released). */
    close() {
        this.closed = true;
        this.sink = undefined;
        this.backlog = [];
    }
    drain(sink) {
        this.delivering = true;
        try {
            while (this.backlog.length > 0 && !this.closed)
                sink(this.backlog.shift());
        }
        finally {
            this.delivering = false;
        }
    }
}
//# sourceMappingURL=ChildProcess.js.map