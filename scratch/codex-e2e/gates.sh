#!/usr/bin/env bash
# One Codex turn that reaches every exec-server feature a Codex 0.171 client
# gates on a capability flag (docs/PROTOCOL.md, "What a Codex 0.171 client
# decides from this answer"): the executor's skills (capabilities/discoverV2),
# the project's config layers (environmentConfig/read), missing-path watches
# (fs/watchMissing), shell snapshots (process/start.shellSnapshot), and a
# managed network with allowed and denied domains and credential masking
# (process/start.networkProxy, network/policyDecision). Codex reaches the
# server through relay.mjs, which records every message; the mock model
# (mock.mjs) runs one command that asks for an allowed and a denied host
# through the proxy (curl to localhost, allowed.test, denied.test,
# review.test). The
# script prints what the server received and sent, one fact a line
# (gates-summary.mjs).
#
#   scratch/codex-e2e/gates.sh ours    dist/cli/exec-server --listen ws://
#   scratch/codex-e2e/gates.sh ref     the reference (codex exec-server --listen ws://)
#
# KEEP=DIR keeps the logs (the relay's whole messages in relay.log.full,
# Codex's output in codex.out). Probes: CAPS='{"flag":false}' makes the relay
# rewrite those capabilities in the server's initialize answer; CONFIG adds
# lines to the client's config.toml; ARGS adds arguments to `codex exec`;
# REQUIREMENTS=FILE gives Codex that /etc/codex/requirements.toml (needs
# root: a mount namespace), e.g. review domains (gates-requirements.toml);
# TRANSPARENT=1 turns on Codex's transparent TCP, and the command's curl
# ignores the proxy variables (--noproxy '*').
# Needs `npm run build` and Codex installed as for run.sh.
set -u
MODE=$1
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"
# Under $HOME: Codex's sandbox helper refuses a CODEX_HOME under /tmp. One directory per run.
BASE=$(mktemp -d "$HOME/.e2e-gates-XXXXXX"); WS=$BASE/ws; SERVER=$BASE/server
mkdir -p "$WS/.codex" "$BASE/codex-home" "$SERVER/codex-home" "$SERVER/home"; export CODEX_HOME=$BASE/codex-home
TMP=$(mktemp -d)
export LOG=$TMP/requests.log STEPS=$TMP/steps.json
PIDS=()
cleanup() { kill "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null; [ -n "${KEEP:-}" ] && cp -r "$TMP/." "$KEEP/"; rm -rf "$TMP" "$BASE"; }
trap cleanup EXIT

# A skill of the executor's, and a project config layer Codex reads through the server.
mkdir -p "$SERVER/codex-home/skills/e2e-gate-skill"
printf -- '---\nname: e2e-gate-skill\ndescription: Executor skill (marker 3b8d)\n---\n\nSay hi.\n' > "$SERVER/codex-home/skills/e2e-gate-skill/SKILL.md"
mkdir -p "$WS/.git"; printf 'model_reasoning_effort = "low"\n' > "$WS/.codex/config.toml"
# The client's config: the project trusted (so its layer is read), credential
# masking on, and a managed network (Codex's network proxy feature, in a
# sandbox that has network access) with one allowed and one denied domain.
cat > "$CODEX_HOME/config.toml" <<TOML
[projects."$WS"]
trust_level = "trusted"
[features]
credential_masking = true
[features.network_proxy]
enabled = true
${TRANSPARENT:+transparent_tcp = true
enable_socks5 = true}
domains = { "localhost" = "allow", "allowed.test" = "allow", "denied.test" = "deny" }
[sandbox_workspace_write]
network_access = true
${CONFIG:-}
TOML

# Runs Codex; with $REQUIREMENTS, in a mount namespace of its own whose /etc
# has that file as codex/requirements.toml (an overlay: the host's /etc is
# not touched). Managed requirements are the only place for review domains.
codex_exec() {
  if [ -z "${REQUIREMENTS:-}" ]; then "$@"; return; fi
  mkdir -p "$TMP/etc-upper/codex" "$TMP/etc-work"; cp "$REQUIREMENTS" "$TMP/etc-upper/codex/requirements.toml"
  unshare --mount --propagation private sh -c 'mount -t overlay overlay -o "lowerdir=/etc,upperdir=$0/etc-upper,workdir=$0/etc-work" /etc && exec "$@"' "$TMP" "$@"
}

MPORT=$(port); PORT=$(port); RPORT=$(port)
# The command: one request through the proxy to each kind of host; the
# allowed `localhost` one reaches the mock model's server (a 404 there).
# With TRANSPARENT=1 it ignores the proxy variables, and Codex asks for
# transparent TCP (its network_proxy.transparent_tcp).
NOPROXY=${TRANSPARENT:+*}
cat > "$STEPS" <<JSON
[{ "tool": "exec_command", "args": { "cmd": "for host in localhost:$MPORT allowed.test denied.test review.test; do curl -s --noproxy '$NOPROXY' -o /dev/null -w \\"\${host%:*} %{http_code}\\\\n\\" http://\$host/; done", "login": true } }]
JSON
node "$HERE/mock.mjs" "$MPORT" 2> "$TMP/mock.log" & PIDS+=($!)
await_line "$TMP/mock.log" "mock on"
start_server "$MODE" "$PORT" "CODEX_HOME=$SERVER/codex-home" "HOME=$SERVER/home" || { echo "usage: $0 ours|ref" >&2; exit 2; }
RELAY_FULL=1 node "$HERE/relay.mjs" "$RPORT" "ws://127.0.0.1:$PORT" "$TMP/relay.log" 2> "$TMP/relay.out" & PIDS+=($!)
await_line "$TMP/relay.out" "relay on"

MOCK_KEY=dummy CODEX_EXEC_SERVER_URL=ws://127.0.0.1:$RPORT codex_exec timeout 120 "$CODEX" exec -s workspace-write --skip-git-repo-check -C "$WS" -m gpt-5.5 \
  -c features.executor_capability_discovery_v2=true -c features.shell_snapshot_v2=true ${ARGS:-} \
  -c model_provider=mock -c 'model_providers.mock.name="mock"' -c "model_providers.mock.base_url=\"http://127.0.0.1:$MPORT/v1\"" \
  -c 'model_providers.mock.wire_api="responses"' -c 'model_providers.mock.env_key="MOCK_KEY"' "run the steps" </dev/null > "$TMP/codex.out" 2>&1
echo "codex exit: $?"
node "$HERE/gates-summary.mjs" "$TMP/relay.log.full" "$LOG" "$TMP/codex.out"
