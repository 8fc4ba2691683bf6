/** Whether and where to send traces, from the standard OpenTelemetry variables (no exporter loaded here). */
export type Environment = Readonly<Record<string, string | undefined>>;
/** Where spans go, from `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT`; undefined: tracing is off. */
export declare const tracesUrlOf: (env: Environment) => string | undefined;
//# sourceMappingURL=tracesUrl.d.ts.map