#!/usr/bin/env bash
# Builds one ncc bundle per action entry point, and the runtime-sync command, into dist folders.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
build() { # <entry .ts> <out dir>
  rm -rf "$2"
  npx ncc build "$1" -o "$2" --license licenses.txt --quiet
}
for entry in restore save restore-only save-only; do
  build "src/entrypoints/${entry}.ts" "dist/${entry}"
done
if [ -f runtime-sync/src/cli.ts ]; then
  build runtime-sync/src/cli.ts runtime-sync/dist
fi
