#!/usr/bin/env bash
# Bundles the JIT reader (src/cli.ts and the AWS SDK's SSM client) into one CommonJS file with ncc:
#   build.sh <out dir>      writes <out dir>/index.js (the image gets it at /opt/dazn/runner-jit/)
set -Eeuo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../../.." && pwd)
out=${1:?usage: build.sh <out dir>}
mkdir -p "$out"
out=$(cd "$out" && pwd)
[ -d "$repo/node_modules/@aws-sdk/client-ssm" ] ||
  { echo "runner-jit build: $repo/node_modules/@aws-sdk/client-ssm is missing: run npm ci in $repo" >&2; exit 69; }
cd "$repo"
timeout 300 npx --no-install ncc build "$here/src/cli.ts" -o "$out" --quiet --license licenses.txt
