#!/bin/sh
# runtime-sync in the runner image: the bundle built from runtime-sync/ (runtime-sync/dist/index.js),
# run with the Node that the actions runner ships in its externals folder.
set -eu
bundle=${RUNTIME_SYNC_BUNDLE:-/opt/runtime-sync/index.js}
if [ ! -f "$bundle" ]; then
  echo "runtime-sync: $bundle is missing: the image was built without runtime-sync/dist/index.js; run 'npm run build' and rebuild the image" >&2
  exit 69
fi
node=${RUNTIME_SYNC_NODE:-}
if [ -z "$node" ]; then
  for candidate in "${RUNNER_HOME:-/home/runner}"/externals/node24/bin/node "${RUNNER_HOME:-/home/runner}"/externals/node20/bin/node "$(command -v node || true)"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then
      node=$candidate
      break
    fi
  done
fi
if [ -z "$node" ]; then
  echo "runtime-sync: no Node binary in the runner's externals (node24, node20) nor on PATH; set RUNTIME_SYNC_NODE" >&2
  exit 69
fi
exec "$node" "$bundle" "$@"
