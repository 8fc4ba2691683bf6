import * as Layer from "effect/Layer";
export { tracesUrlOf } from "./tracesUrl.js";
type Environment = Readonly<Record<string, string | undefined>>;
/** The tracer that exports to `url`, flushing every second and when the layer closes. */
export declare const layerOtlp: (url: string, service: {
    readonly name: string;
    readonly version: string;
}, env: Environment) => Layer.Layer<never, never, never>;
//# sourceMappingURL=tracing.d.ts.map