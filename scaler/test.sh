#!/usr/bin/env bash
# scaler tests (for scripts/test-all.sh): type check, build the bundles, then the jest unit and
# integration tests (the integration tests run the built bundles against the fake GitHub and moto),
# and a check that the committed bundles are the ones just built.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
log() { printf '%s [%s] %s\n' "$(date -u +%H:%M:%S)" "$1" "$2" >&2; }
command -v moto_server >/dev/null || { log error "moto_server is missing: pip install 'moto[server]'"; exit 1; }
log info "type check"
timeout 300 npx tsc --noEmit -p scaler/tsconfig.json
log info "build"
bash scaler/build.sh
bash scaler/package.sh >/dev/null
if ! git diff --quiet -- scaler/dist 2>/dev/null; then
  log error "scaler/dist differs from the committed bundles: run 'bash scaler/build.sh' and commit scaler/dist"
  git --no-pager diff --stat -- scaler/dist >&2
  exit 1
fi
log info "jest: unit, fake GitHub, integration"
timeout 900 npx jest -c scaler/jest.config.js
