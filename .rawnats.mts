import { connect } from "@nats-io/transport-node"
import * as net from "node:net"
import { startNatsCluster } from "./test/support/natsClusterNodes.ts"
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!
const N = 3000
const natsRtt = async (clientUrl: string, responderUrl: string) => {
  const responder = await connect({ servers: responderUrl })
  responder.subscribe("echo", { callback: (_e, m) => { responder.publish("back", m.data) } })
  await responder.flush()
  const client = await connect({ servers: clientUrl })
  let resolve: () => void = () => {}
  client.subscribe("back", { callback: () => resolve() })
  await client.flush()
  const times: number[] = []
  const payload = new Uint8Array(120)
  for (let i = 0; i < N; i++) {
    const t0 = performance.now()
    await new Promise<void>((r) => { resolve = r; client.publish("echo", payload) })
    times.push((performance.now() - t0) * 1000)
  }
  await client.close(); await responder.close()
  return med(times.slice(500))
}
const tcpRtt = async () => {
  const server = net.createServer((s) => s.on("data", (d) => s.write(d))).listen(0, "127.0.0.1")
  await new Promise((r) => server.once("listening", r))
  const port = (server.address() as net.AddressInfo).port
  const sock = net.connect(port, "127.0.0.1"); sock.setNoDelay(true)
  await new Promise((r) => sock.once("connect", r))
  const times: number[] = []
  for (let i = 0; i < N; i++) {
    const t0 = performance.now()
    await new Promise<void>((r) => { sock.once("data", () => r()); sock.write(Buffer.alloc(120)) })
    times.push((performance.now() - t0) * 1000)
  }
  sock.destroy(); server.close()
  return med(times.slice(500))
}
const one = await startNatsCluster(1)
const three = await startNatsCluster(3)
for (let round = 0; round < 3; round++) {
  console.log(`round ${round}: tcp ${(await tcpRtt()).toFixed(0)} µs, nats 1-node ${(await natsRtt(one.urls[0]!, one.urls[0]!)).toFixed(0)} µs, nats 3-node ${(await natsRtt(three.urls[0]!, three.urls[2]!)).toFixed(0)} µs`)
}
await one.stop(); await three.stop()
