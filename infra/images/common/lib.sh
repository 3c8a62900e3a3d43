#!/usr/bin/env bash
# Shared helpers of the image entrypoints, sourced, never executed: a logger (one line per message on
# stderr: UTC timestamp, level, the component name from LOG_COMPONENT), die, and bounded execution
# and stopping of child processes.

log() { # <level> <message...>
  local level=$1
  shift
  printf '%s %-5s [%s] %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$level" "${LOG_COMPONENT:-entrypoint}" "$*" >&2
}
log_info() { log INFO "$@"; }
log_warn() { log WARN "$@"; }
log_error() { log ERROR "$@"; }

# die <message...>: a setting or precondition is wrong; exits 64 (EX_USAGE) so the cause is distinct
# from a job failure.
die() {
  log_error "$@"
  exit 64
}

# run_bounded <seconds> <command...>: runs a command with a hard time limit (TERM, then KILL 5 s
# later); returns the command's status, 124 on timeout.
run_bounded() {
  local seconds=$1
  shift
  if [ "$seconds" -le 0 ]; then
    log_warn "no time left to run: $1"
    return 124
  fi
  timeout --kill-after=5 "$seconds" "$@"
}

# stop_process <pid> <grace seconds> <name>: TERM, then KILL once the grace time is over; waits for
# it and leaves its exit status in stopped_status. The pid must be a child of this shell.
stop_process() {
  local pid=$1 grace=$2 name=$3
  if kill -0 "$pid" 2>/dev/null; then
    log_info "stopping $name (pid $pid), at most ${grace}s"
    kill -TERM "$pid" 2>/dev/null || true
    local until=$((SECONDS + grace))
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$until" ]; do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      log_warn "$name did not stop within ${grace}s: killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  local status=0
  wait "$pid" 2>/dev/null || status=$?
  # shellcheck disable=SC2034 # read by the sourcing script
  stopped_status=$status
}
