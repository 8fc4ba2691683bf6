import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import type * as Http from "node:http";
/** Answers a scrape. */
export type MetricsHandler = (request: Http.IncomingMessage, response: Http.ServerResponse) => void;
/** The exporter for the scope: a handler that writes the current metrics. */
export declare const make: (service: {
    readonly name: string;
    readonly version: string;
}) => Effect.Effect<MetricsHandler, never, Scope.Scope>;
//# sourceMappingURL=prometheus.d.ts.map