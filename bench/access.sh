#!/usr/bin/env bash
# npm run bench:access: what recording an entry's last use adds to a restore (bench/access.ts).
# Settings: BENCH_RUNS=30 BENCH_LATENCY_MS=20.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
build=bench/data/build-access
mkdir -p "$build"
npx ncc build bench/access.ts -o "$build" --quiet --transpile-only
exec node "$build/index.js"
