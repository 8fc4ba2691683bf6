#!/usr/bin/env bash
# Codex's own CLI against an exec-server, with its sandbox on: a mock of the
# Responses API (mock.mjs) makes the model run one shell command (CMD) or
# apply one patch (PATCH), and the script reports what happened on disk.
#
#   scratch/codex-e2e/run.sh ours|ref LABEL
#   CMD='echo x > /root/outside.txt' scratch/codex-e2e/run.sh ref a; ... ours b
#   PATCH=$'*** Begin Patch\n*** Add File: link/evil.txt\n+x\n*** End Patch\n' \
#     SETUP='mkdir -p /root/t-$LABEL; ln -s /root/t-$LABEL $WS/link' scratch/codex-e2e/run.sh ours c
#
# Needs the reference installed outside the project
# (npm install --prefix /opt/codex @openai/codex@0.169.0) and `npm run build`.
# The workspace is under $HOME: workspace-write makes /tmp writable. The tool
# output Codex sent back to the model is in $LOG (requests-LABEL.log).
set -u
WHICH=$1; LABEL=$2
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CODEX=${CODEX:-/opt/codex/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex}
WS=$HOME/e2e-ws-$LABEL; OUT=$HOME/e2e-outside-$LABEL.txt
rm -rf "$WS" "$OUT"; mkdir -p "$WS"; eval "${SETUP:-true}"
# Codex's sandbox helper refuses a CODEX_HOME under /tmp.
export CODEX_HOME=$HOME/.codex-e2e-$LABEL; rm -rf "$CODEX_HOME"; mkdir -p "$CODEX_HOME"
PORT=$((19000 + RANDOM % 500)); MPORT=$((18000 + RANDOM % 500))
export LOG=${LOG_DIR:-/tmp}/requests-$LABEL.log; rm -f "$LOG"
export CMD=${CMD:-"echo in > inside.txt && echo inside-ok; echo out > $OUT; mkdir -p .git/hooks; ls -la"}
node "$HERE/mock.mjs" $MPORT 2>/dev/null & MOCK=$!
if [ "$WHICH" = ours ]; then "$ROOT/dist/cli/exec-server" --listen ws://127.0.0.1:$PORT >/dev/null 2>&1 & SRV=$!
else "$CODEX" exec-server --listen ws://127.0.0.1:$PORT >/dev/null 2>&1 & SRV=$!; fi
sleep 1
MOCK_KEY=dummy CODEX_EXEC_SERVER_URL=ws://127.0.0.1:$PORT timeout 120 "$CODEX" exec -s workspace-write --skip-git-repo-check -C "$WS" -m gpt-5.5 \
  -c model_provider=mock -c 'model_providers.mock.name="mock"' -c "model_providers.mock.base_url=\"http://127.0.0.1:$MPORT/v1\"" \
  -c 'model_providers.mock.wire_api="responses"' -c 'model_providers.mock.env_key="MOCK_KEY"' "run the command" >/dev/null 2>&1
echo "codex exit: $?"
kill $SRV $MOCK 2>/dev/null; wait 2>/dev/null
echo "left in the workspace: $(ls -A "$WS")"
echo "outside file: $(ls "$OUT" 2>&1)"
node -e '
const log = require("fs").readFileSync(process.argv[1], "utf8")
for (const part of log.split("=== POST").slice(1)) {
  const body = part.slice(part.indexOf("\n") + 1, part.indexOf("\ntools:"))
  for (const item of JSON.parse(body).input ?? [])
    if (item.type === "function_call_output" || item.type === "custom_tool_call_output") console.log("tool output:", JSON.stringify(item.output))
}' "$LOG"
