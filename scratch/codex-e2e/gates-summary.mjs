// What gates.sh's turn showed: read from the relay's whole messages
// (relay.log.full), the mock model's log and Codex's output, printed one
// fact a line.
import fs from "node:fs"
const [full, modelLog, codexOut] = process.argv.slice(2)
const messages = fs.readFileSync(full, "utf8").split("\n").filter((line) => line.length > 0)
  .map((line) => ({ from: line.startsWith("->") ? "client" : "server", message: JSON.parse(line.slice(3)) }))
const requests = messages.filter((m) => m.from === "client" && typeof m.message.method === "string").map((m) => m.message)
const count = (method) => requests.filter((r) => r.method === method).length
for (const method of ["capabilities/discoverV2", "environmentConfig/read", "fs/watchMissing", "process/start"]) {
  console.log(`${method} calls: ${count(method)}`)
}
const info = messages.find((m) => m.message.result?.environmentInfo !== undefined)?.message.result.environmentInfo
console.log(`executorVersion: ${info?.executorVersion}`)
const starts = requests.filter((r) => r.method === "process/start").map((r) => r.params)
console.log(`process/start with shellSnapshot: ${starts.filter((p) => p.shellSnapshot !== undefined).length}`)
const launches = starts.filter((p) => p.networkProxy !== undefined)
console.log(`process/start with networkProxy: ${launches.length}`)
console.log(`process/start with enforceManagedNetwork true: ${starts.filter((p) => p.enforceManagedNetwork === true).length}`)
// The per-run ids (auditMetadata, executionId) left out.
for (const p of launches) console.log(`networkProxy.proxy: ${JSON.stringify(p.networkProxy.proxy)}`)
const notes = messages.filter((m) => m.from === "server" && m.message.method === "network/policyDecision").map((m) => m.message.params)
console.log(`network/policyDecision notes: ${notes.length}`)
for (const n of notes) console.log(`policyDecision: ${n.decision} ${n.host} ${n.protocol} ${n.reason}`)
// What the command printed, as Codex gave it back to the model.
const log = fs.readFileSync(modelLog, "utf8")
const posts = log.split("=== POST").slice(1)
const last = posts[posts.length - 1]
if (last !== undefined) {
  const body = JSON.parse(last.slice(last.indexOf("\n") + 1, last.indexOf("\ntools:")))
  for (const item of body.input ?? []) {
    if (item.type !== "function_call_output") continue
    const text = typeof item.output === "string" ? item.output : JSON.stringify(item.output)
    for (const line of text.split("\n")) if (/^(localhost|allowed\.test|denied\.test|review\.test) \d+$/.test(line)) console.log(`command: ${line}`)
    // A start Codex refused itself, for a capability the server lacks.
    const refused = /selected exec-server does not support [^"\\]*/.exec(text)
    if (refused !== null) console.log(`refused: ${refused[0]}`)
  }
}
// Codex's warning when it runs a command unmasked for want of the server's masking.
for (const line of fs.readFileSync(codexOut, "utf8").split("\n")) {
  if (line.startsWith("warning: Credential masking is unavailable")) console.log(line)
}
