#!/usr/bin/env bash
# Runner entrypoint: one ephemeral GitHub Actions job per container, then the container is gone.
#
#   validate settings -> runtime-sync pull -> register (--ephemeral) -> run.sh (one job)
#   exit trap, once, on EXIT/TERM/INT, bounded by RUNNER_EXIT_TIMEOUT_SECONDS:
#     stop run.sh (TERM, then KILL after RUNNER_STOP_GRACE_SECONDS) -> runtime-sync push -> deregister
#     -> exit with the job's status.
#
# Settings (environment):
#   RUNNER_TOKEN | RUNNER_JIT_CONFIG  exactly one: an organisation registration token, or the
#                                     encoded_jit_config returned by the generate-jitconfig API
#   RUNNER_URL (or RUNNER_ORG_URL)    organisation URL, e.g. https://github.com/dazn (token mode)
#   RUNNER_POOL (or DAZN_RUNNER_POOL) pool name, e.g. ecs-x86_64-spot
#   RUNNER_CAPACITY                   spot | on-demand | fargate | fargate-spot
#   RUNNER_PLATFORM                   ecs | fargate; set by the image target, names the runner group
#   RUNNER_GROUP                      runner group; default: RUNNER_PLATFORM
#   RUNNER_LABELS                     the complete label list; default: <pool>,<arch>,<capacity>,
#                                     <platform> (arch: x86_64 or arm64, from the machine), and then
#                                     RUNNER_CAPACITY is not needed
#   RUNNER_EXTRA_LABELS               comma-separated labels added to those
#   RUNNER_NAME                       default: <RUNNER_NAME_PREFIX or pool>-<hostname>-<random>
#   RUNNER_HOME                       the runner's installation (config.sh, run.sh); /home/runner
#   RUNNER_WORKDIR                    the job work folder; <RUNNER_HOME>/_work
#   RUNNER_TOOL_CACHE                 /opt/hostedtoolcache
#   RUNTIME_SYNC_ROOT                 EFS mount of this architecture; unset: no tool cache sync
#   RUNTIME_SYNC_BIN                  /usr/local/bin/runtime-sync
#   RUNTIME_SYNC_TIMEOUT_SECONDS      passed to runtime-sync; the entrypoint adds a margin of 15 s
#   RUNNER_EXIT_TIMEOUT_SECONDS       budget of the whole exit trap; 100 (ECS stopTimeout is <= 120)
#   RUNNER_STOP_GRACE_SECONDS         time run.sh gets to stop after TERM; 20
# shellcheck disable=SC2317 # the exit and signal handlers are reached through trap only
set -Eeuo pipefail

LOG_COMPONENT=runner
# shellcheck source=../common/lib.sh
source "${DAZN_SHELL_LIB:-/usr/local/lib/dazn}/lib.sh"

# --- The registration secret leaves the environment before anything else runs ----------------------
# A process's initial environment stays readable in /proc/<pid>/environ for its whole life, whatever
# the shell unsets later, and the job runs as the same user. So the secret is handed to a fresh copy
# of this script on file descriptor 3 and is no longer part of any environment.
registration_token=""
jit_config=""
take_secret() {
  if [ -z "${RUNNER_SECRET_FD:-}" ]; then
    [ -n "${RUNNER_TOKEN:-}" ] || [ -n "${RUNNER_JIT_CONFIG:-}" ] || return 0
    if [ -n "${RUNNER_TOKEN:-}" ] && [ -n "${RUNNER_JIT_CONFIG:-}" ]; then
      die "RUNNER_TOKEN and RUNNER_JIT_CONFIG are both set: set exactly one (a registration token, or the encoded_jit_config of the generate-jitconfig API)"
    fi
    local secret
    if [ -n "${RUNNER_TOKEN:-}" ]; then secret="token:$RUNNER_TOKEN"; else secret="jit:$RUNNER_JIT_CONFIG"; fi
    exec env -u RUNNER_TOKEN -u RUNNER_JIT_CONFIG RUNNER_SECRET_FD=3 "$BASH" "$0" "$@" 3<<<"$secret"
  fi
  local secret=""
  IFS= read -r -d '' secret <&3 || true
  exec 3<&-
  unset RUNNER_SECRET_FD
  secret=${secret%$'\n'}
  case $secret in
    token:*) registration_token=${secret#token:} ;;
    jit:*) jit_config=${secret#jit:} ;;
  esac
}
take_secret "$@"

