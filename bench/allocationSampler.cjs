/**
 * Loaded into a Node server with `--require` by bench/connectionAllocation.mjs:
 * SIGUSR2 starts V8's allocation sampling (objects collected since counted
 * too), the next SIGUSR2 stops it and writes the bytes sampled to
 * `$ALLOCATION_OUT` (and the profile to `$ALLOCATION_PROFILE` when set).
 */
const inspector = require("node:inspector")
const fs = require("node:fs")

const session = new inspector.Session()
session.connect()
const post = (method, params) =>
  new Promise((resolve, reject) => session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result))))

let sampling = false
process.on("SIGUSR2", async () => {
  if (!sampling) {
    sampling = true
    await post("HeapProfiler.enable")
    await post("HeapProfiler.startSampling", {
      samplingInterval: 256,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true
    })
    fs.writeFileSync(`${process.env.ALLOCATION_OUT}.on`, "")
    return
  }
  sampling = false
  const { profile } = await post("HeapProfiler.stopSampling")
  let total = 0
  const walk = (node) => {
    total += node.selfSize
    node.children.forEach(walk)
  }
  walk(profile.head)
  fs.writeFileSync(process.env.ALLOCATION_OUT, String(total))
  // The whole profile too, when asked (`ALLOCATION_PROFILE`: a .heapprofile that DevTools opens), to see where it goes.
  if (process.env.ALLOCATION_PROFILE !== undefined) fs.writeFileSync(process.env.ALLOCATION_PROFILE, JSON.stringify(profile))
})
