#!/usr/bin/env bash
# Codex's own CLI reaching our server with a signed bearer token (HS256 JWT):
# the server runs with --ws-auth signed-bearer-token, Codex sends the token
# from CODEX_HOME/environments.toml (`auth_bearer_token`, the only way its
# client sends one), and a mock model (mock.mjs) makes it run one command.
#
#   scratch/codex-e2e/signed-token.sh        (after `npm run build`; Codex as for run.sh)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CODEX=${CODEX:-/opt/codex/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex}
WS=$HOME/e2e-ws-signed; rm -rf "$WS"; mkdir -p "$WS"
# Codex's sandbox helper refuses a CODEX_HOME under /tmp.
export CODEX_HOME=$HOME/.codex-e2e-signed; rm -rf "$CODEX_HOME"; mkdir -p "$CODEX_HOME"
SECRET=$CODEX_HOME/secret; head -c 48 /dev/urandom | base64 > "$SECRET"
PORT=$((19500 + RANDOM % 300)); MPORT=$((18500 + RANDOM % 300))
TOKEN=$(cd "$ROOT" && SECRET=$SECRET node -e '
import("jose").then(async (jose) => {
  const key = new TextEncoder().encode(require("fs").readFileSync(process.env.SECRET, "utf8").trim())
  console.log(await new jose.SignJWT({}).setProtectedHeader({ alg: "HS256" }).setExpirationTime("5m").sign(key))
})')
printf 'default = "remote"\ninclude_local = false\n[[environments]]\nid = "remote"\nurl = "ws://127.0.0.1:%s"\nauth_bearer_token = "%s"\n' \
  "$PORT" "$TOKEN" > "$CODEX_HOME/environments.toml"
export LOG=${LOG_DIR:-/tmp}/requests-signed.log; rm -f "$LOG"
export CMD='echo signed-ok > inside.txt && cat inside.txt'
node "$HERE/mock.mjs" $MPORT 2>/dev/null & MOCK=$!
"$ROOT/dist/cli/exec-server" --listen ws://127.0.0.1:$PORT --ws-auth signed-bearer-token --ws-shared-secret-file "$SECRET" >/dev/null 2>&1 & SRV=$!
sleep 1
MOCK_KEY=dummy timeout 120 "$CODEX" exec -s workspace-write --skip-git-repo-check -C "$WS" -m gpt-5.5 \
  -c model_provider=mock -c 'model_providers.mock.name="mock"' -c "model_providers.mock.base_url=\"http://127.0.0.1:$MPORT/v1\"" \
  -c 'model_providers.mock.wire_api="responses"' -c 'model_providers.mock.env_key="MOCK_KEY"' "run the command" >/dev/null 2>&1
echo "codex exit: $?"
kill $SRV $MOCK 2>/dev/null; wait 2>/dev/null
echo "written through the server: $(cat "$WS/inside.txt" 2>&1)"
