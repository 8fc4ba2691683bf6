/**
 * The server's metrics, on Effect's `Metric` module (the process-wide
 * registry): what an operator watches. They are exported in the Prometheus
 * text format by `observability/prometheus.ts`. Updates from callbacks use
 * the metrics' unsafe updates, which cost a map lookup.
 */
import * as Metric from "effect/Metric";
import * as MetricLabel from "effect/MetricLabel";
/** Connections open now. */
export declare const connectionsOpen: Metric.Metric.Gauge<number>;
/** Connections accepted since start. */
export declare const connectionsTotal: Metric.Metric.Counter<number>;
/** Upgrades refused, by status. */
export declare const connectionsRefused: Metric.Metric.Counter<number>;
/** Connections closed before their upgrade to make room for newer ones. */
export declare const pendingUpgradesClosed: Metric.Metric.Counter<number>;
/** Directories watched by every `fs/watch` of the server. */
export declare const watchedDirectories: Metric.Metric.Gauge<number>;
/** Sessions, by state (attached or detached). */
export declare const sessions: Metric.Metric.Gauge<number>;
/** Processes running now. */
export declare const processesRunning: Metric.Metric.Gauge<number>;
/** Processes started since start. */
export declare const processesStarted: Metric.Metric.Counter<number>;
/** Processes closed, by outcome (success, failure, signal). */
export declare const processesExited: Metric.Metric.Counter<number>;
/** Output bytes sent to clients, by stream. */
export declare const outputBytes: Metric.Metric.Counter<number>;
/** Request handling time, by method. */
export declare const requestDuration: Metric.Metric<import("effect/MetricKeyType").MetricKeyType.Histogram, number, import("effect/MetricState").MetricState.Histogram>;
/** Time to start a process (spawn and actor). */
export declare const spawnDuration: Metric.Metric<import("effect/MetricKeyType").MetricKeyType.Histogram, number, import("effect/MetricState").MetricState.Histogram>;
/** Times a client fell behind and its processes' output stopped being read. */
export declare const backpressurePauses: Metric.Metric.Counter<number>;
/** 1, labelled with the native addon's state and the spawner, output reader and base64 encoder in use. */
export declare const nativeInfo: Metric.Metric.Gauge<number>;
/** The server-wide limits, by resource (sessions, liveProcesses, fileHandles, liveOutputBytes, watchedDirectories). */
export declare const limits: Metric.Metric.Gauge<number>;
/** Requests refused because a server-wide limit was reached, by resource. */
export declare const limitRefusals: Metric.Metric.Counter<number>;
/** File handles open now, over all sessions. */
export declare const fileHandlesOpen: Metric.Metric.Gauge<number>;
/** Bytes of output retained by processes not yet closed. */
export declare const liveOutputBytes: Metric.Metric.Gauge<number>;
/** Bytes of live processes' retained output evicted to keep within the server-wide limit. */
export declare const liveOutputEvictedBytes: Metric.Metric.Counter<number>;
/** Error answers, by JSON-RPC code. */
export declare const errors: Metric.Metric.Counter<number>;
/** A gateway's client connections open now, by environment. */
export declare const gatewayConnections: Metric.Metric.Gauge<number>;
/** A gateway's client connections accepted since start, by environment. */
export declare const gatewayConnectionsTotal: Metric.Metric.Counter<number>;
/** Message bytes a gateway forwarded, by environment and direction (`to-environment`, `to-client`). */
export declare const gatewayBytes: Metric.Metric.Counter<number>;
/** Frames the gateway's ends of remote streams sent again, by environment. */
export declare const gatewayRetransmissions: Metric.Metric.Counter<number>;
/** Whether the gateway's NATS connection is up (1) or not (0). */
export declare const gatewayNatsConnected: Metric.Metric.Gauge<number>;
/** The `stream` labels of output, made once: they are used for every chunk. */
export declare const STREAM_LABELS: {
    readonly stdout: readonly [MetricLabel.MetricLabel];
    readonly stderr: readonly [MetricLabel.MetricLabel];
    readonly pty: readonly [MetricLabel.MetricLabel];
};
/** One label set per key and value, made once (hot paths update with it). */
export declare const label: (key: string, value: string | number) => ReadonlyArray<MetricLabel.MetricLabel>;
/** Adds `delta` to a counter, from a callback. */
export declare const bump: (metric: Metric.Metric.Counter<number>, delta?: number, tags?: readonly MetricLabel.MetricLabel[]) => void;
/** Moves a gauge that holds a count (connections, sessions, processes) by `delta`, from a callback. */
export declare const adjust: (gauge: Metric.Metric.Gauge<number>, delta: number, tags?: readonly MetricLabel.MetricLabel[]) => void;
//# sourceMappingURL=metrics.d.ts.map