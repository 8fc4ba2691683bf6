import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Fiber from "effect/Fiber";
import * as Mailbox from "effect/Mailbox";
import * as Scope from "effect/Scope";
import * as Stream from "effect/Stream";
import * as NodeFs from "node:fs";
import * as Path from "node:path";
import { pathToFileURL } from "node:url";
import { InvalidRequest, NotFound } from "../protocol/errors.js";
import { Slots } from "../process/Slots.js";
import { lstatOf } from "./MissingWatch.js";
import * as Metrics from "../observability/metrics.js";
import { realPathOf } from "../sandbox/policy.js";
import { denied } from "./SandboxedFs.js";
/** Directories one watch may watch. */
export const DEFAULT_MAX_WATCH_DIRECTORIES = 4096;
/** Directories all watches of a server may watch. */
export const DEFAULT_MAX_SERVER_WATCH_DIRECTORIES = 32768;
/**
 * The server's count of watched directories: a watch that would go past it
 * is refused as busy (retryable once others end).
 */
export const watchedDirectorySlots = (limit = DEFAULT_MAX_SERVER_WATCH_DIRECTORIES) => new Slots({
    resource: "watchedDirectories",
    limit,
    setting: `${limit} directories over all of fs/watch`,
    gauge: Metrics.watchedDirectories
});
export const defaultPathWatchOptions = (budget = watchedDirectorySlots()) => ({
    maxWatches: 64,
    maxChanges: 1000,
    coalesceMs: 50,
    maxDirectories: DEFAULT_MAX_WATCH_DIRECTORIES,
    budget
});
/** Directories watched in one go while a recursive watch starts, before the event loop gets a turn. */
const DIRECTORIES_PER_STEP = 64;
/** Lets the event loop run (I/O included) before going on. */
const breathe = Effect.async((resume) => {
    setImmediate(() => resume(Effect.void));
});
/** The net change of a path that changed `before` and then `now`; undefined: no change at all. */
const merge = (before, now) => {
    if (before === undefined)
        return now;
    if (before === "created")
        return now === "removed" ? undefined : "created";
    if (before === "removed")
        return now === "removed" ? "removed" : "modified";
    return now === "removed" ? "removed" : "modified";
};
/** O_PATH (Linux): a descriptor that names a file without opening it (no read access needed; a FIFO does not block). */
const O_PATH = 0o10000000;
const { O_DIRECTORY, O_NOFOLLOW } = NodeFs.constants;
/** A descriptor's name in /proc: the file it names, reached without resolving its path again. */
const procPath = (fd) => `/proc/self/fd/${fd}`;
/**
 * What is at `real` now, if `real` is where it really is: opened without
 * following a final symlink, and kept only when the kernel names the
 * opened file `real` (no symlink on the way to it, not removed since).
 */
const hold = (real, directory) => {
    let fd;
    try {
        fd = NodeFs.openSync(real, O_PATH | O_NOFOLLOW | (directory ? O_DIRECTORY : 0));
    }
    catch {
        return undefined;
    }
    try {
        const stats = NodeFs.fstatSync(fd);
        if (!stats.isSymbolicLink() && NodeFs.readlinkSync(procPath(fd)) === real)
            return { fd, stats };
    }
    catch {
        // Gone meanwhile: nothing is held.
    }
    NodeFs.closeSync(fd);
    return undefined;
};
/**
 * Makes the path watcher of one connection; its watches end with the scope.
 * `notify` sends `fs/changed`; while `flow` says the client is behind,
 * changes are only gathered (a path once, `overflow` past the bound) and go
 * out when it catches up.
 */
