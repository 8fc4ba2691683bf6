/**
 * The client's processes (`process/*`) on the peer: handles with their event
 * channels (one `ProcessChannel` per process, fed by the server's process
 * notifications), scoped starts, and the exec helpers.
 */
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Stream from "effect/Stream";
import { randomUUID } from "node:crypto";
import { ExecTimeout, TransportClosed } from "./ClientError.js";
import { sandboxField, toBytes } from "./fields.js";
import { ProcessChannel } from "./ProcessChannel.js";
// Process ids live in the session, which two clients of this Node process may share (a resume): numbered process-wide.
let nextProcessNumber = 1;
const envFields = (startOptions) => {
    const policy = startOptions.envPolicy ?? (startOptions.env === undefined ? {} : undefined);
    return {
        env: startOptions.env ?? {},
        ...(policy === undefined ? {} : {
            envPolicy: {
                inherit: policy.inherit ?? "all",
                ignoreDefaultExcludes: policy.ignoreDefaultExcludes ?? false,
                exclude: policy.exclude ?? [],
                includeOnly: policy.includeOnly ?? [],
                set: policy.set ?? {}
            }
        })
    };
};
/** Output and exit status of a handle's events until it closes. */
const collect = (handle, sink) => handle.events.pipe(Stream.runFold(undefined, (status, event) => {
    if (event._tag === "Output")
        (event.stream === "stderr" ? sink.stderr : sink.stdout).push(event.bytes);
    return event._tag === "Exited"
        ? { exitCode: event.exitCode, signal: event.signal, sandboxDenied: event.sandboxDenied }
        : status;
}), Effect.zipWith(handle.exited, (seen, status) => seen ?? status), Effect.map((status) => ({
    ...status,
    stdout: Buffer.concat(sink.stdout),
    stderr: Buffer.concat(sink.stderr)
})));
/** The process API on `peer`; it routes the process notifications to their channels. */
export const make = (peer, options) => {
    const maxBufferedBytes = options.maxBufferedBytesPerProcess ?? 4 * 1024 * 1024;
    /** The channel of each process the client follows, by id. */
    const channels = new Map();
    // The server applies a writeId once per process: ids must not repeat across clients of a session.
    const writeIdPrefix = randomUUID();
    let nextWriteNumber = 1;
    peer.subscribe("process/output", (p) => channels.get(p.processId)?.offer({ _tag: "Output", seq: p.seq, stream: p.stream, bytes: p.chunk }));
    peer.subscribe("process/exited", (p) => channels.get(p.processId)?.offer({
        _tag: "Exited",
        seq: p.seq,
        exitCode: p.exitCode,
        signal: p.signal ?? null,
        sandboxDenied: p.sandboxDenied
    }));
    peer.subscribe("process/closed", (p) => channels.get(p.processId)?.offer({ _tag: "Closed", seq: p.seq }));
    peer.listen({
        // Caught up from each process's last seq.
        resumed: () => {
            for (const channel of channels.values())
                channel.resync();
        },
        shutDown: (error) => {
            for (const channel of [...channels.values()])
                channel.fail(error);
            channels.clear();
        }
    });
    const newChannel = (processId) => {
        const channel = new ProcessChannel({
            processId,
            maxBufferedBytes,
            read: (params) => peer.call("process/read", { processId, ...params }),
            fork: peer.fork,
            onClosed: () => {
                if (channels.get(processId) === channel)
                    channels.delete(processId);
            }
        });
        return channel;
    };
    const handleOf = (channel) => {
        const processId = channel.processId;
        return {
            processId,
            events: channel.events,
            exited: channel.exited,
            write: (data) => peer.call("process/write", { processId, chunk: toBytes(data), writeId: `${writeIdPrefix}-${nextWriteNumber++}` }),
            closeStdin: peer.call("process/closeStdin", { processId }),
            terminate: (terminateOptions = {}) => Effect.map(peer.call("process/terminate", {
                processId,
                mode: terminateOptions.mode ?? "graceful",
                ...(terminateOptions.graceMs === undefined ? {} : { graceMs: terminateOptions.graceMs })
            }), (result) => result.running),
            resize: (size) => Effect.asVoid(peer.call("process/resize", { processId, ...size })),
            signal: (signal) => Effect.map(peer.call("process/signal", { processId, signal }), (result) => result.delivered),
            read: (readOptions = {}) => peer.call("process/read", { processId, ...readOptions })
        };
    };
    const attach = (processId) => {
        let channel = channels.get(processId);
        if (channel === undefined) {
            channel = newChannel(processId);
            if (peer.closed !== undefined)
                channel.fail(peer.closed);
            else {
                channels.set(processId, channel);
                channel.resync();
            }
        }
        return handleOf(channel);
    };
    const startUnscoped = (startOptions) => Effect.gen(function* () {
        const processId = startOptions.processId ?? `client-${process.pid}-${nextProcessNumber++}`;
        const params = {
            processId,
            argv: startOptions.argv,
            ...(startOptions.cwd === undefined ? {} : { cwd: startOptions.cwd }),
            ...envFields(startOptions),
            tty: startOptions.tty ?? false,
            pipeStdin: startOptions.pipeStdin ?? false,
            ...(startOptions.arg0 === undefined ? {} : { arg0: startOptions.arg0 }),
            ...(startOptions.size === undefined ? {} : { size: startOptions.size }),
            ...(yield* sandboxField(startOptions.sandbox, options.sandbox))
        };
        const previous = channels.get(processId);
        // Registered before the request, so that no early event is missed;
        // a channel of an earlier process of that id stays until the server says.
        const channel = newChannel(processId);
        if (previous === undefined)
            channels.set(processId, channel);
        yield* peer.call("process/start", params).pipe(Effect.tapError(() => Effect.sync(() => {
            if (channels.get(processId) === channel)
                channels.delete(processId);
        })));
        if (previous !== undefined) {
            // The server took the id again, so the earlier process is gone: its events were read or are lost.
            previous.fail(new TransportClosed({ message: `process id ${processId} was reused` }));
            channels.set(processId, channel);
            channel.resync();
        }
        return handleOf(channel);
    });
    /** Terminates a process whose owner is done with it, unless it already closed. */
    const release = (handle) => Effect.suspend(() => {
        const channel = channels.get(handle.processId);
        if (channel === undefined || channel.finished || peer.closed !== undefined)
            return Effect.void;
        return handle.terminate().pipe(Effect.timeout("5 seconds"), Effect.ignore);
    });
    const start = (startOptions) => startOptions.detached === true
        ? startUnscoped(startOptions)
        : Effect.acquireRelease(startUnscoped(startOptions), release);
    const communicate = (processId, input) => Effect.gen(function* () {
        const handle = attach(processId);
        if (input !== undefined)
            yield* handle.write(input);
        yield* handle.closeStdin;
        return yield* collect(handle, { stdout: [], stderr: [] });
    });
    const execBytes = (argv, execOptions) => Effect.scoped(Effect.gen(function* () {
        const { encoding: _, input, timeout, ...startOptions } = execOptions;
        const handle = yield* start({ ...startOptions, argv, tty: false, pipeStdin: input !== undefined });
        if (input !== undefined) {
            yield* handle.write(input);
            yield* handle.closeStdin;
        }
        const sink = { stdout: [], stderr: [] };
        const collected = collect(handle, sink);
        if (timeout === undefined)
            return yield* collected;
        return yield* collected.pipe(Effect.timeoutFail({
            duration: timeout,
            onTimeout: () => new ExecTimeout({
                processId: handle.processId,
                message: `${argv[0]} ran longer than ${Duration.format(Duration.decode(timeout))}; it was terminated`,
                stdout: Buffer.concat(sink.stdout),
                stderr: Buffer.concat(sink.stderr)
            })
        }));
    }));
    function exec(argv, options = {}) {
        const result = execBytes(argv, options);
        if (options.encoding !== "utf8")
            return result;
        return Effect.map(result, (bytes) => {
            const decoder = new TextDecoder();
            return { ...bytes, stdout: decoder.decode(bytes.stdout), stderr: decoder.decode(bytes.stderr) };
        });
    }
    return {
        start,
        process: attach,
        list: Effect.map(peer.call("process/list", {}), (result) => result.processes),
        wait: (processId) => attach(processId).exited,
        communicate,
        exec
    };
};
//# sourceMappingURL=process.js.map