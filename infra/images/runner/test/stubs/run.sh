#!/usr/bin/env bash
# Stand-in for the actions runner's run.sh (see config.sh beside it), modelling what the entrypoint
# relies on (actions/runner src/Runner.Listener/Runner.cs, Program.cs, layoutroot/run.sh):
#   - it starts only when configured: .runner and .credentials in its folder (written by config.sh or,
#     for a JIT configuration, by runner-init); otherwise "Runner is not configured." and, as the real
#     run.sh turns the listener's TerminatedError into, status 0;
#   - when a job starts it runs ACTIONS_RUNNER_HOOK_JOB_STARTED with bash (STUB_RUN_NO_JOB=1: no job
#     comes, the runner idles until stopped);
#   - STUB_RUNNER_DEPRECATED=1: GitHub refuses this runner version: status 7 when
#     ACTIONS_RUNNER_RETURN_VERSION_DEPRECATED_EXIT_CODE=1, else 0, as the real one.
# Records its arguments, environment and command line; "runs a job" for STUB_RUN_SECONDS (0) and exits
# STUB_RUN_EXIT (0); on TERM it exits 143 like a cancelled job (STUB_RUN_IGNORE_TERM=1: it does not
# stop on TERM, so the entrypoint must KILL it). STUB_RUN_REMOVES_CONFIG=1 removes the configuration
# after the job, as an ephemeral runner does.
# shellcheck disable=SC2317 # on_term is reached through trap only
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
record=${STUB_RECORD_DIR:-/tmp/runner-stub}
mkdir -p "$record"
printf '%s\n' "$@" >"$record/run.args"
env >"$record/run.env"
tr '\0' '\n' </proc/$$/cmdline >"$record/run.cmdline"
if [ ! -s "$here/.runner" ] || [ ! -s "$here/.credentials" ]; then
  echo "run.sh not-configured" >>"$record/calls"
  echo "Runner is not configured." >&2
  echo "Exiting runner..."
  exit 0
fi
name=$(sed '1s/^\xEF\xBB\xBF//' "$here/.runner" | jq -r '.agentName // "unnamed"')
echo "run.sh $* agent=$name" >>"$record/calls"
if [ "${STUB_RUNNER_DEPRECATED:-0}" = 1 ]; then
  echo "An error occurred: Runner version v0.0.0 is deprecated and cannot receive messages." >&2
  if [ "${ACTIONS_RUNNER_RETURN_VERSION_DEPRECATED_EXIT_CODE:-}" = 1 ]; then exit 7; fi
  exit 0
fi
echo "√ Connected to GitHub"
echo "Listening for Jobs"
sleeper=""
on_term() {
  echo "run.sh got TERM" >>"$record/calls"
  if [ "${STUB_RUN_IGNORE_TERM:-0}" = 1 ]; then return 0; fi
  [ -z "$sleeper" ] || kill "$sleeper" 2>/dev/null || true
  exit 143
}
trap on_term TERM
if [ "${STUB_RUN_NO_JOB:-0}" = 1 ]; then
  seconds=${STUB_RUN_SECONDS:-0}
else
  echo "run.sh job-started" >>"$record/calls"
  if [ -n "${ACTIONS_RUNNER_HOOK_JOB_STARTED:-}" ]; then bash -e "$ACTIONS_RUNNER_HOOK_JOB_STARTED"; fi
  seconds=${STUB_RUN_SECONDS:-0}
fi
end=$((SECONDS + seconds))
while [ "$SECONDS" -lt "$end" ]; do
  sleep 1 >/dev/null 2>&1 &
  sleeper=$!
  wait "$sleeper" || true
  sleeper=""
done
if [ "${STUB_RUN_REMOVES_CONFIG:-0}" = 1 ]; then rm -f "$here/.runner" "$here/.credentials" "$here/.credentials_rsaparams"; fi
exit "${STUB_RUN_EXIT:-0}"
