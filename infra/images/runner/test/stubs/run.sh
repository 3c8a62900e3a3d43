#!/usr/bin/env bash
# Stand-in for the actions runner's run.sh (see config.sh beside it). Records its arguments and
# environment, then "runs a job": waits STUB_RUN_SECONDS (0) and exits STUB_RUN_EXIT (0); on TERM it
# exits 143 like a cancelled job. STUB_RUN_REMOVES_CONFIG=1 removes .runner, as an ephemeral runner
# does after its job.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
record=${STUB_RECORD_DIR:-/tmp/runner-stub}
mkdir -p "$record"
printf '%s\n' "$@" >"$record/run.args"
env >"$record/run.env"
tr '\0' '\n' </proc/$$/cmdline >"$record/run.cmdline"
echo "run.sh $*" >>"$record/calls"
sleeper=""
trap '[ -z "$sleeper" ] || kill "$sleeper" 2>/dev/null; echo "run.sh got TERM" >>"$record/calls"; exit 143' TERM
if [ "${STUB_RUN_SECONDS:-0}" != 0 ]; then
  sleep "$STUB_RUN_SECONDS" >/dev/null 2>&1 &
  sleeper=$!
  wait "$sleeper" || true
fi
if [ "${STUB_RUN_REMOVES_CONFIG:-0}" = 1 ]; then rm -f "$here/.runner"; fi
exit "${STUB_RUN_EXIT:-0}"
