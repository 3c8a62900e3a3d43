# Sourced by daemon.sh and arm64.sh: a private folder for a test's own dockerd on the host, the
# one exit trap that stops what the test started (helpers, containers, the daemon, mounts) and
# removes the folder, and fail_with_logs. Argument: the folder's name prefix. Needs $docker and
# log_error (common/lib.sh) by the time the trap or fail_with_logs runs.
# shellcheck shell=bash disable=SC2034,SC2154 # dockerd_pid, helper_pids, host_sock are the caller's; docker is set by it
tmp=$(mktemp -d "/tmp/${1:?the temporary folder prefix}.XXXXXX")
host_sock=$tmp/host.sock
export DOCKER_HOST=unix://$host_sock
dockerd_pid=""
helper_pids=()
cleanup() {
  local status=$?
  set +e
  local pid
  for pid in "${helper_pids[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  if [ -n "$dockerd_pid" ]; then
    "$docker" ps -aq | xargs -r "$docker" rm -f >/dev/null 2>&1
    kill -TERM "$dockerd_pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$dockerd_pid" 2>/dev/null
  fi
  grep -o " $tmp/[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT

fail_with_logs() { # <message> <log file...>
  log_error "$1"
  shift
  local f
  for f in "$@"; do
    echo "--- $f (last 40 lines)" >&2
    tail -n 40 "$f" >&2
  done
  exit 1
}
