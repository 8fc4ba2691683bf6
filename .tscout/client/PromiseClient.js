import * as Cause from "effect/Cause";
import * as Chunk from "effect/Chunk";
import * as Effect from "effect/Effect";
import * as ExecutionStrategy from "effect/ExecutionStrategy";
import * as Exit from "effect/Exit";
import * as Fiber from "effect/Fiber";
import * as Option from "effect/Option";
import * as Scope from "effect/Scope";
import * as Stream from "effect/Stream";
import * as ClientTransport from "./ClientTransport.js";
import * as ExecServerClient from "./ExecServerClient.js";
/** Node 20 has it only when polyfilled; the registered symbol is what polyfills use. */
const asyncDispose = Symbol.asyncDispose ??
    Symbol.for("Symbol.asyncDispose");
// A record over the union's tags, so that a new error type fails to compile until it is listed.
const CLIENT_ERROR_TAGS = {
    ConnectTimeout: true,
    Unauthorized: true,
    Forbidden: true,
    EnvironmentNotFound: true,
    InitializeTimeout: true,
    TransportClosed: true,
    ReconnectFailed: true,
    ServerError: true,
    ProtocolError: true,
    RequestTooLarge: true,
    UnknownProcess: true,
    ExecTimeout: true,
    InvalidRequest: true,
    InvalidParams: true,
    MethodNotFound: true,
    InternalError: true,
    NotFound: true,
    SandboxDenied: true,
    SandboxUnavailable: true,
    SpawnNotFound: true,
    ServerBusy: true
};
/** Whether a rejection is one of the client's tagged errors (narrow further by `_tag`). */
export const isClientError = (error) => error instanceof Error && "_tag" in error && typeof error._tag === "string" && Object.hasOwn(CLIENT_ERROR_TAGS, error._tag);
/** What an aborted `signal` rejects with; `cause` is the signal's `reason`. */
export class AbortError extends Error {
    name = "AbortError";
    code = "ABORT_ERR";
    constructor(reason) {
        super("The operation was aborted", { cause: reason });
    }
}
const rejectionOf = (cause, signal) => {
    const failure = Cause.failureOption(cause);
    if (Option.isSome(failure))
        return failure.value;
    if (signal?.aborted === true && Cause.isInterruptedOnly(cause))
        return new AbortError(signal.reason);
    return Cause.squash(cause);
};
/** Runs an effect of the Effect client; an abort interrupts it, and it rejects once the interruption is done. */
const run = (effect, signal) => {
    if (signal?.aborted === true)
        return Promise.reject(new AbortError(signal.reason));
    return Effect.runPromiseExit(effect, signal === undefined ? undefined : { signal }).then((exit) => {
        if (Exit.isSuccess(exit))
            return exit.value;
        throw rejectionOf(exit.cause, signal);
    });
};
const promised = (f) => (...args) => run(f(...args));
class ProcessImpl {
    handle;
    scope;
    buffered = [];
    ended = false;
    iterating = false;
    exitedPromise;
    closing;
    /** `scope`: the one the handle was started in (closing it terminates the process unless detached). */
    constructor(handle, scope) {
        this.handle = handle;
        this.scope = scope;
    }
    get processId() {
        return this.handle.processId;
    }
    // Made on first use: a rejection nobody asked for must not become an unhandled one.
    get exited() {
        return this.exitedPromise ??= run(this.handle.exited);
    }
    events() {
        return { [Symbol.asyncIterator]: () => this.iterate() };
    }
    /** Pulls the stream chunk by chunk; events of a chunk a loop left unread stay for the next loop. */
    async *iterate() {
        if (this.iterating)
            throw new Error(`the events of process ${this.processId} are already being read`);
        this.iterating = true;
        const pullScope = Effect.runSync(Scope.make());
        try {
            const pull = await run(Scope.extend(Stream.toPull(this.handle.events), pullScope));
            while (true) {
                const next = this.buffered.shift();
                if (next !== undefined) {
                    yield next;
                    continue;
                }
                if (this.ended)
                    return;
                const exit = await Effect.runPromiseExit(pull);
                if (Exit.isSuccess(exit)) {
                    this.buffered.push(...Chunk.toReadonlyArray(exit.value));
                    continue;
                }
                // The pull fails with `None` at the end of the stream.
                const failure = Cause.failureOption(exit.cause);
                if (Option.isNone(failure))
                    throw Cause.squash(exit.cause);
                if (Option.isSome(failure.value))
                    throw failure.value.value;
                this.ended = true;
                return;
            }
        }
        finally {
            this.iterating = false;
            await Effect.runPromise(Scope.close(pullScope, Exit.void));
        }
    }
    write(data) {
        return run(this.handle.write(data));
    }
    closeStdin() {
        return run(this.handle.closeStdin);
    }
    terminate(options) {
        return run(this.handle.terminate(options));
    }
    resize(size) {
        return run(this.handle.resize(size));
    }
    signal(signal) {
        return run(this.handle.signal(signal));
    }
    read(options) {
        return run(this.handle.read(options));
    }
    close() {
        const scope = this.scope;
        if (scope === undefined)
            return Promise.resolve();
        return this.closing ??= run(Scope.close(scope, Exit.void));
    }
    [asyncDispose]() {
        return this.close();
    }
}
class ClientImpl {
    client;
    scope;
    closing;
    fs;
    http;
    constructor(client, scope) {
        this.client = client;
        this.scope = scope;
        const fs = client.fs;
        this.fs = {
            readFile: promised(fs.readFile),
            writeFile: promised(fs.writeFile),
            createDirectory: promised(fs.createDirectory),
            getMetadata: promised(fs.getMetadata),
            readDirectory: promised(fs.readDirectory),
            remove: promised(fs.remove),
            copy: promised(fs.copy),
            canonicalize: promised(fs.canonicalize),
            walk: promised(fs.walk),
            readFileStream: (path, options) => Stream.toAsyncIterable(fs.readFileStream(path, options)),
            watch: (path, options) => Stream.toAsyncIterable(fs.watch(path, options)),
            watchMissing: (missing, options) => this.scoped((scope) => Effect.map(fs.watchMissing(missing, options).pipe(Scope.extend(scope)), (watch) => ({
                watching: watch.watching,
                changed: run(watch.changed)
            })))
        };
        this.http = {
            request: promised(client.http.request),
            stream: (request) => this.scoped((scope) => Effect.map(client.http.stream(request).pipe(Scope.extend(scope)), (response) => ({
                ...response,
                body: Stream.toAsyncIterable(response.body)
            })))
        };
    }
    /** Runs `make` in a scope of its own under the client's, closed by the result's `close()` (or with the client). */
    scoped(make) {
        return run(Effect.gen(this, function* () {
            const scope = yield* Scope.fork(this.scope, ExecutionStrategy.sequential);
            const value = yield* make(scope).pipe(Effect.tapErrorCause(() => Scope.close(scope, Exit.void)));
            let closing;
            return Object.assign(value, { close: () => closing ??= run(Scope.close(scope, Exit.void)) });
        }));
    }
    environment() {
        return run(this.client.environment);
    }
    get sessionId() {
        return this.client.sessionId;
    }
    get server() {
        return this.client.server;
    }
    exec(argv, options = {}) {
        const { signal, ...execOptions } = options;
        return run(this.client.exec(argv, execOptions), signal);
    }
    async start(options) {
        const { signal, ...startOptions } = options;
        // A child of the client's scope: closing the client closes it (before the connection, forked later).
        const scope = Effect.runSync(Scope.fork(this.scope, ExecutionStrategy.sequential));
        let handle;
        try {
            // The start itself is not interruptible: an abort meanwhile terminates the process once started.
            handle = await run(Scope.extend(this.client.start(startOptions), scope), signal);
        }
        catch (error) {
            await run(Scope.close(scope, Exit.void));
            throw error;
        }
        const started = new ProcessImpl(handle, scope);
        if (signal !== undefined) {
            const onAbort = () => void started.close();
            signal.addEventListener("abort", onAbort, { once: true });
            Effect.runSync(Scope.addFinalizer(scope, Effect.sync(() => signal.removeEventListener("abort", onAbort))));
            if (signal.aborted) {
                await started.close();
                throw new AbortError(signal.reason);
            }
        }
        return started;
    }
    process(processId) {
        return new ProcessImpl(this.client.process(processId));
    }
    list() {
        return run(this.client.list);
    }
    wait(processId) {
        return run(this.client.wait(processId));
    }
    communicate(processId, input) {
        return run(this.client.communicate(processId, input));
    }
    call(method, params) {
        return run(this.client.call(method, params));
    }
    close() {
        return this.closing ??= run(Scope.close(this.scope, Exit.void));
    }
    [asyncDispose]() {
        return this.close();
    }
}
/**
 * Makes a client in a scope of its own. An abort rejects at once, even while
 * the transport is in a step it cannot leave early; the attempt is cleaned
 * up as soon as it ends.
 */
