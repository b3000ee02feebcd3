#!/usr/bin/env bash
# The GraphQL-over-HTTP conformance audit (graphql-http's auditServer)
# against the server in development mode, with a coordinator's bearer
# token. Prints every result; fails on any error or warning.
set -euo pipefail
. "$(dirname "$0")/serve.sh"

start_server
npm_scratch graphql-http@1.23.1 graphql@16
cp "$REPO/scripts/graphql-http-audit.mjs" "$WORK/npm/"
node "$WORK/npm/graphql-http-audit.mjs" "$SERVER_URL/graphql" "$TOKEN"
