/**
 * The host as `environment/info` describes it, in the reference's shape:
 * the login shell, directories as `file://` URIs, and the capabilities this
 * server implements (a client turns features on from those flags, so none
 * is claimed that is not here).
 */
import * as Os from "node:os";
import * as Path from "node:path";
import { pathToFileURL } from "node:url";
const uri = (path) => pathToFileURL(path).href;
/** The platform names the reference uses. */
const platformOs = (platform) => platform === "darwin" ? "macos" : platform === "win32" ? "windows" : platform;
let shellOfUser;
/** The user's login shell (from the password database, read once), else `sh`. */
const loginShell = () => (shellOfUser ??= readLoginShell());
const readLoginShell = () => {
    let path = "/bin/sh";
    try {
        const shell = Os.userInfo().shell;
        if (shell !== null && shell !== "" && !shell.endsWith("/nologin") && !shell.endsWith("/false"))
            path = shell;
    }
    catch {
        // No password entry for this user: the POSIX shell.
    }
    return { name: Path.basename(path), path };
};
/** What this server offers besides the base protocol. */
export const capabilities = (features) => ({
    networkProxyLaunch: false,
    networkProxyReviewDomains: false,
    credentialMasking: false,
    credentialMaskingCustomProviders: false,
    capabilityDiscoverySandbox: false,
    fsWatchMissing: true,
    capabilityDiscoveryV2: false,
    environmentConfigRead: false,
    httpHeaderEnvVars: features.http,
    sandboxedFileStreaming: features.sandboxedFiles,
    fileWriteStreaming: true,
    shellSnapshotV2: false,
    windowsMxc: false
});
/** The environment of this server process. */
export const environmentInfo = (options) => {
    const tmpdir = options.environment.TMPDIR;
    return {
        shell: loginShell(),
        executorVersion: options.version,
        cwd: uri(process.cwd()),
        userHomeDir: uri(Os.homedir()),
        platformOs: platformOs(process.platform),
        temporaryDirectories: tmpdir === undefined || tmpdir === "" ? [] : [uri(Path.resolve(tmpdir))],
        tempDir: uri(Os.tmpdir()),
        capabilities: capabilities({ sandboxedFiles: options.sandboxedFiles, http: options.http })
    };
};
//# sourceMappingURL=environmentInfo.js.map