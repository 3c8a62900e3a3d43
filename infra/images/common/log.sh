#!/usr/bin/env bash
# Shared logger for the image entrypoints: one line per message on stderr, UTC timestamp, level and
# the component name (LOG_COMPONENT, set by the sourcing script). Sourced, never executed.

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
