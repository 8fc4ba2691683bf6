export interface NativeAddon {
    /** Whether this kernel has pidfds (Linux ≥ 5.3), which `spawn` needs. */
    readonly supported: () => boolean;
    /** posix_spawn in a session of its own; see native/spawn.c. */
    readonly spawn: (file: string, argv: ReadonlyArray<string>, env: ReadonlyArray<string>, cwd: string | null, pipeStdin: boolean, onExit: (code: number, signal: number) => void) => [pid: number, stdin: number, stdout: number, stderr: number];
    /**
     * Reads a child's stdout and stderr on the event loop; see native/output.c.
     * `onOutput(stream, bytesRead)`: stream 1 or 2; bytesRead > 0 bytes at the
     * start of `buffer`, valid during the call; 0 when that stream has ended.
     * The watch owns both descriptors.
     */
    readonly watchOutput: (stdoutFd: number, stderrFd: number, buffer: Buffer, onOutput: (stream: 1 | 2, bytesRead: number) => void) => OutputWatch;
    /** Stops reading both streams until `resumeOutput`. */
    readonly pauseOutput: (watch: OutputWatch) => void;
    readonly resumeOutput: (watch: OutputWatch) => void;
    /** Closes what is still open, at once; `onOutput` is not called again. */
    readonly closeOutput: (watch: OutputWatch) => void;
    /** Writes `source` in base64 (as Node's "base64") at `target[offset]`; returns the characters written. */
    readonly encodeBase64Into: (source: Uint8Array, target: Uint8Array, offset: number) => number;
    /** Whether `encodeBase64Into` uses AVX2 on this CPU (absent from an addon built before it was added). */
    readonly base64Avx2?: () => boolean;
}
/** A handle on a child's output streams in the addon (opaque). */
export type OutputWatch = {
    readonly OutputWatch: unique symbol;
};
/** The environment variable that switches the addon off: `0` off; `1` (or unset) on, where it is built. */
export declare const NATIVE_ENV = "EXEC_SERVER_NATIVE";
/** What `EXEC_SERVER_NATIVE` says in `env`: whether to use the addon; undefined for a value other than `0` or `1`. */
export declare const nativeSwitchOf: (env: Readonly<Record<string, string | undefined>>) => boolean | undefined;
/** Whether the addon is in use (`loaded`), switched off (`off`), or could not be loaded (`missing`). */
export type NativeAddonState = "loaded" | "off" | "missing";
/** The addon, loaded on the first call; undefined when it is switched off or was not built. */
export declare const nativeAddon: () => NativeAddon | undefined;
/** The addon when it can start children here (built, on, and the kernel has pidfds). */
export declare const nativeSpawner: () => NativeAddon | undefined;
/**
 * Switches the addon off for this process, as `EXEC_SERVER_NATIVE=0` does
 * (the server's `--no-native`). Throws once the addon is in use: call it
 * before the first pipe spawn or output chunk.
 */
export declare const turnOffNativeAddon: () => void;
/** Which ways of starting pipe children, reading their output and encoding it are in use. */
export interface NativeUse {
    readonly addon: NativeAddonState;
    /** How the pipe spawner starts children by default. */
    readonly spawn: "posix_spawn" | "child_process";
    /** How pipe children's output is read: by the addon, or through Node's streams. */
    readonly output: "addon" | "streams";
    /** How output is encoded: the addon's AVX2 or table loop, or Node's `Buffer#toString`. */
    readonly base64: "avx2" | "addon" | "node";
}
/** What is in use here (loads the addon if it was not yet). */
export declare const nativeUse: () => NativeUse;
//# sourceMappingURL=addon.d.ts.map