/**
 * The metrics of `observability/metrics.ts` in the Prometheus text format:
 * Effect's metric registry is read through @effect/opentelemetry into
 * OpenTelemetry's Prometheus exporter, which formats a scrape.
 */
import * as Metrics from "@effect/opentelemetry/Metrics"
import * as Resource from "@effect/opentelemetry/Resource"
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus"
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
      Metrics.layer(() => exporter).pipe(
        Layer.provide(Resource.layer({ serviceName: service.name, serviceVersion: service.version }))
      )
    )
    return (request, response) => exporter.getMetricsRequestHandler(request, response)
  })