const open = (connector, options, signal) => {
    if (signal?.aborted === true)
        return Promise.reject(new AbortError(signal.reason));
    const scope = Effect.runSync(Scope.make());
    const closeScope = () => Effect.runPromise(Scope.close(scope, Exit.void));
    return new Promise((resolve, reject) => {
        const fiber = Effect.runFork(Scope.extend(ExecServerClient.make(connector, options), scope));
        const onAbort = () => {
            reject(new AbortError(signal?.reason));
            void Effect.runPromise(Fiber.interrupt(fiber)).then(closeScope);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        fiber.addObserver((exit) => {
            signal?.removeEventListener("abort", onAbort);
            if (signal?.aborted === true)
                return;
            if (Exit.isSuccess(exit))
                return resolve(new ClientImpl(exit.value, scope));
            const rejection = rejectionOf(exit.cause, signal);
            void closeScope().then(() => reject(rejection));
        });
    });
};
/** Connects to a server over WebSocket (`ws://` or `wss://`). */
export const connect = (url, options = {}) => {
    const { signal, token, tokenFile, connectTimeoutMs, ...clientOptions } = options;
    const transport = ClientTransport.webSocket({
        url,
        ...(token === undefined ? {} : { token }),
        ...(tokenFile === undefined ? {} : { tokenFile }),
        ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs })
    });
    return open(transport, clientOptions, signal);
};
/**
 * Connects through any connector, as `connect` does through a WebSocket: a
 * NATS environment's (`NatsConnector.make`, or `NatsConnector.connectPromise`).
 */
export const connectWith = (connector, options = {}) => {
    const { signal, ...clientOptions } = options;
    return open(connector, clientOptions, signal);
};
/** Spawns a server of its own and talks to it over its stdio; closing the client stops the server. */
export const spawnLocal = (options = {}) => {
    const { signal, ...rest } = options;
    return open(ClientTransport.spawnLocal(rest), { ...rest, reconnect: false }, signal);
};
//# sourceMappingURL=PromiseClient.js.map