#!/usr/bin/env bash
# Zips the bundle (index.js and licenses.txt at the zip root, handler index.handler) for Terraform,
# deterministically: fixed file order and timestamps, so an unchanged bundle gives the same zip and
# the same source_code_hash.
set -Eeuo pipefail
cd "$(dirname "$0")"
[[ -f dist/index.js ]] || { echo "broker/dist/index.js is missing: run bash broker/build.sh" >&2; exit 1; }
timeout 60 python3 - dist dist/broker.zip <<'PY'
import os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
names = sorted(n for n in ('index.js', 'licenses.txt') if os.path.isfile(os.path.join(src, n)))
with zipfile.ZipFile(out + '.tmp', 'w', zipfile.ZIP_DEFLATED) as z:
    for name in names:
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(os.path.join(src, name), 'rb') as f:
            z.writestr(info, f.read())
os.replace(out + '.tmp', out)
PY
echo "broker/dist/broker.zip"
