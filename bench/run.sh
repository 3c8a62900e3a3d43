#!/usr/bin/env bash
# The benchmark of issue 5 (npm run bench). Builds the benchmark driver (bench/lib, bundled with ncc
# into bench/data/build), then runs it. With no arguments it runs the whole benchmark (`run`); any
# arguments are passed to the driver instead (e.g. `bash bench/run.sh server --dir /tmp/s3`).
# Settings (environment): BENCH_CASES=tiny,standard[,large]  BENCH_RUNS=3  BENCH_NETWORK=both|plain|shaped
#   BENCH_LATENCY_MS=20  BENCH_RATE_MBPS=60  BENCH_CREDENTIALS=oidc|static  BENCH_BASELINES=1
#   BENCH_NODE=<node for the action>  BENCH_DATA_DIR=bench/data  BENCH_UPDATE_README=1
# plus the action's own tuning (DAZN_CACHE_UPLOAD_CONCURRENCY, DAZN_CACHE_DOWNLOAD_CONCURRENCY, ...).
set -Eeuo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/time ]; then
  echo "[bench] installing GNU time (Debian package time) for CPU and memory figures" >&2
  apt-get install -y -qq time >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq time; }
fi
for tool in zstd tar; do
  command -v "$tool" >/dev/null || { echo "[bench] $tool is required (apt-get install $tool)" >&2; exit 1; }
done
if [ "${1:-run}" = run ] && ! ls dist/save-only/index.js dist/restore-only/index.js >/dev/null 2>&1; then
  echo "[bench] dist/save-only and dist/restore-only are missing: run npm run build" >&2
  exit 1
fi
if [ "${1:-run}" = run ] && [ "${BENCH_CREDENTIALS:-oidc}" = oidc ] && ! command -v moto_server >/dev/null; then
  echo "[bench] moto_server (STS for the OIDC credentials) is missing: use BENCH_CREDENTIALS=static or install moto" >&2
  exit 1
fi

build=bench/data/build
mkdir -p "$build"
npx ncc build bench/lib/main.ts -o "$build" --quiet --transpile-only
BENCH_REPO=$PWD exec node "$build/index.js" "${@:-run}"
