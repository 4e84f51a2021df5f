#!/usr/bin/env bash
# Runs a project command (wrangler, vitest, tsc, ...) with Node.js 22+ and installed dependencies.
#
# wrangler refuses to start below Node 22.12. When the machine's node is older, Node 22 is installed once from the
# npm registry into .cache/node22 (no other download) and put first on PATH. Dependencies are installed with
# `npm ci` when node_modules is missing or older than package-lock.json, so a fresh clone needs no set-up step.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

node_ok() {
  local v; v="$(node -p 'const [a,b]=process.versions.node.split(".").map(Number); a>22||(a===22&&b>=12)?1:0' 2>/dev/null || echo 0)"
  [ "$v" = "1" ]
}

if ! node_ok; then
  local_node="$root/.cache/node22/node_modules/.bin"
  if [ ! -x "$local_node/node" ]; then
    echo "with-node22: node $(node -v 2>/dev/null || echo none) is older than 22.12; installing Node 22 into .cache/node22" >&2
    npm install --prefix "$root/.cache/node22" --no-save --no-package-lock --no-audit --no-fund node@22 >&2
  fi
  export PATH="$local_node:$PATH"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "with-node22: installing dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
fi

# Keep wrangler offline-friendly: no metrics, no update check, no Cloudflare lookups.
export WRANGLER_SEND_METRICS=false WRANGLER_HIDE_BANNER=true CLOUDFLARE_CF_FETCH_ENABLED=false
export PATH="$root/node_modules/.bin:$PATH"
exec "$@"
