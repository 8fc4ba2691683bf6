/**
 * Traces over OTLP (HTTP, JSON) through @effect/opentelemetry, configured by
 * the standard OpenTelemetry variables; off (and free) when none is set.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient";
import * as OtlpSerialization from "@effect/opentelemetry/OtlpSerialization";
import * as OtlpTracer from "@effect/opentelemetry/OtlpTracer";
import * as Layer from "effect/Layer";
export { tracesUrlOf } from "./tracesUrl.js";
/** `OTEL_EXPORTER_OTLP_HEADERS` (`k=v,k2=v2`, values URL-encoded). */
const headersOf = (env) => Object.fromEntries((env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? env.OTEL_EXPORTER_OTLP_HEADERS ?? "").split(",").flatMap((pair) => {
    const equals = pair.indexOf("=");
    return equals <= 0 ? [] : [[pair.slice(0, equals).trim(), decodeURIComponent(pair.slice(equals + 1).trim())]];
}));
/** The tracer that exports to `url`, flushing every second and when the layer closes. */
export const layerOtlp = (url, service, env) => OtlpTracer.layer({
    url,
    resource: { serviceName: env.OTEL_SERVICE_NAME ?? service.name, serviceVersion: service.version },
    headers: headersOf(env),
    exportInterval: "1 second"
}).pipe(Layer.provide(OtlpSerialization.layerJson), Layer.provide(NodeHttpClient.layer));
//# sourceMappingURL=tracing.js.map