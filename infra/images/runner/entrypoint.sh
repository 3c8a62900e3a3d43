#!/usr/bin/env bash
# Runner entrypoint: one ephemeral GitHub Actions job per container, then the container is gone.
# Started by runner-init (init.sh, the image's PID 1), which has already taken every secret out of the
# environment and, in JIT mode, written the runner's configuration files.
#
#   validate settings -> runtime-sync pull -> [token mode: register (--ephemeral)] -> run.sh (one job)
#   exit trap, once, on EXIT/TERM/INT, within RUNNER_EXIT_TIMEOUT_SECONDS counted from the signal (or
#   from the runner's own exit):
#     stop run.sh (TERM, then KILL after the grace) -> runtime-sync push (only after a job started)
#     -> deregister (token mode) -> exit with the job's status.
#
# Settings (environment):
#   RUNNER_JIT_PARAMETER              the SSM parameter holding this runner's JIT configuration (the
#                                     scaler's RunTask override); read and deleted by runner-init
#   RUNNER_JIT_CONFIG                 manual use: an encoded_jit_config of the generate-jitconfig API
#   RUNNER_TOKEN                      manual use: an organisation registration token (valid one hour)
#                                     exactly one of the three
#   RUNNER_URL (or RUNNER_ORG_URL)    organisation URL, e.g. https://github.com/dazn (token mode)
#   RUNNER_POOL (or DAZN_RUNNER_POOL) pool name, e.g. ecs-x86_64-spot (token mode: labels and name)
#   RUNNER_CAPACITY                   spot | on-demand | fargate | fargate-spot (token mode)
#   RUNNER_PLATFORM                   ecs | fargate; set by the image target, names the runner group
#   RUNNER_GROUP                      runner group; default: RUNNER_PLATFORM (token mode)
#   RUNNER_LABELS                     the complete label list; default: <pool>,<arch>,<capacity>,
#                                     <platform> (arch: x86_64 or arm64, from the machine), and then
#                                     RUNNER_CAPACITY is not needed (token mode)
#   RUNNER_EXTRA_LABELS               comma-separated labels added to those (token mode)
#   RUNNER_NAME                       default: <RUNNER_NAME_PREFIX or pool>-<hostname>-<random> (token
#                                     mode; a JIT configuration carries its name)
#   RUNNER_HOME                       the runner's installation (config.sh, run.sh); /home/runner
#   RUNNER_WORKDIR                    the job work folder; <RUNNER_HOME>/_work
#   RUNNER_TOOL_CACHE                 /opt/hostedtoolcache
#   RUNNER_HOOKS_DIR                  the image's job hooks; /usr/local/lib/dazn/hooks
#   RUNTIME_SYNC_ROOT                 EFS mount of this architecture; unset: no tool cache sync
#   RUNTIME_SYNC_BIN                  /usr/local/bin/runtime-sync
#   RUNTIME_SYNC_TIMEOUT_SECONDS      runtime-sync's own budget; the entrypoint's hard limit is 5 s more
#   RUNNER_EXIT_TIMEOUT_SECONDS       budget of the whole exit trap from the signal; 100 (ECS stopTimeout
#                                     is at most 120 s and counts from the same SIGTERM)
#   RUNNER_STOP_GRACE_SECONDS         time run.sh gets to stop after TERM; 20, at most a third of the budget
# shellcheck disable=SC2317 # the exit and signal handlers are reached through trap only
set -Eeuo pipefail

LOG_COMPONENT=runner
# shellcheck source=../common/lib.sh
source "${DAZN_SHELL_LIB:-/usr/local/lib/dazn}/lib.sh"

