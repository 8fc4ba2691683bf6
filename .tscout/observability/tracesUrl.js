/** Where spans go, from `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT`; undefined: tracing is off. */
export const tracesUrlOf = (env) => {
    if (env.OTEL_SDK_DISABLED === "true" || env.OTEL_TRACES_EXPORTER === "none")
        return undefined;
    const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
    if (traces !== undefined && traces !== "")
        return traces;
    const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
    return base === undefined || base === "" ? undefined : `${base.replace(/\/+$/, "")}/v1/traces`;
};
//# sourceMappingURL=tracesUrl.js.map