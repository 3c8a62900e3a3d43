#!/usr/bin/env bash
# dind sidecar entrypoint: one Docker daemon per runner task, never privileged.
#
#   validate settings -> make the cgroup tree writable (and nestable on cgroup v2)
#   -> data-root and exec-root in a fresh random folder on the storage volume
#   -> the authorization plugin dazn-authz (as nobody) -> dockerd --authorization-plugin dazn-authz
#   exit trap, once, on EXIT/TERM/INT: stop dockerd (TERM, KILL after DIND_STOP_TIMEOUT_SECONDS),
#   then the plugin, unmount what dockerd left mounted there, remove the folder; exit with dockerd's status.
#
# Settings (environment):
#   DIND_STORAGE_ROOT          the storage volume (the agents' XFS volume); /var/lib/dind
#   DIND_SOCKET_DIR            folder on the volume shared with the runner; /var/run/dind
#   DIND_SOCKET_GID            group of the socket: the runner user's group; 1001
#   DIND_HEALTH_PORT           TCP port on 127.0.0.1 for the health check; 2375
#   DIND_REGISTRY_MIRROR       pull-through cache URL, e.g. http://mirror.internal:5000; optional
#   DIND_SYSLOG_ADDRESS        the log sidecar's syslog input; udp://127.0.0.1:5140
#   DIND_STOP_TIMEOUT_SECONDS  time dockerd gets to stop; 20
#   DIND_CGROUP_ROOT           /sys/fs/cgroup (tests point it elsewhere)
#   DIND_UNMASKED_ROOT         where the unmasked proc and sysfs for nested containers are mounted;
#                              /run/dind-unmasked (tests point it elsewhere)
#   DIND_AUTHZ_ALLOWED_ROOTS   folders jobs may bind-mount (dind/authz/src/config.ts); the runner's shared paths
#   DIND_AUTHZ_ALLOWED_SOCKETS sockets jobs may bind-mount; /var/run/docker.sock and $DIND_SOCKET_DIR/docker.sock
#   DIND_AUTHZ_ALLOWED_CAPS    capabilities --cap-add may name; NET_ADMIN,NET_RAW,SYS_PTRACE,SYS_NICE,IPC_LOCK
#   DIND_AUTHZ_PLUGIN_DIR      /run/docker/plugins/dazn-authz, where dockerd finds the plugin (tests point it elsewhere)
#   DIND_AUTHZ_BUNDLE          /opt/dazn/authz/index.js
# shellcheck disable=SC2317 # the exit and signal handlers are reached through trap only
set -Eeuo pipefail

LOG_COMPONENT=dind
# shellcheck source=../common/lib.sh
source "${DAZN_SHELL_LIB:-/usr/local/lib/dazn}/lib.sh"

