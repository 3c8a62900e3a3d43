#!/usr/bin/env bash
# The scaler's simulated day (npm run bench:scaler): builds the bundles if missing, compiles the driver
# with tsc into a temporary folder and runs it. Prints a table and one "scaler-sim: ..." line.
# Settings: SIM_JOBS (500), SIM_SPEED (20 simulated s per real s), SIM_SEED (11).
set -Eeuo pipefail
cd "$(dirname "$0")/../.."
command -v moto_server >/dev/null || { echo "moto_server is missing: pip install 'moto[server]'" >&2; exit 1; }
[[ -f scaler/dist/webhook/index.js && -f scaler/dist/reconciler/index.js ]] || bash scaler/build.sh
out=$(mktemp -d "${TMPDIR:-/tmp}/scaler-sim-XXXXXX")
trap 'rm -rf "$out"' EXIT
timeout 300 npx tsc --outDir "$out" --rootDir . --module commonjs --moduleResolution node --target ES2022 \
  --esModuleInterop --skipLibCheck --strict --types node scaler/bench/day.ts
# The compiled helpers find the bundles relative to themselves: point them at the real ones.
mkdir -p "$out/scaler"
ln -s "$PWD/scaler/dist" "$out/scaler/dist"
ln -s "$PWD/node_modules" "$out/node_modules"
timeout 1800 node "$out/scaler/bench/day.js"
