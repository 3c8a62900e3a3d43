#!/usr/bin/env bash
# Benchmark (npm run bench:runtime-sync; not run in CI): push and pull of a realistic tool cache
# (~1.5 GB, ~30,000 files, generated deterministically into a temp folder that is removed afterwards),
# compared in the same run with plain `rsync -a` and `cp -a` of the same tree. Prints one line per copy and
# the ratio runtime-sync pull / plain rsync (target: <= 1.1).
# Settings: RUNTIME_SYNC_BENCH_FILES (30000), RUNTIME_SYNC_BENCH_BYTES (1610612736), RUNTIME_SYNC_BENCH_ROUNDS
# (3), TMPDIR (where the data goes).
set -Eeuo pipefail
cd "$(dirname "$0")/../.."

files=${RUNTIME_SYNC_BENCH_FILES:-30000}
bytes=${RUNTIME_SYNC_BENCH_BYTES:-1610612736}
rounds=${RUNTIME_SYNC_BENCH_ROUNDS:-3}
bundle=$PWD/runtime-sync/dist/index.js
log() { printf '%s [%s] %s\n' "$(date -u +%H:%M:%S)" "$1" "$2" >&2; }
command -v rsync >/dev/null || { log error "rsync is missing: run scripts/setup.sh"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/rs-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT
log info "generating $files files, $bytes bytes in $work"
python3 runtime-sync/bench/generate.py "$work/local" "$files" "$bytes"
log info "generated: $(find "$work/local" -type f | wc -l) files, $(du -sb "$work/local" | cut -f1) bytes"

# The EFS stand-in for pulls: filled once by runtime-sync push (so it carries its bookkeeping files).
mkdir -p "$work/efs"
RUNTIME_SYNC_ROOT=$work/efs RUNNER_TOOL_CACHE=$work/local node "$bundle" push 2>/dev/null

rs_pull() { RUNTIME_SYNC_ROOT=$1 RUNNER_TOOL_CACHE=$2 node "$bundle" pull; }
rs_push() { mkdir -p "$1" && RUNTIME_SYNC_ROOT=$1 RUNNER_TOOL_CACHE=$2 node "$bundle" push; }

declare -A total
declare -A samples
timed() { # <name> <target dir> <command...>: time one copy into a fresh target, then remove it
  local name=$1 target=$2
  shift 2
  rm -rf "$target"
  sync
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s%N)
  local ms=$(((end - start) / 1000000))
  samples[$name]="${samples[$name]:-} $ms"
  total[$name]=$((${total[$name]:-0} + ms))
  rm -rf "$target"
}

for round in $(seq 1 "$rounds"); do
  log info "round $round of $rounds"
  timed "pull: runtime-sync pull" "$work/dst" rs_pull "$work/efs" "$work/dst"
  timed "pull: rsync -a" "$work/dst" rsync -a "$work/efs/" "$work/dst/"
  timed "pull: cp -a" "$work/dst" cp -a "$work/efs/." "$work/dst/"
  timed "push: runtime-sync push" "$work/efs2" rs_push "$work/efs2" "$work/local"
  timed "push: rsync -a" "$work/efs2" rsync -a "$work/local/" "$work/efs2/"
  timed "push: cp -a" "$work/efs2" cp -a "$work/local/." "$work/efs2/"
done

printf '\nruntime-sync benchmark: %s files, %s bytes, %s rounds (ms per round; mean)\n' \
  "$(find "$work/local" -type f | wc -l)" "$(du -sb "$work/local" | cut -f1)" "$rounds"
for name in "pull: runtime-sync pull" "pull: rsync -a" "pull: cp -a" "push: runtime-sync push" "push: rsync -a" "push: cp -a"; do
  printf '  %-26s %8.2f s  (%s )\n' "$name" "$(echo "${total[$name]} / $rounds / 1000" | bc -l)" "${samples[$name]}"
done
pull_ratio=$(echo "${total["pull: runtime-sync pull"]} / ${total["pull: rsync -a"]}" | bc -l)
push_ratio=$(echo "${total["push: runtime-sync push"]} / ${total["push: rsync -a"]}" | bc -l)
printf '  pull / plain rsync: %.3f (target <= 1.1)\n  push / plain rsync: %.3f\n' "$pull_ratio" "$push_ratio"
