/**
 * The metrics of `observability/metrics.ts` in the Prometheus text format:
 * Effect's metric registry is read through @effect/opentelemetry into
 * OpenTelemetry's Prometheus exporter, which formats a scrape. Not
 * `effect/observability`'s PrometheusMetrics: its text differs from what
 * operators and tests read (no `otel_scope_name` label, so an unlabelled
 * series has no `{`; no `target_info`, no `# UNIT`).
 */
import * as OtelMetrics from "@effect/opentelemetry/OtelMetrics"
import * as Resource from "@effect/opentelemetry/Resource"
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus"
import type { MetricReader } from "@opentelemetry/sdk-metrics"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { MetricsHandler } from "./metricsOnDemand.js"

/** The exporter for the scope: a handler that writes the current metrics. */
export const make = (service: { readonly name: string; readonly version: string }): Effect.Effect<MetricsHandler, never, Scope.Scope> =>
  Effect.gen(function*() {
    // No server of its own: scrapes come through the WebSocket listener.
    const exporter = new PrometheusExporter({ preventServerStart: true })
    yield* Layer.build(
      // The exporter's own copy of sdk-metrics (2.12.0 beside the 2.12.1 @effect/opentelemetry
      // takes) differs in private fields only: one reader at run time.
      OtelMetrics.layer(() => exporter as unknown as MetricReader).pipe(
        Layer.provide(Resource.layer({ serviceName: service.name, serviceVersion: service.version }))
      )
    )
    return (request, response) => exporter.getMetricsRequestHandler(request, response)
  })
