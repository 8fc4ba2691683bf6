/**
 * What serverLimits.test.ts (in process) and serverLimitsProcess.test.ts
 * (the binary) share: WebSocket sessions that take places and give them
 * back, and processes that hold one.
 */
import { RawWebSocketClient } from "./WebSocketClient.js"
import { pipeProcess } from "./WireClient.js"

/** A client that initialized, with the handshake's answer. */
export const connect = async (url: string, params: Record<string, unknown> = {}) => {
  const client = await RawWebSocketClient.connect(url)
  const response = await client.request("initialize", { clientName: "limits-test", ...params })
  if (response.result !== undefined) client.send({ method: "initialized", params: {} })
  return { client, response }
}

/** A process that lives on (a minute), holding its place. */
export const sleeper = (processId: string) => pipeProcess(processId, ["sleep", "60"])

/** Drops a connection; its session stays, detached, when it asked for a TTL. */
export const drop = async (client: RawWebSocketClient) => {
  const closed = new Promise((resolve) => client.socket.once("close", resolve))
  client.socket.terminate()
  await closed
}