# --- The registration secret leaves the environment before anything else runs ----------------------
# A process's initial environment stays readable in /proc/<pid>/environ for its whole life, whatever
# the shell unsets later, and the job runs as the same user. runner-init hands a registration token
# over on file descriptor 3 (RUNNER_SECRET_FD); started without it (tests, a manual run), this script
# does the same to itself. A JIT configuration never reaches this script: runner-init writes it into
# the runner's files (config_source jit-parameter or jit-config).
registration_token=""
config_source="" # token | jit-parameter | jit-config
take_secret() {
  if [ -n "${RUNNER_JIT_CONFIG:-}" ] || { [ -n "${RUNNER_JIT_PARAMETER:-}" ] && [ -z "${RUNNER_CONFIG_SOURCE:-}" ]; }; then
    if [ -n "${RUNNER_TOKEN:-}" ]; then
      die "RUNNER_TOKEN and RUNNER_JIT_CONFIG or RUNNER_JIT_PARAMETER are both set: set exactly one (RUNNER_JIT_PARAMETER is the scaler's; RUNNER_TOKEN and RUNNER_JIT_CONFIG are for manual use)"
    fi
    die "a JIT configuration reaches the runner through runner-init, the image's entrypoint (/usr/local/bin/runner-init): start the container with it, not with runner-entrypoint"
  fi
  case "${RUNNER_CONFIG_SOURCE:-}" in
    jit-parameter | jit-config)
      config_source=$RUNNER_CONFIG_SOURCE
      return 0
      ;;
  esac
  if [ -z "${RUNNER_SECRET_FD:-}" ]; then
    [ -n "${RUNNER_TOKEN:-}" ] || return 0
    exec env -u RUNNER_TOKEN RUNNER_SECRET_FD=3 "$BASH" "$0" "$@" 3<<<"token:$RUNNER_TOKEN"
  fi
  local secret=""
  IFS= read -r -d '' secret <&3 || true
  exec 3<&-
  unset RUNNER_SECRET_FD
  secret=${secret%$'\n'}
  case $secret in
    token:?*)
      registration_token=${secret#token:}
      config_source=token
      ;;
  esac
}

# --- Settings ---------------------------------------------------------------------------------------
is_count() { [[ $1 =~ ^[0-9]+$ ]]; }

