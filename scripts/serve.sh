# Sourced by the scripts beside it: builds the server and starts it in
# development mode on a fresh SQLite file, on a free loopback port, with a
# coordinator's token. Sets WORK (a scratch folder, removed at exit),
# SERVER_URL, TOKEN and SERVER_PID. Needs Go; run from anywhere.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d)"
SERVER_PID=""

stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap stop_server EXIT

start_server() {
  (cd "$REPO" && go build -o "$WORK/server" ./cmd/server)
  export DATABASE_URL="sqlite:$WORK/segretariato.db"
  TOKEN="$("$WORK/server" operator add --email prova@comune.example.it --name "Operatore di prova" --role COORDINATOR)"
  "$WORK/server" --env development --addr 127.0.0.1:0 --log-level info 2>"$WORK/server.log" >/dev/null &
  SERVER_PID=$!
  local addr=""
  for _ in $(seq 1 100); do
    addr="$(sed -n 's/.*"msg":"listening","addr":"\([^"]*\)".*/\1/p' "$WORK/server.log" | head -n1)"
    [ -n "$addr" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$addr" ]; then
    echo "FAIL: the server did not start:" >&2
    cat "$WORK/server.log" >&2
    exit 1
  fi
  SERVER_URL="http://$addr"
  echo "server at $SERVER_URL (development mode, $DATABASE_URL)"
}

# npm_scratch PACKAGE@VERSION...: installs npm packages into $WORK/npm,
# never into the repository.
npm_scratch() {
  mkdir -p "$WORK/npm"
  (cd "$WORK/npm" && echo '{"private":true,"type":"module"}' >package.json &&
    npm install --no-audit --no-fund --loglevel=error "$@" >/dev/null)
}
