#!/usr/bin/env bash
# One Codex turn against an exec-server whose environment holds skills: one
# in its CODEX_HOME/skills, one in its ~/.agents/skills (the server's own
# CODEX_HOME and HOME, not the client's). Codex reaches the server through a
# relay (relay.mjs) that logs the requests it makes; the mock model
# (mock.mjs) answers "done" at once and logs what Codex sent it. The script
# prints the executorVersion the server reported, how many times Codex called
# capabilities/discoverV2, and where each skill's name reached the model.
#
#   scratch/codex-e2e/skills.sh ours    dist/cli/exec-server --listen ws://
#   scratch/codex-e2e/skills.sh ref     the reference (codex exec-server --listen ws://)
#
# Codex asks an executor for its skills only with the client feature
# executor_capability_discovery_v2 on (off by default in 0.171; the script
# turns it on, DISCOVERY=false leaves it off) and an executorVersion of
# 0.164.0 or newer. Probes: EXECUTOR_VERSION=0.163.0 makes the relay rewrite
# the version the server reports in its initialize answer. KEEP=DIR keeps
# the logs (the model's requests, the relay's, the server's) in DIR.
#
# Needs `npm run build` and Codex installed as for run.sh.
set -u
MODE=$1
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"
# Under $HOME, as turn.sh's: Codex's sandbox helper refuses a CODEX_HOME under /tmp.
# One directory per run, so that runs do not meet: the workspace, Codex's
# CODEX_HOME, and the server's (SERVER/codex-home, and SERVER/home its HOME).
BASE=$(mktemp -d "$HOME/.e2e-skills-XXXXXX"); WS=$BASE/ws; SERVER=$BASE/server
mkdir -p "$WS" "$BASE/codex-home"; export CODEX_HOME=$BASE/codex-home
TMP=$(mktemp -d)
export LOG=$TMP/requests.log STEPS=$TMP/steps.json
PIDS=()
cleanup() { kill "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null; [ -n "${KEEP:-}" ] && cp -r "$TMP/." "$KEEP/"; rm -rf "$TMP" "$BASE"; }
trap cleanup EXIT

# The layout both servers read (docs/PROTOCOL.md, "capabilities/discoverV2").
skill() { mkdir -p "$1/$2"; printf -- '---\nname: %s\ndescription: %s\n---\n\nSay "%s" when asked.\n' "$2" "$3" "$2" > "$1/$2/SKILL.md"; }
skill "$SERVER/codex-home/skills" e2e-codex-home-skill "Executor skill from CODEX_HOME/skills (marker 7f3a)"
skill "$SERVER/home/.agents/skills" e2e-agents-skill "Executor skill from the executor's ~/.agents/skills (marker 9c1e)"
echo '[]' > "$STEPS"

MPORT=$(port); PORT=$(port); RPORT=$(port)
node "$HERE/mock.mjs" "$MPORT" 2> "$TMP/mock.log" & PIDS+=($!)
await_line "$TMP/mock.log" "mock on"
start_server "$MODE" "$PORT" "CODEX_HOME=$SERVER/codex-home" "HOME=$SERVER/home" || { echo "usage: $0 ours|ref" >&2; exit 2; }
node "$HERE/relay.mjs" "$RPORT" "ws://127.0.0.1:$PORT" "$TMP/relay.log" 2> "$TMP/relay.out" & PIDS+=($!)
await_line "$TMP/relay.out" "relay on"

MOCK_KEY=dummy CODEX_EXEC_SERVER_URL=ws://127.0.0.1:$RPORT timeout 180 "$CODEX" exec -s workspace-write --skip-git-repo-check -C "$WS" -m gpt-5.5 \
  -c features.executor_capability_discovery_v2=${DISCOVERY:-true} -c model_provider=mock -c 'model_providers.mock.name="mock"' -c "model_providers.mock.base_url=\"http://127.0.0.1:$MPORT/v1\"" \
  -c 'model_providers.mock.wire_api="responses"' -c 'model_providers.mock.env_key="MOCK_KEY"' "say hi" </dev/null >/dev/null 2>&1
echo "codex exit: $?"
echo "executorVersion: $(sed -n 's/^<- executorVersion //p' "$TMP/relay.log" | head -1)"
echo "capabilities/discoverV2 calls: $(grep -c '^-> capabilities/discoverV2$' "$TMP/relay.log")"
# Where each skill's name is in the model's first request (the instructions,
# an input message by role, a tool), then the lines of the skills list Codex
# wrote for the model that name them, with the server's directory as $SERVER.
node -e '
const [logFile, server, ...names] = process.argv.slice(1)
const log = require("fs").readFileSync(logFile, "utf8")
const post = log.split("=== POST").slice(1).find((p) => p.startsWith(" /v1/responses"))
if (post === undefined) { console.log("the model got no request"); process.exit() }
const body = JSON.parse(post.slice(post.indexOf("\n") + 1, post.indexOf("\ntools:")))
const tools = (body.tools ?? []).map((t) => t.name ?? t.type)
console.log("skills tool:", tools.includes("skills") ? "present" : "absent")
for (const name of names) {
  const places = []
  if (JSON.stringify(body.instructions ?? "").includes(name)) places.push("instructions")
  ;(body.input ?? []).forEach((item, i) => { if (JSON.stringify(item).includes(name)) places.push(`input[${i}] ${item.role ?? item.type}`) })
  for (const tool of body.tools ?? []) if (JSON.stringify(tool).includes(name)) places.push(`tool ${tool.name ?? tool.type}`)
  console.log(`skill ${name}:`, places.length === 0 ? "absent" : places.join(", "))
}
const texts = (body.input ?? []).flatMap((item) => Array.isArray(item.content) ? item.content.map((c) => c.text ?? "") : [])
for (const line of texts.join("\n").split("\n")) {
  if (names.some((name) => line.startsWith(`- ${name}:`))) console.log("listed:", line.split(server).join("$SERVER"))
}' "$LOG" "$SERVER" e2e-codex-home-skill e2e-agents-skill