# validate_settings [check]: every setting, before anything runs; `check` (runner-init's --check, before
# it reads the JIT parameter) skips what only exists after runner-init: the secret and the JIT files.
validate_settings() {
  local when=${1:-run}
  case "${RUNNER_PLATFORM:-}" in
    ecs | fargate) ;;
    "") die "RUNNER_PLATFORM is not set: the image target sets it (ecs or fargate); set it to ecs or fargate" ;;
    *) die "RUNNER_PLATFORM is '$RUNNER_PLATFORM': set it to ecs or fargate" ;;
  esac
  case "$config_source" in
    token | jit-parameter | jit-config) ;;
    *) die "no registration secret: set RUNNER_JIT_PARAMETER to the SSM parameter of this runner's JIT configuration (the scaler does), or for manual use RUNNER_TOKEN to an organisation registration token (valid one hour) or RUNNER_JIT_CONFIG to the encoded_jit_config of the generate-jitconfig API" ;;
  esac
  RUNNER_GROUP=${RUNNER_GROUP:-$RUNNER_PLATFORM}
  RUNNER_POOL=${RUNNER_POOL:-${DAZN_RUNNER_POOL:-}}
  RUNNER_URL=${RUNNER_URL:-${RUNNER_ORG_URL:-}}
  if [ "$config_source" = token ]; then
    # a JIT configuration carries its name, group and labels; a token registration needs them here
    [ -n "${RUNNER_POOL:-}" ] || die "RUNNER_POOL is not set: set it to the pool name of this runner, e.g. ecs-x86_64-spot"
    case "${RUNNER_CAPACITY:-}" in
      spot | on-demand | fargate | fargate-spot) ;;
      "") if [ -z "${RUNNER_LABELS:-}" ]; then die "RUNNER_CAPACITY is not set: set it to spot, on-demand, fargate or fargate-spot (or give the whole RUNNER_LABELS)"; fi ;;
      *) die "RUNNER_CAPACITY is '$RUNNER_CAPACITY': set it to spot, on-demand, fargate or fargate-spot" ;;
    esac
    [ -n "${RUNNER_URL:-}" ] || die "RUNNER_URL is not set: with RUNNER_TOKEN, set it to the organisation URL, e.g. https://github.com/dazn"
    [[ $RUNNER_URL =~ ^https://[^[:space:]]+$ ]] || die "RUNNER_URL is '$RUNNER_URL': set it to an https:// organisation URL, e.g. https://github.com/dazn"
  fi
  if [ -n "${RUNNER_POOL:-}" ] && ! [[ $RUNNER_POOL =~ ^[A-Za-z0-9._-]+$ ]]; then
    die "RUNNER_POOL is '$RUNNER_POOL': use letters, digits, '.', '_' and '-' only"
  fi
  if [ -n "${RUNNER_CAPACITY:-}" ]; then
    case "$RUNNER_CAPACITY" in
      spot | on-demand | fargate | fargate-spot) ;;
      *) die "RUNNER_CAPACITY is '$RUNNER_CAPACITY': set it to spot, on-demand, fargate or fargate-spot" ;;
    esac
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
  if [ "$when" = run ] && [ "$config_source" != token ]; then
    for script in .runner .credentials; do
      [ -s "$RUNNER_HOME/$script" ] || die "$RUNNER_HOME/$script is missing although the configuration comes from ${config_source}: runner-init writes it before this script starts; start the container with runner-init"
    done
  fi
  RUNTIME_SYNC_BIN=${RUNTIME_SYNC_BIN:-/usr/local/bin/runtime-sync}
  RUNNER_HOOKS_DIR=${RUNNER_HOOKS_DIR:-/usr/local/lib/dazn/hooks}
  export RUNNER_TOOL_CACHE=${RUNNER_TOOL_CACHE:-/opt/hostedtoolcache}
  export AGENT_TOOLSDIRECTORY=$RUNNER_TOOL_CACHE

  case "$(uname -m)" in
    x86_64 | amd64) arch=x86_64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "this machine's architecture '$(uname -m)' is not one of the pools' (x86_64, arm64)" ;;
  esac
  if [ "$config_source" = token ]; then
    labels=${RUNNER_LABELS:-$RUNNER_POOL,$arch,$RUNNER_CAPACITY,$RUNNER_PLATFORM}${RUNNER_EXTRA_LABELS:+,$RUNNER_EXTRA_LABELS}
    if [ -z "${RUNNER_NAME:-}" ]; then
      RUNNER_NAME="${RUNNER_NAME_PREFIX:-$RUNNER_POOL}-$(hostname)-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
    fi
  fi
}

# --- Steps ------------------------------------------------------------------------------------------
# A bounded step gets TERM KILL_MARGIN seconds before its hard limit and KILL at it, so that the limit
# it is given is the most it can take.
KILL_MARGIN=2
# runtime-sync's own budget ends this long before its hard limit, so it stops rsync and cleans up itself.
SYNC_MARGIN=5

# run_step <hard limit seconds> <command...>: the command's status, 124 when it ran out of time. In the
# background and waited for, so that a SIGTERM reaches the trap at once (bash runs a trap only after a
# foreground child ends) and on_signal can stop the step (step_pid).
step_pid=""
run_step() {
  local limit=$1 status=0
  shift
  if [ "$limit" -le "$KILL_MARGIN" ]; then
    log_warn "no time left to run $1"
    return 124
  fi
  timeout --kill-after="$KILL_MARGIN" "$((limit - KILL_MARGIN))" "$@" &
  step_pid=$!
  wait "$step_pid" || status=$?
  step_pid=""
  return "$status"
}

