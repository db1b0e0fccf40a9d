#!/usr/bin/env bash
# Builds the UI with the system's node/npm (no Node download): npm ci from the committed lockfile
# when node_modules is missing or older than the lockfile, then type-check and bundle into $1.
set -euo pipefail
cd "$(dirname "$0")"
out="${1:-dist}"
if ! command -v npm >/dev/null 2>&1; then
  echo "carto-ui: npm is not installed; install Node.js 18+ (Debian: apt-get install nodejs npm) to build the web UI" >&2
  exit 1
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npx --no-install tsc --noEmit
node build.mjs "$out"
