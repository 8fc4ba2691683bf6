// A mock of the OpenAI Responses API for driving Codex without credentials: the first
// turn calls a tool (exec_command with $CMD, or apply_patch with $PATCH), the next answers "done".
// With $STEPS (a JSON file: an array of {tool, args} or {patch}), it calls them one per
// response, in order, then answers "done"; a write_stdin without session_id gets the
// session id that the last tool output named ("session ID N").
import http from "node:http"
import fs from "node:fs"
const port = Number(process.argv[2] ?? 18080)
const cmd = process.env.CMD ?? "echo hi"
const log = process.env.LOG ?? "/tmp/requests.log"
const steps = process.env.STEPS ? JSON.parse(fs.readFileSync(process.env.STEPS, "utf8")) : undefined
let n = 0

const isOutput = (item) => item.type === "function_call_output" || item.type === "custom_tool_call_output"
const outputText = (item) => typeof item.output === "string" ? item.output : JSON.stringify(item.output)

/** The next item of the scripted turn: the step after those whose outputs came back. */
const scripted = (input) => {
  const outputs = input.filter(isOutput)
  const step = steps[outputs.length]
  if (step === undefined) return undefined
  if (step.patch !== undefined) return { type: "custom_tool_call", id: `ctc_${n}`, call_id: `call_${n}`, name: "apply_patch", input: step.patch }
  const args = { ...step.args }
  if (step.tool === "write_stdin" && args.session_id === undefined) {
    const last = outputs.length === 0 ? "" : outputText(outputs[outputs.length - 1])
    const match = /session ID (\d+)/.exec(last) ?? [...input].reverse().map((item) => isOutput(item) ? /session ID (\d+)/.exec(outputText(item)) : null).find((m) => m)
    args.session_id = Number(match?.[1] ?? 0)
  }
  return { type: "function_call", id: `fc_${n}`, call_id: `call_${n}`, name: step.tool, arguments: JSON.stringify(args) }
}
http.createServer((req, res) => {
  let body = ""
  req.on("data", (d) => body += d)
  req.on("end", () => {
    fs.appendFileSync(log, `=== ${req.method} ${req.url}\n${body}\n`)
    if (!req.url.endsWith("/responses")) { res.writeHead(404); res.end(); return }
    const parsed = JSON.parse(body)
    const tools = (parsed.tools ?? []).map((t) => t.name ?? t.type)
    fs.appendFileSync(log, `tools: ${JSON.stringify(tools)}\n`)
    const hasOutput = (parsed.input ?? []).some((item) => item.type === "function_call_output" || item.type === "custom_tool_call_output")
    res.writeHead(200, { "content-type": "text/event-stream" })
    const id = `resp_${++n}`
    const send = (event) => res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)
    send({ type: "response.created", response: { id } })
    let item
    if (steps !== undefined) {
      item = scripted(parsed.input ?? []) ?? { type: "message", id: `msg_${n}`, role: "assistant", content: [{ type: "output_text", text: "done" }] }
      fs.appendFileSync(log, `calling ${item.name ?? "nothing"}\n`)
    } else if (!hasOutput && process.env.PATCH) {
      item = { type: "custom_tool_call", id: `ctc_${n}`, call_id: `call_${n}`, name: "apply_patch", input: process.env.PATCH }
      fs.appendFileSync(log, `calling apply_patch\n`)
    } else if (!hasOutput) {
      const tool = tools.includes("exec_command") ? "exec_command" : tools.includes("shell") ? "shell" : tools.includes("shell_command") ? "shell_command" : tools[0]
      const args = tool === "exec_command" ? { cmd } : tool === "shell_command" ? { command: cmd } : { command: ["bash", "-lc", cmd] }
      fs.appendFileSync(log, `calling ${tool} ${JSON.stringify(args)}\n`)
      item = { type: "function_call", id: `fc_${n}`, call_id: `call_${n}`, name: tool, arguments: JSON.stringify(args) }
    } else {
      item = { type: "message", id: `msg_${n}`, role: "assistant", content: [{ type: "output_text", text: "done" }] }
    }
    send({ type: "response.output_item.done", item })
    send({ type: "response.completed", response: { id, usage: { input_tokens: 10, input_tokens_details: null, output_tokens: 5, output_tokens_details: null, total_tokens: 15 } } })
    res.end()
  })
}).listen(port, "127.0.0.1", () => console.error(`mock on ${port}`))
