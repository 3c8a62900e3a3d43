#!/usr/bin/env bash
# Fails when the committed dist/ bundles differ from a fresh build of the sources.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
if ! git diff --quiet --exit-code -- dist runtime-sync/dist || [ -n "$(git status --porcelain -- dist runtime-sync/dist)" ]; then
  echo "dist/ is stale: run 'npm run build' and commit dist/ and runtime-sync/dist/." >&2
  git status --short -- dist runtime-sync/dist >&2
  exit 1
fi
echo "dist/ is up to date."
