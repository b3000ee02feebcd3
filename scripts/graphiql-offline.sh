#!/usr/bin/env bash
# Proves that the development page's GraphiQL works with no access to the
# internet: headless Chromium opens / with every request that leaves the
# loopback blocked and recorded, types a real token into the headers
# panel, and waits for the schema to load in the documentation explorer
# and for a query to answer. Fails on any request to another host, on
# "Error fetching schema", or when GraphiQL does not render.
#   GRAPHIQL_SCREENSHOT=page.png scripts/graphiql-offline.sh   (keeps a screenshot)
set -euo pipefail
. "$(dirname "$0")/serve.sh"

if ! command -v chromium >/dev/null; then
  echo "installing chromium"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

start_server
npm_scratch playwright-core@1.65.1
cp "$REPO/scripts/graphiql-offline.mjs" "$WORK/npm/"
timeout 120 node "$WORK/npm/graphiql-offline.mjs" "$SERVER_URL" "$TOKEN" "$WORK/profile" "${GRAPHIQL_SCREENSHOT:-}"
