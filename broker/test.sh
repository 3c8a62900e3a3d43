#!/usr/bin/env bash
# broker tests (for scripts/test-all.sh): type check, build and zip the bundle, fail when the
# committed bundle is not the one just built, then the jest tests (they call the built bundle as
# Lambda does, against a fake GitHub OIDC issuer, a fake GitHub and moto).
set -Eeuo pipefail
cd "$(dirname "$0")/.."
log() { printf '%s [%s] %s\n' "$(date -u +%H:%M:%S)" "$1" "$2" >&2; }
command -v moto_server >/dev/null || { log error "moto_server is missing: pip install 'moto[server]'"; exit 1; }
log info "type check"
timeout 300 npx tsc --noEmit -p broker/tsconfig.json
log info "build"
bash broker/build.sh
bash broker/package.sh >/dev/null
if ! git diff --quiet -- broker/dist 2>/dev/null || [[ -n "$(git ls-files --others --exclude-standard -- broker/dist)" ]]; then
  log error "broker/dist differs from the committed bundle: run 'bash broker/build.sh && bash broker/package.sh' and commit broker/dist"
  git --no-pager diff --stat -- broker/dist >&2
  exit 1
fi
log info "jest: handler, App lookup"
timeout 900 npx jest -c broker/jest.config.js
