#!/usr/bin/env bash
# Measures zstd levels and windows on the standard dataset's tar stream: compression CPU seconds
# (all threads), wall seconds with -T0, archive size, and decompression CPU seconds and peak memory
# (zstd -d's max RSS: a long window costs the reader that much memory). Writes a Markdown table to
# bench/results/zstd-levels.md. Usage: bash bench/zstd-levels.sh  (after npm run bench made the data)
set -Eeuo pipefail
cd "$(dirname "$0")/.."
data=${BENCH_DATA_DIR:-bench/data}/datasets/standard
[ -d "$data/node_modules" ] || { echo "no standard dataset in $data: run BENCH_CASES=standard npm run bench first" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/zstd-levels.XXXXXX")
trap 'rm -rf "$work"' EXIT
tar --posix -cf "$work/data.tar" -C "$data" node_modules build
size=$(stat -c %s "$work/data.tar")
out=bench/results/zstd-levels.md
{
  echo "zstd $(zstd --version | grep -o 'v[0-9.]*') on the standard dataset's tar ($((size / 1048576)) MiB), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
  echo
  echo "| flags | ratio | compress CPU s | compress wall s (-T0) | decompress CPU s | decompress peak RSS MiB |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
} >"$out"
for flags in "-1" "-1 --long=27" "-3" "-3 --long=30" "-6"; do
  # shellcheck disable=SC2086
  /usr/bin/time -f "%e %U %S" -o "$work/c" zstd -q -f -T0 $flags "$work/data.tar" -o "$work/a.zst"
  read -r cwall cu cs <"$work/c"
  asize=$(stat -c %s "$work/a.zst")
  long=$(grep -o -- '--long=[0-9]*' <<<"$flags" || true)
  # shellcheck disable=SC2086
  /usr/bin/time -f "%e %U %S %M" -o "$work/d" zstd -q -d -c $long "$work/a.zst" >/dev/null
  read -r _ du ds dm <"$work/d"
  # shellcheck disable=SC2016 # the backticks are Markdown
  printf '| `%s` | %.2f | %.2f | %.2f | %.2f | %d |\n' "$flags" "$(bc -l <<<"$size / $asize")" \
    "$(bc -l <<<"$cu + $cs")" "$cwall" "$(bc -l <<<"$du + $ds")" "$((dm / 1024))" >>"$out"
done
cat "$out"
