#!/usr/bin/env bash
# One Codex turn that uses every kind of tool call against an exec-server:
# a shell command, a non-zero exit, apply_patch, a PTY session fed with
# writes, a long command polled to its end, and a write outside the
# workspace that the sandbox refuses. The mock model (mock.mjs, $STEPS)
# makes the calls; the script prints the tool outputs Codex sent back to
# the model, with chunk ids and wall times blanked.
#
#   scratch/codex-e2e/turn.sh local      ours, reached directly (--listen ws://)
#   scratch/codex-e2e/turn.sh gateway    ours on a NATS executor, reached through
#                                        `exec-server gateway` at ws://…/env/e2e
#   scratch/codex-e2e/turn.sh ref        the reference (codex exec-server)
#   scratch/codex-e2e/turn.sh compare    local and gateway, then a diff (none = same outputs)
#
# Needs `npm run build`, Codex installed as for run.sh, and nats-server for gateway.
set -u
MODE=$1
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"
if [ "$MODE" = compare ]; then
  "$0" local > /tmp/turn-local.txt; "$0" gateway > /tmp/turn-gateway.txt
  if diff /tmp/turn-local.txt /tmp/turn-gateway.txt; then echo "same tool outputs ($(grep -c '^tool output' /tmp/turn-local.txt) calls)"; else exit 1; fi
  exit 0
fi
# One workspace path for every mode, so that outputs compare; under $HOME: workspace-write makes /tmp writable.
WS=$HOME/e2e-turn-ws; OUT=$HOME/e2e-turn-outside.txt
rm -rf "$WS" "$OUT"; mkdir -p "$WS"
export CODEX_HOME=$HOME/.codex-e2e-turn; rm -rf "$CODEX_HOME"; mkdir -p "$CODEX_HOME"
TMP=$(mktemp -d)
export LOG=$TMP/requests.log STEPS=$TMP/steps.json
PIDS=()
cleanup() { kill "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

cat > "$STEPS" <<EOF
[
  { "tool": "exec_command", "args": { "cmd": "echo hello from \$(basename \$PWD)", "login": false } },
  { "tool": "exec_command", "args": { "cmd": "echo failing >&2; exit 3", "login": false } },
  { "patch": "*** Begin Patch\n*** Add File: notes.txt\n+written by apply_patch\n*** End Patch\n" },
  { "tool": "exec_command", "args": { "cmd": "cat notes.txt", "login": false } },
  { "tool": "exec_command", "args": { "cmd": "cat", "tty": true, "login": false, "yield_time_ms": 500 } },
  { "tool": "write_stdin", "args": { "chars": "ping\n", "yield_time_ms": 500 } },
  { "tool": "write_stdin", "args": { "chars": "\u0004", "yield_time_ms": 1000 } },
  { "tool": "exec_command", "args": { "cmd": "sleep 2; echo long-done", "login": false, "yield_time_ms": 250 } },
  { "tool": "write_stdin", "args": { "chars": "", "yield_time_ms": 5000 } },
  { "tool": "exec_command", "args": { "cmd": "{ echo out > $OUT; } 2>&1; echo exit=\$?", "login": false } }
]
EOF

MPORT=$(port); PORT=$(port)
node "$HERE/mock.mjs" "$MPORT" 2>/dev/null & PIDS+=($!)
case "$MODE" in
  local)
    start_server ours "$PORT"
    URL=ws://127.0.0.1:$PORT ;;
  ref)
    start_server ref "$PORT"
    URL=ws://127.0.0.1:$PORT ;;
  gateway)
    NPORT=$(port)
    printf 'listen: 127.0.0.1:%s\njetstream { store_dir: "%s/js" }\n' "$NPORT" "$TMP" > "$TMP/nats.conf"
    nats-server -c "$TMP/nats.conf" -l "$TMP/nats.log" & PIDS+=($!)
    await_line "$TMP/nats.log" "Server is ready"
    "$BIN" --connect nats://127.0.0.1:$NPORT --environment-id e2e 2> "$TMP/executor.log" & PIDS+=($!)
    await_line "$TMP/executor.log" "serving nats://"
    "$BIN" gateway --listen ws://127.0.0.1:$PORT --connect nats://127.0.0.1:$NPORT > "$TMP/gateway.url" 2> "$TMP/gateway.log" & PIDS+=($!)
    await_line "$TMP/gateway.log" "listening on"
    URL=ws://127.0.0.1:$PORT/env/e2e ;;
  *) echo "usage: $0 local|gateway|ref|compare" >&2; exit 2 ;;
esac

MOCK_KEY=dummy CODEX_EXEC_SERVER_URL=$URL timeout 180 "$CODEX" exec -s workspace-write --skip-git-repo-check -C "$WS" -m gpt-5.5 \
  -c model_provider=mock -c 'model_providers.mock.name="mock"' -c "model_providers.mock.base_url=\"http://127.0.0.1:$MPORT/v1\"" \
  -c 'model_providers.mock.wire_api="responses"' -c 'model_providers.mock.env_key="MOCK_KEY"' "run the steps" </dev/null >/dev/null 2>&1
echo "codex exit: $?"
echo "left in the workspace: $(ls "$WS" | tr '\n' ' ')"
echo "outside file: $(ls "$OUT" 2>&1 | sed 's/.*No such file.*/absent/')"
node -e '
const log = require("fs").readFileSync(process.argv[1], "utf8")
const posts = log.split("=== POST").slice(1)
const last = posts[posts.length - 1]
const body = JSON.parse(last.slice(last.indexOf("\n") + 1, last.indexOf("\ntools:")))
for (const item of body.input ?? []) {
  if (item.type !== "function_call_output" && item.type !== "custom_tool_call_output") continue
  const text = (typeof item.output === "string" ? item.output : JSON.stringify(item.output))
    .replace(/Chunk ID: \w+/g, "Chunk ID: _").replace(/Wall time: [\d.]+ seconds/g, "Wall time: _")
    .replace(/"wall_time_seconds":[\d.]+/g, "\"wall_time_seconds\":_")
    .replace(/session ID \d+/g, "session ID _")
  console.log("tool output:", JSON.stringify(text))
}' "$LOG"
