import { connect } from "@nats-io/transport-node"
import { spawn } from "node:child_process"
import { startNatsCluster } from "./test/support/natsClusterNodes.ts"
const TOTAL = 32 * 1024 * 1024, SEG = 60 * 1024
const sub = process.argv[2]
if (sub !== undefined) {
  // the subscriber process: counts bytes, answers "done" when it has them all; acks every 16 segments (a window of ~1 MiB)
  const nc = await connect({ servers: sub })
  let got = 0, segs = 0
  nc.subscribe("pipe", { callback: (_e, m) => { got += m.data.length; if (++segs % 8 === 0) nc.publish("credit", new Uint8Array([1])); if (got >= TOTAL) nc.publish("done", new Uint8Array(0)) } })
  await nc.flush(); process.stdout.write("ready\n")
} else {
  const run = async (pubUrl: string, subUrl: string) => {
    const child = spawn(process.execPath, ["--import", "tsx", ".rawpipe.mts", subUrl], { stdio: ["ignore", "pipe", "inherit"] })
    await new Promise((r) => child.stdout!.once("data", r))
    const nc = await connect({ servers: pubUrl })
    let credit = 16
    let wake: () => void = () => {}
    nc.subscribe("credit", { callback: () => { credit += 8; wake() } })
    const done = new Promise<void>((r) => nc.subscribe("done", { callback: () => r() }))
    await nc.flush()
    const t0 = performance.now()
    const seg = new Uint8Array(SEG)
    for (let sent = 0; sent < TOTAL; sent += SEG) {
      while (credit === 0) await new Promise<void>((r) => (wake = r))
      credit--; nc.publish("pipe", seg)
    }
    await done
    const mbs = TOTAL / 1048576 / ((performance.now() - t0) / 1000)
    child.kill(); await nc.close()
    return mbs
  }
  const one = await startNatsCluster(1), three = await startNatsCluster(3)
  for (let round = 0; round < 3; round++) console.log(`raw NATS 32 MiB in 60 KiB messages, 1 MiB window: 1-node ${(await run(one.urls[0]!, one.urls[0]!)).toFixed(0)} MB/s, 3-node ${(await run(three.urls[0]!, three.urls[2]!)).toFixed(0)} MB/s`)
  await one.stop(); await three.stop(); process.exit(0)
}
