/**
 * Our native addon (native/*.c), built by `npm install` on Linux: posix_spawn
 * with pidfd exit watching, children's output read without net.Socket, and
 * base64 straight into a buffer. It is loaded when first needed (the first
 * pipe spawn or output chunk), unless `EXEC_SERVER_NATIVE=0` or
 * `turnOffNativeAddon` switched it off; where it is off or was not built
 * (another OS, no C compiler) its users fall back on Node's own means. The
 * path is the same from src/, dist/ and the bundled binary in dist/cli/.
 */
import { createRequire } from "node:module";
/** The environment variable that switches the addon off: `0` off; `1` (or unset) on, where it is built. */
export const NATIVE_ENV = "EXEC_SERVER_NATIVE";
/** What `EXEC_SERVER_NATIVE` says in `env`: whether to use the addon; undefined for a value other than `0` or `1`. */
export const nativeSwitchOf = (env) => {
    const value = env[NATIVE_ENV];
    return value === undefined || value === "1" ? true : value === "0" ? false : undefined;
};
let turnedOff = false;
let resolved;
const resolve = () => {
    // Only `0` switches it off here; the command line refuses other values than `0` and `1`.
    if (turnedOff || nativeSwitchOf(process.env) === false)
        return { state: "off", addon: undefined, spawner: undefined };
    let addon;
    try {
        addon = createRequire(import.meta.url)(new URL("../../build/Release/exec_server_native.node", import.meta.url).pathname);
    }
    catch {
        return { state: "missing", addon: undefined, spawner: undefined };
    }
    return { state: "loaded", addon, spawner: addon.supported() ? addon : undefined };
};
/** The addon, loaded on the first call; undefined when it is switched off or was not built. */
export const nativeAddon = () => (resolved ??= resolve()).addon;
/** The addon when it can start children here (built, on, and the kernel has pidfds). */
export const nativeSpawner = () => (resolved ??= resolve()).spawner;
/**
 * Switches the addon off for this process, as `EXEC_SERVER_NATIVE=0` does
 * (the server's `--no-native`). Throws once the addon is in use: call it
 * before the first pipe spawn or output chunk.
 */
export const turnOffNativeAddon = () => {
    if (resolved?.addon !== undefined)
        throw new Error("the native addon is already in use");
    turnedOff = true;
    resolved = undefined;
};
/** What is in use here (loads the addon if it was not yet). */
export const nativeUse = () => {
    const { addon, spawner, state } = (resolved ??= resolve());
    return {
        addon: state,
        spawn: spawner === undefined ? "child_process" : "posix_spawn",
        output: spawner === undefined ? "streams" : "addon",
        base64: addon === undefined ? "node" : addon.base64Avx2?.() === true ? "avx2" : "addon"
    };
};
//# sourceMappingURL=addon.js.map