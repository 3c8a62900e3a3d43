#!/usr/bin/env bash
# Stand-in for the actions runner's config.sh, for the entrypoint tests and for local image builds
# (RUNNER_DIST=local), where the real runner cannot be downloaded. Records each call's arguments and
# environment under STUB_RECORD_DIR; like the real one, configuring needs a token
# (ACTIONS_RUNNER_INPUT_TOKEN or --token) and writes .runner and .credentials, `remove` removes them.
# STUB_CONFIG_EXIT sets its exit status.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
record=${STUB_RECORD_DIR:-/tmp/runner-stub}
mkdir -p "$record"
n=$(find "$record" -maxdepth 1 -name 'config.*.args' | wc -l)
printf '%s\n' "$@" >"$record/config.$n.args"
env >"$record/config.$n.env"
echo "config.sh $*" >>"$record/calls"
if [ -z "${ACTIONS_RUNNER_INPUT_TOKEN:-}" ]; then
  echo "config.sh: no token (ACTIONS_RUNNER_INPUT_TOKEN)" >&2
  exit 1
fi
if [ "${1:-}" = remove ]; then
  rm -f "$here/.runner" "$here/.credentials" "$here/.credentials_rsaparams"
else
  name=stub
  while [ $# -gt 0 ]; do
    if [ "$1" = --name ] && [ $# -gt 1 ]; then name=$2; fi
    shift
  done
  printf '{"agentName": "%s", "ephemeral": true}\n' "$name" >"$here/.runner"
  echo '{"scheme": "OAuth"}' >"$here/.credentials"
fi
exit "${STUB_CONFIG_EXIT:-0}"