# runtime_sync <pull|push> <hard limit seconds>: a sync problem is a warning, never a reason to fail the job.
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
  local budget=$((seconds - SYNC_MARGIN))
  if [ "$budget" -lt 1 ]; then
    log_warn "runtime-sync $command skipped: only ${seconds}s left of the exit budget"
    return 0
  fi
  log_info "runtime-sync $command (its budget ${budget}s, stopped at ${seconds}s)"
  RUNTIME_SYNC_TIMEOUT_SECONDS=$budget run_step "$seconds" "$RUNTIME_SYNC_BIN" "$command" || status=$?
  if [ "$status" -ne 0 ]; then
    log_warn "runtime-sync $command exited with status $status$([ "$status" -eq 124 ] && echo ' (time limit)'); going on without it"
  fi
}

register() {
  log_info "registering '$RUNNER_NAME' at $RUNNER_URL, group '$RUNNER_GROUP', labels $labels, ephemeral"
  mkdir -p "$RUNNER_WORKDIR"
  # The token reaches config.sh only through its environment (the runner reads ACTIONS_RUNNER_INPUT_*),
  # never through argv, which every process on the host can read. It stays in config.sh's
  # /proc/<pid>/environ while config.sh runs, before any job exists.
  ACTIONS_RUNNER_INPUT_TOKEN=$registration_token run_step 120 \
    "$RUNNER_HOME/config.sh" --unattended --ephemeral --disableupdate --replace \
    --url "$RUNNER_URL" --name "$RUNNER_NAME" --runnergroup "$RUNNER_GROUP" \
    --labels "$labels" --work "$RUNNER_WORKDIR"
  registered=true
}

deregister() { # <hard limit seconds>
  if [ "$config_source" != token ]; then
    log_info "JIT runner: nothing to deregister here (GitHub removes an ephemeral JIT runner after its job; the scaler deletes one that never got a job)"
    return 0
  fi
  if [ ! -e "$RUNNER_HOME/.runner" ]; then
    log_info "the ephemeral runner already removed its registration after its job"
    return 0
  fi
  log_info "deregistering '$RUNNER_NAME' (stopped at ${1}s)"
  local status=0
  ACTIONS_RUNNER_INPUT_TOKEN=$registration_token run_step "$1" "$RUNNER_HOME/config.sh" remove || status=$?
  [ "$status" -eq 0 ] || log_warn "deregistering exited with status $status: the runner may stay listed offline until GitHub removes it"
}

# --- Exit trap: runs once, keeps the job's status, bounded from the signal -----------------------------
runner_pid=""
job_status=""
registered=false
runner_started=false
exiting=false
exit_deadline=""
exit_budget=0
job_marker=""

remaining() { echo $((exit_deadline - SECONDS)); }
min() { if [ "$1" -lt "$2" ]; then echo "$1"; else echo "$2"; fi; }

# start_exit_clock <why>: the budget starts at the first of the signal or the runner's own exit; ECS
# counts its stopTimeout from the same SIGTERM, so nothing after it may reset the clock.
start_exit_clock() {
  [ -z "$exit_deadline" ] || return 0
  local budget=${RUNNER_EXIT_TIMEOUT_SECONDS:-100}
  is_count "$budget" || budget=100
  exit_budget=$budget
  exit_deadline=$((SECONDS + budget))
  log_info "$1: the exit trap has ${budget}s from now"
}

# stop_runner: TERM to run.sh, KILL after the grace (at most a third of the budget, so the push and the
# deregistration keep the rest, and never past the deadline); records its status.
stop_runner() {
  [ -n "$runner_pid" ] || return 0
  local grace
  grace=$(min "$(min "${RUNNER_STOP_GRACE_SECONDS:-20}" "$((exit_budget / 3))")" "$(remaining)")
  stop_process "$runner_pid" "$grace" "the runner"
  job_status=$stopped_status
  runner_pid=""
}

