/** Server-wide settings: limits, grace and retention periods, and what `initialize` reports. */
import * as Context from "effect/Context";
import * as Layer from "effect/Layer";
import * as Record from "effect/Record";
import { createRequire } from "node:module";
import { configFlags } from "./ServerFlags.js";
const packageJson = createRequire(import.meta.url)("../../package.json");
/** The settings of the running server. */
export class ServerConfig extends Context.Tag("effect-exec-server/ServerConfig")() {
}
export { descriptorLimits, openFileLimit } from "./descriptorLimits.js";
/** The defaults of the flags (the process and handle limits derived from this process's open-file limit). */
export const defaults = {
    ...Record.map(configFlags, (flag) => flag.default),
    serverName: packageJson.name,
    serverVersion: packageJson.version
};
/** The package version, as `--version` and `serverInfo` report it. */
export const version = packageJson.version;
/** Provides the defaults with some settings overridden. */
export const layer = (overrides = {}) => Layer.succeed(ServerConfig, { ...defaults, ...overrides });
//# sourceMappingURL=ServerConfig.js.map