import type { EnvironmentCapabilities, EnvironmentInfo } from "../protocol/schema.js";
/** What this server offers besides the base protocol. */
export declare const capabilities: (features: {
    readonly sandboxedFiles: boolean;
    readonly http: boolean;
}) => EnvironmentCapabilities;
/** The environment of this server process. */
export declare const environmentInfo: (options: {
    readonly version: string;
    readonly environment: Readonly<Record<string, string | undefined>>;
    readonly sandboxedFiles: boolean;
    readonly http: boolean;
}) => EnvironmentInfo;
//# sourceMappingURL=environmentInfo.d.ts.map