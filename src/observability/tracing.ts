/**
 * Traces over OTLP (HTTP, JSON) through `effect/observability`, configured by
 * the standard OpenTelemetry variables; off (and free) when none is set.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Layer from "effect/Layer"
import * as OtlpSerialization from "effect/observability/OtlpSerialization"
import * as OtlpTracer from "effect/observability/OtlpTracer"

export { tracesUrlOf } from "./tracesUrl.js"

type Environment = Readonly<Record<string, string | undefined>>

/** `OTEL_EXPORTER_OTLP_HEADERS` (`k=v,k2=v2`, values URL-encoded). */
const headersOf = (env: Environment): Record<string, string> =>
  Object.fromEntries(
    (env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? env.OTEL_EXPORTER_OTLP_HEADERS ?? "").split(",").flatMap((pair) => {
      const equals = pair.indexOf("=")
      return equals <= 0 ? [] : [[pair.slice(0, equals).trim(), decodeURIComponent(pair.slice(equals + 1).trim())]]
    })
  )

/** The tracer that exports to `url`, flushing every second and when the layer closes. */
export const layerOtlp = (url: string, service: { readonly name: string; readonly version: string }, env: Environment) =>
  OtlpTracer.layer({
    url,
    resource: { serviceName: env.OTEL_SERVICE_NAME ?? service.name, serviceVersion: service.version },
    headers: headersOf(env),
    exportInterval: "1 second"
  }).pipe(Layer.provide(OtlpSerialization.layerJson), Layer.provide(NodeHttpClient.layerNodeHttp))
