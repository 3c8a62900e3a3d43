#!/usr/bin/env bash
# Stand-in for the actions runner's config.sh, for the entrypoint tests and for local image builds
# (RUNNER_DIST=local), where the real runner cannot be downloaded. Records each call's arguments and
# environment under STUB_RECORD_DIR; writes .runner on configure and removes it on `remove`, as the
# real one does. STUB_CONFIG_EXIT sets its exit status.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
record=${STUB_RECORD_DIR:-/tmp/runner-stub}
mkdir -p "$record"
n=$(find "$record" -maxdepth 1 -name 'config.*.args' | wc -l)
printf '%s\n' "$@" >"$record/config.$n.args"
env >"$record/config.$n.env"
echo "config.sh $*" >>"$record/calls"
if [ "${1:-}" = remove ]; then
  rm -f "$here/.runner"
else
  echo '{"stub": true}' >"$here/.runner"
fi
exit "${STUB_CONFIG_EXIT:-0}"
