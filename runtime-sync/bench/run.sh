#!/usr/bin/env bash
# Benchmark (npm run bench:runtime-sync; not run in CI): runtime-sync pull and push against plain `rsync -a`
# of the same tool-cache tree on the same volume, on two volumes:
#   disk  the local disk (ext4 here) standing in for EFS;
#   efs   an EFS-like volume: runtime-sync/bench/efsmodel.c, a FUSE passthrough that adds a delay per
#         metadata operation and per open and caps throughput (defaults from AWS's EFS figures, see README).
# Every timed copy goes into a fresh folder; nothing is deleted until the end (on unjournaled ext4, creating
# files soon after a mass delete is several times slower, which would make the figures depend on the order).
# The compared copies run in alternating turns; the table shows medians and the machine load.
# Also timed: a warm pull (everything already local; target < 0.3 s), and, as a reference for a possible
# archive layout, rsync of one tar file per version plus a parallel local extract (pull) / local tar plus
# rsync of the tars (push).
#
# Settings: RUNTIME_SYNC_BENCH_VOLUMES ("disk efs"), RUNTIME_SYNC_BENCH_ROUNDS (3),
#   disk tree: RUNTIME_SYNC_BENCH_FILES (30000), RUNTIME_SYNC_BENCH_BYTES (1610612736);
#   efs tree:  RUNTIME_SYNC_BENCH_EFS_FILES (2000), RUNTIME_SYNC_BENCH_EFS_BYTES (104857600);
#   efs model: RUNTIME_SYNC_BENCH_EFS_OPTIONS (read_us=1000,write_us=2700,mibps=100); TMPDIR (where data goes);
#   RUNTIME_SYNC_BENCH_BUNDLE (runtime-sync/dist/index.js); RUNTIME_SYNC_BENCH_COPY_TIMEOUT_SECONDS (900: the
#   bound of each reference rsync and tar).
# Needs rsync, and for the efs volume /dev/fuse, fusermount3, gcc and libfuse3-dev (scripts/setup.sh).
set -Eeuo pipefail
cd "$(dirname "$0")/../.."

volumes=${RUNTIME_SYNC_BENCH_VOLUMES:-disk efs}
rounds=${RUNTIME_SYNC_BENCH_ROUNDS:-3}
efs_options=${RUNTIME_SYNC_BENCH_EFS_OPTIONS:-read_us=1000,write_us=2700,mibps=100}
bundle=${RUNTIME_SYNC_BENCH_BUNDLE:-$PWD/runtime-sync/dist/index.js}
log() { printf '%s [%s] %s\n' "$(date -u +%H:%M:%S)" "$1" "$2" >&2; }
command -v rsync >/dev/null || { log error "rsync is missing: run scripts/setup.sh"; exit 1; }
export RUNTIME_SYNC_VERIFY=off # generated versions that no publisher lists
# Every copy of the reference commands (rsync, tar) is bounded, as runtime-sync bounds its own (its budget).
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

