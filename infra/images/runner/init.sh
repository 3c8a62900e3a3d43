#!/usr/bin/env bash
# runner-init: PID 1 of the runner container. Whatever PID 1 was started with stays readable in
# /proc/1/environ for the container's whole life, by the job's user too; so this script takes what it
# needs from its starting environment and then becomes tini (reaper, signal forwarder) with a clean one:
#
#   1. refuses to run under an init that holds this environment (ECS initProcessEnabled, docker --init)
#   2. exactly one of RUNNER_JIT_PARAMETER (the scaler's), RUNNER_JIT_CONFIG, RUNNER_TOKEN (manual use)
#   3. runner-entrypoint --check: every other setting, before the single-use parameter is taken
#   4. JIT: runner-jit (with the task role's credentials) reads the SSM parameter, deletes it and writes
#      the runner's .runner/.credentials/.credentials_rsaparams; RUNNER_JIT_CONFIG goes to it on stdin
#   5. exec env -u <every secret> tini -- runner-entrypoint: a token goes over on file descriptor 3
#
# Removed from the environment of everything after it (SECRET_NAMES): the registration secrets, the
# container credentials URI and token (with them a job could fetch the task role's credentials from
# 169.254.170.2 and read other runners' JIT parameters), AWS keys, and ACTIONS_RUNNER_INPUT_*.
#
# Settings (environment), besides the entrypoint's:
#   RUNNER_JIT_PARAMETER        SSM parameter name (SecureString), read and deleted
#   RUNNER_JIT_TIMEOUT_SECONDS  bound of reading, deleting and writing; 30 (plus 5 s before KILL)
#   RUNNER_JIT_BUNDLE           /opt/dazn/runner-jit/index.js
#   RUNNER_JIT_NODE             the Node binary; default: the runner's externals/node24, node20
#   RUNNER_INIT_REAPER          /usr/bin/tini (tests replace it)
#   RUNNER_ENTRYPOINT           /usr/local/bin/runner-entrypoint
# shellcheck disable=SC2317 # the signal handler is reached through trap only
set -Eeuo pipefail

LOG_COMPONENT=runner-init
# shellcheck source=../common/lib.sh
source "${DAZN_SHELL_LIB:-/usr/local/lib/dazn}/lib.sh"

SECRET_NAMES=(
  RUNNER_TOKEN RUNNER_JIT_CONFIG
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_CREDENTIALS_FULL_URI
  AWS_CONTAINER_AUTHORIZATION_TOKEN AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
  AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_SECURITY_TOKEN
)
# A here-string larger than a pipe's buffer (64 KiB) becomes a deleted temporary file that PID 1 would
# keep open; a registration token is about 30 bytes.
MAX_SECRET_BYTES=60000

entrypoint=${RUNNER_ENTRYPOINT:-/usr/local/bin/runner-entrypoint}
reaper=${RUNNER_INIT_REAPER:-/usr/bin/tini}
RUNNER_HOME=${RUNNER_HOME:-/home/runner}

# clean_env: `env` arguments that remove every secret (and every ACTIONS_RUNNER_INPUT_*) present.
clean_env=()
for name in "${SECRET_NAMES[@]}" $(compgen -e ACTIONS_RUNNER_INPUT_ || true); do
  if [ -n "${!name+set}" ]; then clean_env+=(-u "$name"); fi
done
if [ -n "$(compgen -e ACTIONS_RUNNER_INPUT_ || true)" ]; then
  log_warn "removed $(compgen -e ACTIONS_RUNNER_INPUT_ | tr '\n' ' ')from the environment: they would stay readable by the job; give the secret as RUNNER_JIT_PARAMETER, RUNNER_JIT_CONFIG or RUNNER_TOKEN"
fi

# --- 1. no other init may keep this environment -----------------------------------------------------
refuse_foreign_init() {
  [ "$$" -ne 1 ] || return 0
  local environ name value
  environ=$(tr '\0' '\n' 2>/dev/null </proc/1/environ) || return 0 # not readable: not this container's user
  for name in RUNNER_JIT_PARAMETER "${SECRET_NAMES[@]}"; do
    value=${!name:-}
    if [ -n "$value" ] && grep -qxF -- "$name=$value" <<<"$environ"; then
      die "PID 1 ($(cat /proc/1/comm 2>/dev/null || echo unknown)) was started with this container's environment, $name included, and the job could read it in /proc/1/environ: run the container without an init process (ECS task definition: linuxParameters.initProcessEnabled = false; docker run without --init); runner-init is this image's init"
    fi
  done
}
refuse_foreign_init