# --- Settings ---------------------------------------------------------------------------------------
is_count() { [[ $1 =~ ^[0-9]+$ ]]; }

validate_settings() {
  case "${RUNNER_PLATFORM:-}" in
    ecs | fargate) ;;
    "") die "RUNNER_PLATFORM is not set: the image target sets it (ecs or fargate); set it to ecs or fargate" ;;
    *) die "RUNNER_PLATFORM is '$RUNNER_PLATFORM': set it to ecs or fargate" ;;
  esac
  RUNNER_GROUP=${RUNNER_GROUP:-$RUNNER_PLATFORM}
  RUNNER_POOL=${RUNNER_POOL:-${DAZN_RUNNER_POOL:-}}
  RUNNER_URL=${RUNNER_URL:-${RUNNER_ORG_URL:-}}
  [ -n "${RUNNER_POOL:-}" ] || die "RUNNER_POOL is not set: set it to the pool name of this runner, e.g. ecs-x86_64-spot"
  [[ $RUNNER_POOL =~ ^[A-Za-z0-9._-]+$ ]] || die "RUNNER_POOL is '$RUNNER_POOL': use letters, digits, '.', '_' and '-' only"
  case "${RUNNER_CAPACITY:-}" in
    spot | on-demand | fargate | fargate-spot) ;;
    "") if [ -z "${RUNNER_LABELS:-}" ]; then die "RUNNER_CAPACITY is not set: set it to spot, on-demand, fargate or fargate-spot (or give the whole RUNNER_LABELS)"; fi ;;
    *) die "RUNNER_CAPACITY is '$RUNNER_CAPACITY': set it to spot, on-demand, fargate or fargate-spot" ;;
  esac
  if [ -z "$registration_token" ] && [ -z "$jit_config" ]; then
    die "no registration secret: set RUNNER_TOKEN to an organisation registration token, or RUNNER_JIT_CONFIG to the encoded_jit_config of the generate-jitconfig API"
  fi
  if [ -n "$registration_token" ]; then
    [ -n "${RUNNER_URL:-}" ] || die "RUNNER_URL is not set: with RUNNER_TOKEN, set it to the organisation URL, e.g. https://github.com/dazn"
    [[ $RUNNER_URL =~ ^https://[^[:space:]]+$ ]] || die "RUNNER_URL is '$RUNNER_URL': set it to an https:// organisation URL, e.g. https://github.com/dazn"
  fi
  if [ -n "${RUNNER_LABELS:-}" ] && ! [[ $RUNNER_LABELS =~ ^[A-Za-z0-9._:-]+(,[A-Za-z0-9._:-]+)*$ ]]; then
    die "RUNNER_LABELS is '$RUNNER_LABELS': give comma-separated labels without spaces"
  fi
  if [ -n "${RUNNER_EXTRA_LABELS:-}" ] && ! [[ $RUNNER_EXTRA_LABELS =~ ^[A-Za-z0-9._:-]+(,[A-Za-z0-9._:-]+)*$ ]]; then
    die "RUNNER_EXTRA_LABELS is '$RUNNER_EXTRA_LABELS': give comma-separated labels without spaces"
  fi
  RUNNER_EXIT_TIMEOUT_SECONDS=${RUNNER_EXIT_TIMEOUT_SECONDS:-100}
  is_count "$RUNNER_EXIT_TIMEOUT_SECONDS" || die "RUNNER_EXIT_TIMEOUT_SECONDS is '$RUNNER_EXIT_TIMEOUT_SECONDS': give whole seconds, below the task's stop timeout"
  RUNNER_STOP_GRACE_SECONDS=${RUNNER_STOP_GRACE_SECONDS:-20}
  is_count "$RUNNER_STOP_GRACE_SECONDS" || die "RUNNER_STOP_GRACE_SECONDS is '$RUNNER_STOP_GRACE_SECONDS': give whole seconds"
  if [ -n "${RUNTIME_SYNC_TIMEOUT_SECONDS:-}" ] && ! is_count "$RUNTIME_SYNC_TIMEOUT_SECONDS"; then
    die "RUNTIME_SYNC_TIMEOUT_SECONDS is '$RUNTIME_SYNC_TIMEOUT_SECONDS': give whole seconds"
  fi

  RUNNER_HOME=${RUNNER_HOME:-/home/runner}
  RUNNER_WORKDIR=${RUNNER_WORKDIR:-$RUNNER_HOME/_work}
  local script
  for script in config.sh run.sh; do
    [ -x "$RUNNER_HOME/$script" ] || die "RUNNER_HOME is '$RUNNER_HOME' but $RUNNER_HOME/$script is missing or not executable: point RUNNER_HOME at the actions runner's installation"
  done
  RUNTIME_SYNC_BIN=${RUNTIME_SYNC_BIN:-/usr/local/bin/runtime-sync}
  export RUNNER_TOOL_CACHE=${RUNNER_TOOL_CACHE:-/opt/hostedtoolcache}
  export AGENT_TOOLSDIRECTORY=$RUNNER_TOOL_CACHE

  case "$(uname -m)" in
    x86_64 | amd64) arch=x86_64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "this machine's architecture '$(uname -m)' is not one of the pools' (x86_64, arm64)" ;;
  esac
  labels=${RUNNER_LABELS:-$RUNNER_POOL,$arch,$RUNNER_CAPACITY,$RUNNER_PLATFORM}${RUNNER_EXTRA_LABELS:+,$RUNNER_EXTRA_LABELS}
  if [ -z "${RUNNER_NAME:-}" ]; then
    RUNNER_NAME="${RUNNER_NAME_PREFIX:-$RUNNER_POOL}-$(hostname)-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
  fi
}

