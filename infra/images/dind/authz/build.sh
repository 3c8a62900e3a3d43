#!/usr/bin/env bash
# Bundles the authorization plugin (src/main.ts) into one CommonJS file with ncc:
#   build.sh <out dir>      writes <out dir>/index.js (the dind image gets it at /opt/dazn/authz/)
set -Eeuo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../../.." && pwd)
out=${1:?usage: build.sh <out dir>}
mkdir -p "$out"
out=$(cd "$out" && pwd)
[ -x "$repo/node_modules/.bin/ncc" ] || { echo "dazn-authz build: $repo/node_modules/.bin/ncc is missing: run npm ci in $repo" >&2; exit 69; }
cd "$repo"
timeout 300 npx --no-install ncc build "$here/src/main.ts" -o "$out" --quiet --target es2022
