#!/usr/bin/env bash
# ACTIONS_RUNNER_HOOK_JOB_STARTED of the runner image (set by the entrypoint for run.sh): the runner runs
# it when a job starts, before the job's first step. It marks that a job ran, so that the exit trap
# pushes the tool cache only after a job (a runner stopped while idle has nothing new to share), then
# runs the hook the task definition set, if any (DAZN_NEXT_HOOK_JOB_STARTED).
set -euo pipefail
marker=${DAZN_JOB_STARTED_MARKER:?DAZN_JOB_STARTED_MARKER is not set: the runner entrypoint sets it for run.sh}
date -u +%Y-%m-%dT%H:%M:%SZ >"$marker"
if [ -n "${DAZN_NEXT_HOOK_JOB_STARTED:-}" ]; then
  exec bash -e "$DAZN_NEXT_HOOK_JOB_STARTED" "$@" # as the runner runs a .sh hook
fi
