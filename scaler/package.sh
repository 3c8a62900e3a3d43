#!/usr/bin/env bash
# Zips each bundle (index.js at the zip root) for Terraform, deterministically: fixed file order and
# timestamps, so an unchanged bundle gives the same zip and the same source_code_hash.
set -Eeuo pipefail
cd "$(dirname "$0")"
for entry in webhook reconciler; do
  [[ -f dist/${entry}/index.js ]] || { echo "dist/${entry}/index.js is missing: run bash scaler/build.sh" >&2; exit 1; }
  timeout 60 python3 - "dist/${entry}" "dist/${entry}.zip" <<'PY'
import os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
names = sorted(n for n in os.listdir(src) if os.path.isfile(os.path.join(src, n)))
with zipfile.ZipFile(out + '.tmp', 'w', zipfile.ZIP_DEFLATED) as z:
    for name in names:
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(os.path.join(src, name), 'rb') as f:
            z.writestr(info, f.read())
os.replace(out + '.tmp', out)
PY
  echo "scaler/dist/${entry}.zip"
done