# --- Steps ------------------------------------------------------------------------------------------
# runtime_sync <pull|push> <seconds>: a sync problem is a warning, never a reason to fail the job.
runtime_sync() {
  local command=$1 seconds=$2 status=0
  if [ -z "${RUNTIME_SYNC_ROOT:-}" ]; then
    log_warn "RUNTIME_SYNC_ROOT is not set: runtime-sync $command skipped, the tool cache is not shared; set it to this architecture's EFS mount"
    return 0
  fi
  if [ ! -x "$RUNTIME_SYNC_BIN" ]; then
    log_warn "runtime-sync is not installed at $RUNTIME_SYNC_BIN (RUNTIME_SYNC_BIN): runtime-sync $command skipped, the tool cache is not shared"
    return 0
  fi
  log_info "runtime-sync $command (at most ${seconds}s)"
  run_bounded "$seconds" "$RUNTIME_SYNC_BIN" "$command" || status=$?
  if [ "$status" -ne 0 ]; then
    log_warn "runtime-sync $command exited with status $status$([ "$status" -eq 124 ] && echo ' (time limit)'); going on without it"
  fi
}

register() {
  log_info "registering '$RUNNER_NAME' at $RUNNER_URL, group '$RUNNER_GROUP', labels $labels, ephemeral"
  mkdir -p "$RUNNER_WORKDIR"
  # The token reaches config.sh only through its environment (the runner reads ACTIONS_RUNNER_INPUT_*
  # and clears it), never through argv, which every process on the host can read.
  ACTIONS_RUNNER_INPUT_TOKEN=$registration_token timeout --kill-after=5 120 \
    "$RUNNER_HOME/config.sh" --unattended --ephemeral --disableupdate --replace \
    --url "$RUNNER_URL" --name "$RUNNER_NAME" --runnergroup "$RUNNER_GROUP" \
    --labels "$labels" --work "$RUNNER_WORKDIR"
  registered=true
}