on_exit() {
  local status=$?
  if $exiting; then return; fi
  exiting=true
  trap '' TERM INT
  set +e
  start_exit_clock "exiting"
  stop_runner
  if [ -n "$job_status" ]; then status=$job_status; fi
  # Deregistering is kept a share of the budget (a third, at most 15 s) that the push cannot use.
  local reserve=0
  if $registered; then reserve=$(min 15 "$(($(remaining) / 3))"); fi
  if $runner_started; then
    if [ -n "$job_marker" ] && [ -e "$job_marker" ]; then
      runtime_sync push "$(min "$(($(remaining) - reserve))" "$((${RUNTIME_SYNC_TIMEOUT_SECONDS:-90} + SYNC_MARGIN))")"
    else
      log_info "no job started on this runner: nothing new for the tool cache, runtime-sync push skipped"
    fi
  fi
  if $registered || { $runner_started && [ "$config_source" != token ]; }; then
    deregister "$(remaining)"
  fi
  [ -z "$job_marker" ] || rm -rf "${job_marker%/*}"
  log_info "exiting with status $status"
  exit "$status"
}

on_signal() { # <name> <status>
  trap '' TERM INT
  start_exit_clock "received SIG$1"
  if [ -n "$step_pid" ]; then
    # a step before the job (runtime-sync pull, registering): timeout passes the TERM on to it
    stop_process "$step_pid" "$(min 10 "$(($(remaining) / 3))")" "the step in progress"
    step_pid=""
  fi
  stop_runner
  exit "${job_status:-$2}"
}

# --- Main -------------------------------------------------------------------------------------------
if [ "${1:-}" = --check ]; then
  # runner-init asks before it takes the JIT parameter, so that a wrong setting does not use it up
  config_source=${RUNNER_SECRET_KIND:-}
  validate_settings check
  exit 0
fi
take_secret "$@"
trap on_exit EXIT
trap 'on_signal TERM 143' TERM
trap 'on_signal INT 130' INT

validate_settings
runtime_sync pull "$((${RUNTIME_SYNC_TIMEOUT_SECONDS:-300} + SYNC_MARGIN))"
case "$config_source" in
  token) register ;;
  jit-parameter) log_info "starting with the JIT configuration of $RUNNER_JIT_PARAMETER (read and deleted by runner-init; name, group and labels come from it)" ;;
  jit-config) log_info "starting with the JIT configuration given in RUNNER_JIT_CONFIG (written by runner-init; name, group and labels come from it)" ;;
esac

# The job-started hook marks that a job ran (the push needs one); a hook the task sets runs after it.
job_marker=$(mktemp -d "${TMPDIR:-/tmp}/dazn-runner.XXXXXX")/job-started
export DAZN_JOB_STARTED_MARKER=$job_marker
if [ -n "${ACTIONS_RUNNER_HOOK_JOB_STARTED:-}" ]; then export DAZN_NEXT_HOOK_JOB_STARTED=$ACTIONS_RUNNER_HOOK_JOB_STARTED; fi
export ACTIONS_RUNNER_HOOK_JOB_STARTED=$RUNNER_HOOKS_DIR/job-started.sh
# A runner version GitHub no longer accepts exits 7 (RunnerVersionDeprecated) instead of run.sh's 0.
export ACTIONS_RUNNER_RETURN_VERSION_DEPRECATED_EXIT_CODE=1

cd "$RUNNER_HOME"
runner_started=true
"$RUNNER_HOME/run.sh" &
runner_pid=$!
status=0
wait "$runner_pid" || status=$?
job_status=$status
runner_pid=""
log_info "the runner exited with status $status"
if [ "$status" -eq 7 ]; then
  version=$(sed -n 's/^RUNNER_VERSION=//p' /etc/dazn/runner-version.env 2>/dev/null || true)
  log_error "GitHub refuses actions runner ${version:-of this image} (exit 7, version deprecated): rebuild the image with the current release (infra/images/runner/runner-version.env); a runner with --disableupdate must take each release within 30 days"
fi
exit "$status"
