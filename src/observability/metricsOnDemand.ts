/**
 * The `/metrics` handler of a listener, with OpenTelemetry's SDK and its
 * Prometheus exporter (`prometheus.ts`, a few hundred kilobytes of code and
 * a megabyte of heap) loaded at the first scrape rather than at start.
 * Nothing is missed by waiting: the metrics live in Effect's registry from
 * the start, and the exporter reads them there at each scrape.
 */
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import type * as Http from "node:http"
import * as Metrics from "./metrics.js"

/** Answers a scrape. */
export type MetricsHandler = (request: Http.IncomingMessage, response: Http.ServerResponse) => void

/** A handler that loads the exporter at its first request, for the lifetime of the current scope. */
export const metricsOnDemand = (service: { readonly name: string; readonly version: string }): Effect.Effect<MetricsHandler, never, Scope.Scope> =>
  Effect.map(Effect.zip(Effect.context<never>(), Effect.scope), ([context, scope]) => {
    let exporter: Promise<MetricsHandler> | undefined
    return (request, response) => {
      exporter ??= Effect.runPromiseWith(context)(
        Effect.promise(() => import("./prometheus.js")).pipe(
          Effect.flatMap((Prometheus) => Prometheus.make(service)),
          Scope.provide(scope)
        )
      )
      exporter.then(
        (handler) => {
          Metrics.refreshForScrape()
          handler(request, response)
        },
        () => {
          response.statusCode = 500
          response.end("# the metrics exporter did not load\n")
        }
      )
    }
  })