export const makePathWatcher = (notify, flow, options = defaultPathWatchOptions()) => Effect.gen(function* () {
    const scope = yield* Effect.scope;
    /** The watches, by id; "starting" while a watch's tree is being watched (the id is taken then). */
    const watches = new Map();
    const watch = (watchId, root, watchOptions) => Effect.gen(function* () {
        // The checks and the claim they guard, with nothing that yields between them.
        if (watches.has(watchId))
            return yield* new InvalidRequest({ message: `watch ${watchId} is already active` });
        if (watches.size >= options.maxWatches) {
            return yield* new InvalidRequest({
                message: `this connection already has ${watches.size} watches, the most allowed; unwatch one first`
            });
        }
        const { recursive, view } = watchOptions;
        let real;
        try {
            real = NodeFs.realpathSync.native(root);
        }
        catch {
            return yield* new NotFound({ message: `fs/watch: no such file or directory: ${root}` });
        }
        // What is watched is what the view shows, as the path resolves now.
        if (view !== undefined && !view.shows(real))
            return yield* denied("fs/watch", root, false);
        watches.set(watchId, "starting");
        /** Whether the id is still this watch's: an unwatch while it starts ends it. */
        const stillWanted = () => watches.get(watchId) === "starting";
        const events = yield* Mailbox.make();
        const watched = new Map();
        const realOf = (rel) => rel === "" ? real : Path.join(real, rel);
        const childOf = (rel, name) => rel === "" ? name : `${rel}/${name}`;
        let pending = new Map();
        let overflow = false;
        /** Records a change of `rel`, unless the view hides `judged` (where that change is, really). */
        const report = (rel, kind, judged) => {
            if (view !== undefined && !view.shows(judged))
                return;
            const uri = pathToFileURL(Path.join(root, rel)).href;
            if (!pending.has(uri) && pending.size >= options.maxChanges) {
                overflow = true;
                return;
            }
            pending.set(uri, merge(pending.get(uri), kind));
        };
        /** A symlink is judged by where it leads; anything else is where it is. */
        const judgedOf = (entryReal, stats) => stats?.isSymbolicLink() ? realPathOf(entryReal) : entryReal;
        /** Stops watching `rel` and everything watched below it. */
        const forget = (rel) => {
            for (const [key, entry] of watched) {
                if (rel === "" || key === rel || key.startsWith(rel + "/")) {
                    entry.closed = true;
                    entry.watcher?.close();
                    watched.delete(key);
                    options.budget.release();
                }
            }
        };
        /**
         * Watches `rel` (the root, or a directory below it) and returns the
         * directories in it still to watch when recursive. `announce`: it
         * appeared after the watch began, so what is in it already is
         * reported as created (it may have come before its watcher). Past
         * the watch's or the server's bound nothing more is watched:
         * `exceeded` says which, and the next notification says `overflow`.
         */
        let exceeded;
        const start = (rel, announce) => {
            const entryReal = realOf(rel);
            if (rel !== "" && view !== undefined && !view.showsAnythingAt(entryReal))
                return [];
            if (watched.size >= options.maxDirectories || !options.budget.tryTake()) {
                exceeded ??= watched.size >= options.maxDirectories ? "watch" : "server";
                overflow = true;
                return [];
            }
            const held = hold(entryReal, rel !== "");
            if (held === undefined) {
                options.budget.release();
                if (rel === "")
                    throw new NotFound({ message: `fs/watch: no such file or directory: ${root}` });
                return [];
            }
            const directory = held.stats.isDirectory();
            const entry = {
                rel,
                real: entryReal,
                directory,
                dev: held.stats.dev,
                ino: held.stats.ino,
                watcher: undefined,
                closed: false
            };
            let names = [];
            try {
                // Registered now, before the listing and the answer: nothing that changes after it is missed.
                // Watched through the descriptor (its inode, whatever path leads there now); "/." makes the
                // directory's events about itself name ".", which no entry can be called.
                const watcher = NodeFs.watch(directory ? `${procPath(held.fd)}/.` : procPath(held.fd), (type, name) => {
                    events.unsafeOffer([entry, type, name === null ? null : name.toString()]);
                });
                entry.watcher = watcher;
                watched.set(rel, entry);
                watcher.on("error", () => events.unsafeOffer([entry, "error", null]));
            }
            catch (error) {
                NodeFs.closeSync(held.fd);
                options.budget.release();
                if (rel === "") {
                    throw new InvalidRequest({ message: `fs/watch ${root}: ${error instanceof Error ? error.message : String(error)}` });
                }
                return [];
            }
            try {
                if (recursive && directory)
                    names = NodeFs.readdirSync(procPath(held.fd), { withFileTypes: true });
            }
            catch {
                // Not listable: only what changes in it from now on is seen.
            }
            finally {
                NodeFs.closeSync(held.fd);
            }
            const below = [];
            for (const dirent of names) {
                const childRel = childOf(rel, dirent.name);
                if (announce)
                    report(childRel, "created", judgedOf(realOf(childRel), dirent));
                if (dirent.isDirectory())
                    below.push(childRel);
            }
            return below;
        };
        /** Watches `rel` and, when recursive, everything below it now, in one go (a directory that came later). */
        const startAll = (rel) => {
            const pending = [rel];
            for (let next = pending.pop(); next !== undefined; next = pending.pop())
                pending.push(...start(next, true));
        };
        /** `entry` is not at its place any more: the root's watch is over (said as its change); a directory's stops. */
        const gone = (entry) => {
            if (entry.rel !== "")
                return forget(entry.rel);
            const now = hold(real, false);
            if (now !== undefined)
                NodeFs.closeSync(now.fd);
            report("", now === undefined ? "removed" : "modified", real);
            forget("");
            events.unsafeDone(Exit.void);
        };
        /**
         * Where a watched directory (or file) is now: held if it is still the
         * inode watched, at its real place; looked up once for all the events
         * taken together (each came before the look, as one looked up per
         * event would).
         */
        const placeOf = (entry, places) => {
            if (places.has(entry))
                return places.get(entry);
            let here = hold(entry.real, entry.directory);
            if (here !== undefined && (here.stats.ino !== entry.ino || here.stats.dev !== entry.dev)) {
                NodeFs.closeSync(here.fd);
                here = undefined;
            }
            places.set(entry, here);
            return here;
        };
        const handle = ([entry, type, name], places) => {
            if (entry.closed)
                return;
            // The event counts only if what it came from is still the inode watched, at its real place.
            const here = type === "error" ? undefined : placeOf(entry, places);
            if (here === undefined)
                return gone(entry);
            if (!entry.directory || name === null || name === ".") {
                // The watched file, or a directory itself (its contents are its entries' events).
                if (!entry.directory || type === "change")
                    report(entry.rel, "modified", entry.real);
                return;
            }
            const rel = childOf(entry.rel, name);
            // Looked up in the directory the event came from, not by its path again.
            const stats = lstatOf(`${procPath(here.fd)}/${name}`);
            // "rename" says a name came or went: which one, the file system says.
            report(rel, type === "change" ? "modified" : stats === undefined ? "removed" : "created", judgedOf(Path.join(entry.real, name), stats));
            if (recursive && type === "rename") {
                const known = watched.get(rel);
                if (known !== undefined &&
                    (stats === undefined || !stats.isDirectory() || stats.ino !== known.ino || stats.dev !== known.dev))
                    forget(rel);
                if (stats?.isDirectory() && !watched.has(rel))
                    startAll(rel);
            }
        };
        /** The events taken together. */
        const handleAll = (chunk) => Effect.sync(() => {
            const places = new Map();
            try {
                for (const event of chunk)
                    handle(event, places);
            }
            finally {
                for (const here of places.values())
                    if (here !== undefined)
                        NodeFs.closeSync(here.fd);
            }
            return chunk;
        });
        // The tree is watched a few directories at a time, the event loop
        // running between them: a large tree never stalls other clients. Its
        // events wait in the mailbox until the watch runs.
        const starting = [];
        const startFailed = yield* Effect.gen(function* () {
            starting.push(...yield* Effect.try({
                try: () => start("", false),
                catch: (error) => error
            }));
            while (starting.length > 0 && exceeded === undefined && stillWanted()) {
                for (let step = 0; step < DIRECTORIES_PER_STEP && starting.length > 0 && exceeded === undefined; step++) {
                    starting.push(...start(starting.pop(), false));
                }
                yield* breathe;
            }
            if (exceeded === "watch") {
                return new InvalidRequest({
                    message: `fs/watch ${root}: the tree has more than ${options.maxDirectories} directories, the most one watch ` +
                        "covers; watch a smaller tree, or without recursive"
                });
            }
            if (exceeded === "server") {
                return options.budget.refusal(`fs/watch ${root}: the server already watches ${options.budget.inUse} directories`);
            }
            return undefined;
        }).pipe(Effect.onExit((exit) => Effect.sync(() => {
            if (Exit.isSuccess(exit) && exit.value === undefined && stillWanted())
                return;
            forget("");
            if (stillWanted())
                watches.delete(watchId);
        })));
        if (startFailed !== undefined)
            return yield* startFailed;
        // Unwatched while it started: that answer is given, nothing is left.
        if (!stillWanted())
            return;
        const flush = Effect.sync(() => {
            if (flow.paused())
                return;
            const changes = [...pending].flatMap(([path, kind]) => kind === undefined ? [] : [{ path, kind }]);
            const overflowed = overflow;
            pending = new Map();
            overflow = false;
            if (changes.length > 0 || overflowed)
                notify({ watchId, changes, overflow: overflowed });
        });
        const unsubscribe = flow.subscribe((paused) => {
            if (!paused)
                Effect.runSync(flush);
        });
        const run = Mailbox.toStream(events).pipe(Stream.mapChunksEffect(handleAll), 
        // Gathered for a while (or until there are many), then sent as one notification.
        Stream.groupedWithin(options.maxChanges, Duration.millis(options.coalesceMs)), Stream.runForEach(() => flush), Effect.ensuring(Effect.sync(() => {
            unsubscribe();
            forget("");
        })));
        const fiber = yield* Effect.forkIn(run, scope);
        if (stillWanted())
            watches.set(watchId, fiber);
        else
            yield* Fiber.interrupt(fiber);
    });
    const unwatch = (watchId) => Effect.suspend(() => {
        const fiber = watches.get(watchId);
        watches.delete(watchId);
        return fiber === undefined || fiber === "starting" ? Effect.void : Fiber.interrupt(fiber);
    });
    return { watch, unwatch };
});
//# sourceMappingURL=PathWatch.js.map