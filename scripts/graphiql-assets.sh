#!/usr/bin/env bash
# Refreshes the GraphiQL page's assets that the server embeds
# (internal/server/graphiql): GraphiQL's UMD build and stylesheet, React
# and ReactDOM's UMD builds, their licences, and the notices of every
# package GraphiQL's build bundles. Installs from npm into a scratch folder.
#   scripts/graphiql-assets.sh            (the versions below)
set -euo pipefail
GRAPHIQL=3.9.0
REACT=18.3.1

repo="$(cd "$(dirname "$0")/.." && pwd)"
out="$repo/internal/server/graphiql"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
echo '{"private":true}' >package.json
npm install --no-audit --no-fund --loglevel=error "graphiql@$GRAPHIQL" "react@$REACT" "react-dom@$REACT" >/dev/null

nm="$work/node_modules"
cp "$nm/graphiql/graphiql.min.js" "$nm/graphiql/graphiql.min.css" "$out/"
cp "$nm/react/umd/react.production.min.js" "$nm/react-dom/umd/react-dom.production.min.js" "$out/"
cp "$nm/graphiql/LICENSE" "$out/LICENSE.graphiql"
cp "$nm/react/LICENSE" "$out/LICENSE.react"
cp "$nm/react-dom/LICENSE" "$out/LICENSE.react-dom"

# Every package of GraphiQL's production tree, with its licence text: the
# UMD build bundles them (but React and ReactDOM, served apart).
node - "$nm" >"$out/THIRD-PARTY-NOTICES" <<'JS'
const fs = require('fs'), path = require('path');
const nm = process.argv[2];
const seen = new Map();
function visit(name, from) {
  let dir = from;
  for (;;) {
    const p = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(p, 'package.json'))) { dir = p; break; }
    const up = path.dirname(dir);
    if (up === dir) return;
    dir = up;
  }
  if (seen.has(dir)) return;
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  seen.set(dir, pkg);
  const deps = { ...pkg.peerDependencies, ...pkg.dependencies };
  for (const dep of Object.keys(deps)) if (dep !== 'react' && dep !== 'react-dom') visit(dep, dir);
}
visit('graphiql', path.dirname(nm));
const lines = ['Packages bundled in graphiql.min.js and graphiql.min.css (graphiql and its',
  'production and peer dependencies as installed from npm, React and ReactDOM',
  'apart), with their licences.', ''];
for (const [dir, pkg] of [...seen].sort((a, b) => a[1].name.localeCompare(b[1].name))) {
  const lic = fs.readdirSync(dir).find(f => /^(licen[sc]e|copying)/i.test(f));
  lines.push('='.repeat(72), `${pkg.name} ${pkg.version} (${pkg.license || 'see below'})`, '');
  lines.push(lic ? fs.readFileSync(path.join(dir, lic), 'utf8').trim() : '(no licence file in the package)', '');
}
process.stdout.write(lines.join('\n'));
JS

cat >"$out/VERSIONS" <<TXT
graphiql $GRAPHIQL: graphiql.min.js, graphiql.min.css (LICENSE.graphiql, THIRD-PARTY-NOTICES)
react $REACT: react.production.min.js (LICENSE.react)
react-dom $REACT: react-dom.production.min.js (LICENSE.react-dom)
Written by scripts/graphiql-assets.sh; sha256:
TXT
(cd "$out" && sha256sum graphiql.min.js graphiql.min.css react.production.min.js react-dom.production.min.js >>VERSIONS)
echo "assets written to $out"