rs_pull() { RUNTIME_SYNC_ROOT=$1 RUNNER_TOOL_CACHE=$2 node "$bundle" pull; }
rs_push() { mkdir "$1" && RUNTIME_SYNC_ROOT=$1 RUNNER_TOOL_CACHE=$2 node "$bundle" push; }
plain_rsync() { timeout -k 10 "$limit" rsync -a "$1/" "$2/"; }
# The archive reference: one tar per version, rsync'd in one run, extracted locally two at a time.
untar_here() { timeout -k 10 "$limit" tar -xf "$1" -C "$(dirname "$1")"; }
export -f untar_here
# shellcheck disable=SC2016 # $0 is expanded by the inner bash, on purpose
tar_pull() { plain_rsync "$1" "$2" && find "$2" -name '*.tar' -print0 | xargs -0 -P 2 -I{} bash -c 'untar_here "$0"' {}; }
tar_push() { # <dest> <local tree> <scratch>
  mkdir -p "$3" && (cd "$2" && for m in */*/*.complete; do v=${m%.complete}; mkdir -p "$3/${v%/*}"; timeout -k 10 "$limit" tar -cf "$3/$v.tar" -C "${v%/*}" "${v##*/}"; cp "$m" "$3/$m"; done) && plain_rsync "$3" "$1"
}

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
  # The pull source, filled before the volume is mounted: a root made by runtime-sync push, and the same
  # versions as one tar each (the archive reference).
  rs_push "$base/backing/root" "$base/tree" >/dev/null 2>&1
  tar_push "$base/backing/archives" "$base/tree" "$base/scratch-0"
  local vroot=$base/backing
  if [[ $vol == efs ]]; then
    mkdir -p "$base/mnt"
    "$efsmodel" "$base/backing" "$base/mnt" -o "$efs_options"
    mounted+=("$base/mnt")
    vroot=$base/mnt
  fi
  local warm=$base/local-out/warm
  rs_pull "$vroot/root" "$warm" >/dev/null 2>&1
  summary[$vol]="$(find "$base/tree" -type f | wc -l) files, $(du -sb "$base/tree" | cut -f1) bytes"
  local round
  for round in $(seq 1 "$rounds"); do
    log info "$vol: round $round of $rounds (load $(cut -d' ' -f1-3 /proc/loadavg))"
    # Pulls read the volume and write the local disk; pushes read the local disk and write the volume.
    # every copy goes to a folder of its own (name and round): fresh, and nothing deleted before it
    timed "$vol pull runtime-sync" rs_pull "$vroot/root" "$base/local-out/rs-$round"
    timed "$vol pull rsync" plain_rsync "$vroot/root" "$base/local-out/rsync-$round"
    timed "$vol pull tar" tar_pull "$vroot/archives" "$base/local-out/tar-$round"
    timed "$vol pull warm" rs_pull "$vroot/root" "$warm"
    timed "$vol push runtime-sync" rs_push "$vroot/push-rs-$round" "$base/tree"
    timed "$vol push rsync" plain_rsync "$base/tree" "$vroot/push-rsync-$round"
    timed "$vol push tar" tar_push "$vroot/push-tar-$round" "$base/tree" "$base/scratch-$round"
  done
}

declare -A summary
for vol in $volumes; do
  [[ $vol == efs ]] && build_model
  bench_volume "$vol"
done

printf '\nruntime-sync benchmark: medians of %s rounds, alternating; load %s; rsync %s; efs model %s\n' \
  "$rounds" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(rsync --version | head -1 | awk '{print $3}')" "$efs_options"
printf '| volume | tree | copy | runtime-sync | rsync -a | ratio | tar reference | samples (ms: runtime-sync / rsync) |\n'
printf '| --- | --- | --- | ---: | ---: | ---: | ---: | --- |\n'
for vol in $volumes; do
  for dir in pull push; do
    rs=$(median "${samples["$vol $dir runtime-sync"]}")
    pl=$(median "${samples["$vol $dir rsync"]}")
    tr=$(median "${samples["$vol $dir tar"]}")
    printf '| %s | %s | %s | %.2f s | %.2f s | %.2f× | %.2f s | %s / %s |\n' "$vol" "${summary[$vol]}" "$dir" \
      "$(bc -l <<<"$rs/1000")" "$(bc -l <<<"$pl/1000")" "$(bc -l <<<"$rs/$pl")" "$(bc -l <<<"$tr/1000")" \
      "${samples["$vol $dir runtime-sync"]# }" "${samples["$vol $dir rsync"]# }"
  done
  printf '| %s | | warm pull (nothing to do; target < 0.3 s) | %.2f s | | | | %s |\n' "$vol" \
    "$(bc -l <<<"$(median "${samples["$vol pull warm"]}")/1000")" "${samples["$vol pull warm"]# }"
done
