# What the Codex end-to-end scripts share (sourced by turn.sh, skills.sh and
# gates.sh, which set HERE to this folder first): where our binary and Codex
# are, a free port, a wait for a line in a log, and starting our server or
# the reference (with the sourcing script's TMP and PIDS).

ROOT=$(cd "$HERE/../.." && pwd)
CODEX=${CODEX:-/opt/codex/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex}
BIN="$ROOT/dist/cli/exec-server"

# A free loopback port.
port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close() })'; }

# Waits until a file holds a line matching a pattern (a server saying it is
# up), for up to 30 s: a loaded CI machine starts Node slowly.
await_line() { for _ in $(seq 1 300); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "timed out waiting for '$2' in $1" >&2; cat "$1" >&2; exit 1; }

# start_server ours|ref PORT [NAME=VALUE...]: our server or the reference on
# ws://127.0.0.1:PORT, with those variables, once it listens (its log is
# $TMP/server.log). Fails for another mode.
start_server() {
  local mode=$1 port=$2
  shift 2
  case "$mode" in
    ours)
      env "$@" "$BIN" --listen "ws://127.0.0.1:$port" > "$TMP/server.url" 2> "$TMP/server.log" & PIDS+=($!)
      await_line "$TMP/server.log" "listening on" ;;
    ref)
      env "$@" "$CODEX" exec-server --listen "ws://127.0.0.1:$port" > "$TMP/server.log" 2>&1 & PIDS+=($!)
      await_line "$TMP/server.log" "ws://127.0.0.1:$port" ;;
    *) return 1 ;;
  esac
}
