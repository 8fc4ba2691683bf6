/**
 * Traces: a span per request and per process lifetime, exported over OTLP
 * to a local receiver when the standard variables say where; off without
 * them. On servers in process (the server's command reads the variables from
 * the test's environment, set for the test).
 */
import * as Http from "node:http"
import type * as Net from "node:net"
import * as OtelTracer from "@effect/opentelemetry/OtelTracer"
import { resourceFromAttributes } from "@opentelemetry/resources"
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Effect, Layer, Schedule } from "effect"
import { describe, expect, it } from "vitest"
import * as ExecServerClient from "../../src/client/ExecServerClient.js"
import * as ExecServer from "../../src/server/ExecServer.js"
import * as ServerConfig from "../../src/server/ServerConfig.js"
import * as InProcessClient from "../../src/testing/InProcessClient.js"
import { tracesUrlOf } from "../../src/observability/tracesUrl.js"
import { useInProcessServers, useServerEnvironment } from "../support/InProcessServer.js"
import { eventually } from "../support/waiting.js"

interface ExportedSpan {
  readonly name: string
  readonly traceId: string
  readonly endTimeUnixNano: string
  readonly attributes: ReadonlyArray<{ readonly key: string; readonly value: Record<string, unknown> }>
}

// In this order: the environment is put back after the servers stop.
const serverEnvironment = useServerEnvironment()
const startServer = useInProcessServers()

describe("tracing", () => {
  it("reads the standard OTEL variables: a traces endpoint, a base endpoint, or off", () => {
    expect(tracesUrlOf({})).toBeUndefined()
    expect(tracesUrlOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" })).toBe("http://collector:4318/v1/traces")
    expect(tracesUrlOf({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c/traces", OTEL_EXPORTER_OTLP_ENDPOINT: "http://x" })).toBe("http://c/traces")
    expect(tracesUrlOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://x", OTEL_SDK_DISABLED: "true" })).toBeUndefined()
    expect(tracesUrlOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://x", OTEL_TRACES_EXPORTER: "none" })).toBeUndefined()
  })

  it("an embedding application's tracer gets the spans (an in-memory exporter)", async () => {
    const exporter = new InMemorySpanExporter()
    // The application's own provider under Effect's OpenTelemetry tracer (@effect/opentelemetry 4's NodeSdk
    // needs @opentelemetry/sdk-trace-node, which is not among this package's dependencies).
    const provider = Layer.effect(
      OtelTracer.OtelTracerProvider,
      Effect.acquireRelease(
        Effect.sync(() =>
          new BasicTracerProvider({
            resource: resourceFromAttributes({ "service.name": "embedded" }),
            spanProcessors: [new SimpleSpanProcessor(exporter)]
          })
        ),
        (provider) => Effect.promise(() => provider.shutdown())
      )
    )
    const tracer = OtelTracer.layer.pipe(Layer.provide(provider))
    const client = InProcessClient.layer().pipe(
      Layer.provide(ExecServer.layerNodeServices),
      Layer.provide(ServerConfig.layer({ tracing: true }))
    )
    // Read before the tracer's layer closes: shutting the exporter down empties it.
    const finished = await Effect.runPromise(
      Effect.gen(function*() {
        const { exec } = yield* ExecServerClient.ExecServerClient
        expect((yield* exec(["sh", "-c", "exit 2"], { processId: "q" })).exitCode).toBe(2)
        // The lifetime span ends when the table retires the process, just after it closed.
        return yield* Effect.sync(() => exporter.getFinishedSpans()).pipe(
          Effect.filterOrFail((spans) => spans.some((span) => span.name === "process"), () => "not yet"),
          Effect.retry(Schedule.spaced("10 millis")),
          Effect.timeout("5 seconds")
        )
      }).pipe(Effect.provide(client), Effect.provide(tracer))
    )
    expect(finished.map((span) => span.name)).toEqual(expect.arrayContaining(["initialize", "process/start", "process"]))
    const lifetime = finished.find((span) => span.name === "process")!
    expect(lifetime.attributes).toMatchObject({ "exec_server.process_id": "q", "process.exit_code": 2 })
  })

  it("exports a span per request and one per process lifetime (session, process id, pid, exit code) over OTLP", async () => {
    const spans: Array<ExportedSpan> = []
    const receiver = Http.createServer((request, response) => {
      let body = ""
      request.on("data", (chunk: Buffer) => body += chunk)
      request.on("end", () => {
        const exported = JSON.parse(body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<ExportedSpan> }> }> }
        for (const resource of exported.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans)
        response.end("{}")
      })
    })
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve))
    const endpoint = `http://127.0.0.1:${(receiver.address() as Net.AddressInfo).port}`
    serverEnvironment({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: "traced-test" })
    try {
      const server = await startServer()
      await server.request("process/start", { processId: "p", argv: ["sh", "-c", "exit 3"], cwd: "/tmp", env: {}, tty: false })
      const attribute = (span: ExportedSpan, key: string) => {
        const value = span.attributes.find((entry) => entry.key === key)?.value
        return value === undefined ? undefined : Object.values(value)[0]
      }
      expect(await eventually(() => spans.some((span) => span.name === "process"), 15_000, 100)).toBe(true)
      const started = spans.find((span) => span.name === "process/start")!
      expect(attribute(started, "rpc.method")).toBe("process/start")
      const lifetime = spans.find((span) => span.name === "process")!
      expect(attribute(lifetime, "exec_server.process_id")).toBe("p")
      expect(attribute(lifetime, "exec_server.session_id")).toEqual(expect.any(String))
      expect(Number(attribute(lifetime, "process.pid"))).toBeGreaterThan(0)
      expect(Number(attribute(lifetime, "process.exit_code"))).toBe(3)
      expect(spans.map((span) => span.name)).toContain("initialize")
    } finally {
      receiver.close()
    }
  })
})