# --- 2. which secret --------------------------------------------------------------------------------
given=()
for name in RUNNER_JIT_PARAMETER RUNNER_JIT_CONFIG RUNNER_TOKEN; do
  if [ -n "${!name:-}" ]; then given+=("$name"); fi
done
if [ "${#given[@]}" -gt 1 ]; then
  die "${given[*]} are all set: set exactly one (RUNNER_JIT_PARAMETER is the scaler's; RUNNER_TOKEN and RUNNER_JIT_CONFIG are for manual use)"
fi
kind=""
case "${given[0]:-}" in
  RUNNER_JIT_PARAMETER) kind=jit-parameter ;;
  RUNNER_JIT_CONFIG) kind=jit-config ;;
  RUNNER_TOKEN) kind=token ;;
esac

# --- 3. the other settings, before the parameter is used up ---------------------------------------
status=0
env "${clean_env[@]}" RUNNER_SECRET_KIND="$kind" timeout --kill-after=5 30 "$entrypoint" --check || status=$?
[ "$status" -eq 0 ] || exit "$status"

# --- 4. the JIT configuration becomes the runner's files ------------------------------------------
child=""
on_signal() { # <name> <status>
  log_warn "received SIG$1 before the runner started: stopping"
  if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null || true; fi
  exit "$2"
}
trap 'on_signal TERM 143' TERM
trap 'on_signal INT 130' INT

find_node() {
  local candidate
  for candidate in "${RUNNER_JIT_NODE:-}" "$RUNNER_HOME/externals/node24/bin/node" "$RUNNER_HOME/externals/node20/bin/node"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

# run_jit_reader [--stdin]: runner-jit in the background (so that a signal is handled), bounded.
run_jit_reader() {
  local node bundle=${RUNNER_JIT_BUNDLE:-/opt/dazn/runner-jit/index.js} seconds=${RUNNER_JIT_TIMEOUT_SECONDS:-30}
  [[ $seconds =~ ^[1-9][0-9]*$ ]] || die "RUNNER_JIT_TIMEOUT_SECONDS is '$seconds': give whole seconds, e.g. 30"
  node=$(find_node) || die "no Node binary in $RUNNER_HOME/externals/node24 or node20 (the actions runner ships them): set RUNNER_JIT_NODE, or build the image with the runner"
  [ -f "$bundle" ] || die "the JIT reader $bundle is missing: build the image with infra/images/build.sh, which bundles it"
  # its own budget is RUNNER_JIT_TIMEOUT_SECONDS; this is the hard stop a little after it
  if [ "${1:-}" = --stdin ]; then
    env "${clean_env[@]}" timeout --kill-after=5 "$((seconds + 5))" "$node" "$bundle" --stdin <<<"$RUNNER_JIT_CONFIG" &
  else
    timeout --kill-after=5 "$((seconds + 5))" "$node" "$bundle" &
  fi
  child=$!
  local status=0
  wait "$child" || status=$?
  child=""
  if [ "$status" -eq 124 ]; then log_error "runner-jit did not finish within $((seconds + 5))s: stopped"; fi
  [ "$status" -eq 0 ] || exit "$status"
}

case $kind in
  jit-parameter) run_jit_reader ;;
  jit-config) run_jit_reader --stdin ;;
esac
trap - TERM INT

# --- 5. tini and the entrypoint, with a clean environment -----------------------------------------
# After execve, /proc/1/environ is what env passes on: none of SECRET_NAMES.
case $kind in
  token)
    secret="token:$RUNNER_TOKEN"
    [ "${#secret}" -le "$MAX_SECRET_BYTES" ] || die "RUNNER_TOKEN is ${#secret} bytes: a registration token is about 30; check the value"
    exec env "${clean_env[@]}" RUNNER_SECRET_FD=3 "$reaper" -- "$entrypoint" "$@" 3<<<"$secret"
    ;;
  jit-parameter | jit-config)
    exec env "${clean_env[@]}" RUNNER_CONFIG_SOURCE="$kind" "$reaper" -- "$entrypoint" "$@"
    ;;
  *)
    exec env "${clean_env[@]}" "$reaper" -- "$entrypoint" "$@"
    ;;
esac