deregister() { # <seconds>
  if [ -z "$registration_token" ]; then
    log_info "JIT runner: nothing to deregister here (GitHub removes an ephemeral JIT runner after its job; whoever issued the configuration deletes one that never got a job)"
    return 0
  fi
  if [ ! -e "$RUNNER_HOME/.runner" ]; then
    log_info "the ephemeral runner already removed its registration after its job"
    return 0
  fi
  log_info "deregistering '$RUNNER_NAME' (at most ${1}s)"
  local status=0
  ACTIONS_RUNNER_INPUT_TOKEN=$registration_token timeout --kill-after=5 "$1" \
    "$RUNNER_HOME/config.sh" remove || status=$?
  [ "$status" -eq 0 ] || log_warn "deregistering exited with status $status: the runner may stay listed offline until GitHub removes it"
}

# stop_runner: TERM to run.sh, KILL after the grace time; records its status.
stop_runner() {
  [ -n "$runner_pid" ] || return 0
  stop_process "$runner_pid" "$RUNNER_STOP_GRACE_SECONDS" "the runner"
  job_status=$stopped_status
  runner_pid=""
}

# --- Exit trap: runs once, keeps the job's status, bounded in time ------------------------------------
runner_pid=""
job_status=""
registered=false
job_started=false
exiting=false

remaining() { echo $((exit_deadline - SECONDS)); }
min() { if [ "$1" -lt "$2" ]; then echo "$1"; else echo "$2"; fi; }

on_exit() {
  local status=$?
  if $exiting; then return; fi
  exiting=true
  trap '' TERM INT
  set +e
  exit_deadline=$((SECONDS + ${RUNNER_EXIT_TIMEOUT_SECONDS:-100}))
  stop_runner
  if [ -n "$job_status" ]; then status=$job_status; fi
  # Deregistering is kept a share of the budget (a third, at most 15 s) that the push cannot use.
  local reserve=0
  if $registered; then reserve=$(min 15 "$(($(remaining) / 3))"); fi
  if $job_started; then
    runtime_sync push "$(min "$(($(remaining) - reserve))" "$((${RUNTIME_SYNC_TIMEOUT_SECONDS:-90} + 15))")"
  fi
  if $registered; then
    deregister "$(remaining)"
  fi
  log_info "exiting with status $status"
  exit "$status"
}

on_signal() { # <name> <status>
  log_warn "received SIG$1: stopping"
  trap '' TERM INT
  stop_runner
  exit "${job_status:-$2}"
}

trap on_exit EXIT
trap 'on_signal TERM 143' TERM
trap 'on_signal INT 130' INT

# --- Main -------------------------------------------------------------------------------------------
validate_settings
runtime_sync pull "$((${RUNTIME_SYNC_TIMEOUT_SECONDS:-300} + 15))"
if [ -n "$registration_token" ]; then
  register
else
  log_info "starting with a JIT configuration (its name, group and labels come from the configuration)"
fi

cd "$RUNNER_HOME"
job_started=true
if [ -n "$jit_config" ]; then
  # The runner reads ACTIONS_RUNNER_INPUT_JITCONFIG and clears it from its environment before a job.
  ACTIONS_RUNNER_INPUT_JITCONFIG=$jit_config "$RUNNER_HOME/run.sh" &
else
  "$RUNNER_HOME/run.sh" &
fi
runner_pid=$!
status=0
wait "$runner_pid" || status=$?
job_status=$status
runner_pid=""
log_info "the runner exited with status $status"
exit "$status"