validate_settings() {
  DIND_STORAGE_ROOT=${DIND_STORAGE_ROOT:-/var/lib/dind}
  [ -d "$DIND_STORAGE_ROOT" ] || die "DIND_STORAGE_ROOT is '$DIND_STORAGE_ROOT', which is not a folder: mount the storage volume (XFS on the agents) there or point DIND_STORAGE_ROOT at it"
  DIND_SOCKET_DIR=${DIND_SOCKET_DIR:-/var/run/dind}
  [[ $DIND_SOCKET_DIR == /* ]] || die "DIND_SOCKET_DIR is '$DIND_SOCKET_DIR': give an absolute path on the volume shared with the runner"
  DIND_SOCKET_GID=${DIND_SOCKET_GID:-1001}
  [[ $DIND_SOCKET_GID =~ ^[0-9]+$ ]] || die "DIND_SOCKET_GID is '$DIND_SOCKET_GID': give the runner user's numeric group id"
  DIND_HEALTH_PORT=${DIND_HEALTH_PORT:-2375}
  if ! [[ $DIND_HEALTH_PORT =~ ^[0-9]{1,5}$ ]] || [ "$DIND_HEALTH_PORT" -lt 1 ] || [ "$DIND_HEALTH_PORT" -gt 65535 ]; then
    die "DIND_HEALTH_PORT is '$DIND_HEALTH_PORT': give a TCP port number"
  fi
  DIND_REGISTRY_MIRROR=${DIND_REGISTRY_MIRROR:-}
  if [ -n "$DIND_REGISTRY_MIRROR" ] && ! [[ $DIND_REGISTRY_MIRROR =~ ^https?://[^[:space:]/]+/?$ ]]; then
    die "DIND_REGISTRY_MIRROR is '$DIND_REGISTRY_MIRROR': give the mirror's base URL, e.g. http://registry-mirror.internal:5000"
  fi
  DIND_SYSLOG_ADDRESS=${DIND_SYSLOG_ADDRESS:-udp://127.0.0.1:5140}
  [[ $DIND_SYSLOG_ADDRESS =~ ^(udp|tcp)://[^[:space:]/]+:[0-9]+$ ]] ||
    die "DIND_SYSLOG_ADDRESS is '$DIND_SYSLOG_ADDRESS': give the log sidecar's syslog input, e.g. udp://127.0.0.1:5140"
  DIND_STOP_TIMEOUT_SECONDS=${DIND_STOP_TIMEOUT_SECONDS:-20}
  [[ $DIND_STOP_TIMEOUT_SECONDS =~ ^[0-9]+$ ]] || die "DIND_STOP_TIMEOUT_SECONDS is '$DIND_STOP_TIMEOUT_SECONDS': give whole seconds"
  DIND_CGROUP_ROOT=${DIND_CGROUP_ROOT:-/sys/fs/cgroup}
}

# mounts_under <folder>: "<options> <mount point>" for each mount at or below a folder, deepest first.
mounts_under() {
  local root=$1 mount_point options
  # fields 5 and 6 of mountinfo: the mount point (octal escapes for spaces and such), its options
  while read -r _ _ _ _ mount_point options _; do
    mount_point=$(printf '%b' "$mount_point")
    if [ "$mount_point" = "$root" ] || [[ $mount_point == "$root"/* ]]; then echo "$options $mount_point"; fi
  done </proc/self/mountinfo | sort -r -k2
}

# A container that is not privileged gets its cgroup file systems read-only; dockerd must create
# cgroups for the containers it runs. With CAP_SYS_ADMIN the mounts can be made writable again.
prepare_cgroups() {
  local options mount_point
  while read -r options mount_point; do
    [[ ,$options, == *,ro,* ]] || continue
    log_info "remounting $mount_point read-write"
    mount -o remount,rw,bind "$mount_point" 2>/dev/null || mount -o remount,rw "$mount_point" ||
      die "cannot remount $mount_point read-write: the container needs CAP_SYS_ADMIN"
  done < <(mounts_under "$DIND_CGROUP_ROOT")
  # cgroup v2 (the agents, with a private cgroup namespace): a cgroup with processes cannot hand
  # controllers to children, so this container's processes move into a child "init" first.
  if [ -f "$DIND_CGROUP_ROOT/cgroup.controllers" ]; then
    mkdir -p "$DIND_CGROUP_ROOT/init"
    local pid
    while read -r pid; do
      echo "$pid" >"$DIND_CGROUP_ROOT/init/cgroup.procs" 2>/dev/null || true
    done <"$DIND_CGROUP_ROOT/cgroup.procs"
    local controllers
    controllers=$(sed -e 's/ / +/g' -e 's/^/+/' "$DIND_CGROUP_ROOT/cgroup.controllers")
    if [ "$controllers" != "+" ]; then
      echo "$controllers" >"$DIND_CGROUP_ROOT/cgroup.subtree_control" ||
        log_warn "could not enable the cgroup controllers $controllers for nested containers"
    fi
  fi
}

# --- nested containers in user namespaces: an unmasked proc and sysfs (issue 14, part 4) ----------
# The inner daemon runs every container in a user namespace (--userns-remap). The kernel lets a
# process in a user namespace mount a new proc or sysfs only if one of the same kind, with nothing
# mounted over anything in it but empty folders, is already visible in its mount namespace
# (fs/namespace.c, mount_too_revealing). Docker masks /proc/kcore, /proc/keys, /sys/firmware, ... in
# this container ("systempaths", which an ECS task definition cannot turn off), so runc's proc mount
# for every inner container fails with EPERM. A second proc and sysfs, unmasked, in a folder only
# root can enter, satisfy the check; this container's own /proc and /sys stay masked. They give this
# container nothing it could not mount itself (it has CAP_SYS_ADMIN); an inner container could reach
# them only as a bind mount source, which the authorization policy refuses. The mount options are
# runc's own for the inner mounts (proc nosuid,nodev,noexec; sysfs also ro): the kernel refuses a
# new mount that is more permissive than the visible one.
mount_unmasked_proc_sys() {
  DIND_UNMASKED_ROOT=${DIND_UNMASKED_ROOT:-/run/dind-unmasked}
  [[ $DIND_UNMASKED_ROOT == /* ]] || die "DIND_UNMASKED_ROOT is '$DIND_UNMASKED_ROOT': give an absolute path inside this container"
  mkdir -p "$DIND_UNMASKED_ROOT/proc" "$DIND_UNMASKED_ROOT/sys"
  chmod 0700 "$DIND_UNMASKED_ROOT"
  mount -t proc -o nosuid,nodev,noexec proc "$DIND_UNMASKED_ROOT/proc" ||
    die "cannot mount an unmasked proc on $DIND_UNMASKED_ROOT/proc for the nested containers: the container needs CAP_SYS_ADMIN, and the agent's seccomp profile must allow mount for it"
  mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$DIND_UNMASKED_ROOT/sys" ||
    die "cannot mount an unmasked sysfs on $DIND_UNMASKED_ROOT/sys for the nested containers: the container needs CAP_SYS_ADMIN"
  log_info "mounted an unmasked proc and sysfs under $DIND_UNMASKED_ROOT for the nested containers' user namespaces"
}
# --- end of the nested-container mounts block -----------------------------------------------------

# --- the authorization plugin (dind/authz): dockerd asks it about every API call and refuses the call
# when it says no or cannot be reached. Started first, as nobody; stopped after dockerd.
authz_pid=""
start_authz() {
  local dir=${DIND_AUTHZ_PLUGIN_DIR:-/run/docker/plugins/dazn-authz} bundle=${DIND_AUTHZ_BUNDLE:-/opt/dazn/authz/index.js}
  [ -f "$bundle" ] || die "the authorization plugin $bundle is missing: build the image with infra/images/build.sh"
  export DIND_AUTHZ_ALLOWED_SOCKETS=${DIND_AUTHZ_ALLOWED_SOCKETS:-/var/run/docker.sock:$DIND_SOCKET_DIR/docker.sock}
  export DIND_AUTHZ_SOCKET=$dir/dazn-authz.sock
  mkdir -p "$dir"
  chown 65534:65534 "$dir"
  chmod 0700 "$dir"
  rm -f "$DIND_AUTHZ_SOCKET"
  setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs --bounding-set=-all node "$bundle" &
  authz_pid=$!
  for _ in $(seq 100); do
    [ -S "$DIND_AUTHZ_SOCKET" ] && return 0
    kill -0 "$authz_pid" 2>/dev/null || break
    sleep 0.1
  done
  die "the authorization plugin did not listen on $DIND_AUTHZ_SOCKET within 10s (see its lines above)"
}
stop_authz() {
  [ -n "$authz_pid" ] || return 0
  stop_process "$authz_pid" 5 dazn-authz
  authz_pid=""
}

dockerd_pid=""
run_dir=""
exiting=false

stop_dockerd() {
  [ -n "$dockerd_pid" ] || return 0
  stop_process "$dockerd_pid" "$DIND_STOP_TIMEOUT_SECONDS" dockerd
  dockerd_status=$stopped_status
  dockerd_pid=""
}

remove_run_dir() {
  [ -n "$run_dir" ] && [ -d "$run_dir" ] || return 0
  local mount_point
  while read -r _ mount_point; do
    log_info "unmounting $mount_point left by dockerd"
    umount -l "$mount_point" || log_warn "could not unmount $mount_point"
  done < <(mounts_under "$run_dir")
  rm -rf "$run_dir" || log_warn "could not remove $run_dir entirely"
  [ -e "$run_dir" ] || log_info "removed $run_dir"
}

on_exit() {
  local status=$?
  if $exiting; then return; fi
  exiting=true
  trap '' TERM INT
  set +e
  stop_dockerd
  if [ -n "${dockerd_status:-}" ]; then status=$dockerd_status; fi
  stop_authz
  remove_run_dir
  rm -f "$DIND_SOCKET_DIR/docker.sock"
  exit "$status"
}

on_signal() { # <name> <status>
  log_info "received SIG$1"
  trap '' TERM INT
  stop_dockerd
  exit "${dockerd_status:-$2}"
}

trap on_exit EXIT
trap 'on_signal TERM 143' TERM
trap 'on_signal INT 130' INT

validate_settings
prepare_cgroups
mount_unmasked_proc_sys # the nested-container mounts block above
# A fresh folder per start: a task killed without its trap can never hand its state to the next one,
# and the two tasks of an agent share the volume.
run_dir=$(mktemp -d "$DIND_STORAGE_ROOT/dind.XXXXXXXXXX")
# mktemp gives 0700; the remapped root (the runner's uid, 1001) must be able to traverse to its data
chmod 0711 "$run_dir"
mkdir -p "$run_dir/data" "$run_dir/exec" "$DIND_SOCKET_DIR"
rm -f "$DIND_SOCKET_DIR/docker.sock"

args=(
  --data-root "$run_dir/data"
  --exec-root "$run_dir/exec"
  --pidfile "$run_dir/exec/dockerd.pid"
  --storage-driver overlay2
  --userns-remap default
  --no-new-privileges
  --host "unix://$DIND_SOCKET_DIR/docker.sock"
  --group "$DIND_SOCKET_GID"
  --host "tcp://127.0.0.1:$DIND_HEALTH_PORT"
  --tls=false
  --log-driver syslog
  --log-opt "syslog-address=$DIND_SYSLOG_ADDRESS"
  --log-opt syslog-format=rfc5424micro
  --log-opt "tag={{.Name}}"
  --log-opt mode=non-blocking
  --log-opt max-buffer-size=4m
)
# every API call passes the authorization plugin (dind/authz); started here, before dockerd
start_authz
args+=(--authorization-plugin dazn-authz)
if [ -n "$DIND_REGISTRY_MIRROR" ]; then args+=(--registry-mirror "$DIND_REGISTRY_MIRROR"); fi

log_info "starting dockerd in $run_dir, socket $DIND_SOCKET_DIR/docker.sock (group $DIND_SOCKET_GID)"
dockerd "${args[@]}" "$@" &
dockerd_pid=$!
status=0
wait "$dockerd_pid" || status=$?
dockerd_status=$status
dockerd_pid=""
log_warn "dockerd exited with status $status"
exit "$status"
