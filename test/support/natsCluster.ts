/**
 * The nats-server cluster of test/support/natsClusterNodes.ts, and its
 * lifetime bound to a describe block of tests.
 */
import type { ChildProcess } from "node:child_process"
import { afterAll, beforeAll } from "vitest"
import { type NatsCluster, type NatsClusterOptions, startNatsCluster } from "./natsClusterNodes.js"

export { freePort, type NatsCluster, type NatsClusterOptions, type NatsNode, pollUntil, startNatsCluster } from "./natsClusterNodes.js"

/**
 * A cluster for the tests of a describe block: started before them, stopped
 * after them, once the connections they handed to `track` are closed.
 */
export const natsClusterForTests = (size: 1 | 3, options: NatsClusterOptions = {}) => {
  let cluster: NatsCluster | undefined
  const connections: Array<{ close(): Promise<void> }> = []
  const children: Array<ChildProcess> = []
  beforeAll(async () => {
    cluster = await startNatsCluster(size, options)
  })
  afterAll(async () => {
    // A test that failed half-way may leave an executor or a client running.
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
    for (const connection of connections) await connection.close().catch(() => undefined)
    await cluster?.stop()
  })
  return {
    get cluster(): NatsCluster {
      if (cluster === undefined) throw new Error("the cluster is started before the tests")
      return cluster
    },
    /** Closed after the tests, before the cluster stops. */
    track: (...opened: ReadonlyArray<{ close(): Promise<void> }>): void => void connections.push(...opened),
    /** Processes the tests started: killed after the tests if still running. */
    children
  }
}
