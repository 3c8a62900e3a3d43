#!/usr/bin/env bats
# The dind entrypoint against a stub dockerd (test/stubs/dockerd) that records its arguments, and a
# stub mount (test/stubs/mount) that records its calls.

here=$(cd "$(dirname "$BATS_TEST_FILENAME")" && pwd)

# not <command...>: succeeds when the command fails (a bare `! command` never fails a bats test)
not() { if "$@"; then return 1; fi; }
ENTRYPOINT=$here/../entrypoint.sh

setup() {
  # the plugin runs as nobody: its folder must be reachable by it, unlike bats' own temp folder
  plugin_dir=$(mktemp -d /tmp/dazn-dind-authz.XXXXXX)
  chmod 0755 "$plugin_dir"
  storage=$BATS_TEST_TMPDIR/storage
  rec=$BATS_TEST_TMPDIR/record
  mkdir -p "$storage" "$rec" "$BATS_TEST_TMPDIR/cgroup"
  env_args=(PATH="$here/stubs:$PATH" HOME="$BATS_TEST_TMPDIR" STUB_RECORD_DIR="$rec"
    DAZN_SHELL_LIB="$here/../../common" DIND_STORAGE_ROOT="$storage"
    DIND_SOCKET_DIR="$BATS_TEST_TMPDIR/sock" DIND_CGROUP_ROOT="$BATS_TEST_TMPDIR/cgroup"
    DIND_UNMASKED_ROOT="$BATS_TEST_TMPDIR/unmasked"
    DIND_STOP_TIMEOUT_SECONDS=3 DIND_AUTHZ_PLUGIN_DIR="$plugin_dir/dazn-authz"
    DIND_AUTHZ_BUNDLE="$here/support/authz-stub.js")
}
teardown() { rm -rf "$plugin_dir"; }

# start [VAR=value...]: the entrypoint in the background; waits until dockerd has started.
start() {
  env -i "${env_args[@]}" "$@" bash "$ENTRYPOINT" >>"$BATS_TEST_TMPDIR/out" 2>&1 &
  pid=$!
  local n
  n=$(find "$rec" -maxdepth 1 -name 'dockerd.*.args' | wc -l)
  for _ in $(seq 100); do [ -e "$rec/dockerd.$n.args" ] && break; sleep 0.1; done
  [ -e "$rec/dockerd.$n.args" ]
  args_file=$rec/dockerd.$n.args
}

stop() { # <signal>: sends it, waits, sets status
  kill "-$1" "$pid"
  status=0
  wait "$pid" || status=$?
  cat "$BATS_TEST_TMPDIR/out"
}

folder() { grep -A1 -x -- --data-root "$args_file" | tail -1 | sed 's|/data$||'; }

@test "dockerd gets exactly the isolation, socket, logging and mirror flags" {
  start DIND_REGISTRY_MIRROR=http://mirror.internal:5000 DIND_SOCKET_GID=1001
  dir=$(folder)
  expected=(
    --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/exec/dockerd.pid"
    --storage-driver overlay2 --userns-remap default --no-new-privileges
    --host "unix://$BATS_TEST_TMPDIR/sock/docker.sock" --group 1001
    --host tcp://127.0.0.1:2375 --tls=false
    --log-driver syslog --log-opt syslog-address=udp://127.0.0.1:5140
    --log-opt syslog-format=rfc5424micro --log-opt 'tag={{.Name}}'
    --log-opt mode=non-blocking --log-opt max-buffer-size=4m
    --authorization-plugin dazn-authz
    --registry-mirror http://mirror.internal:5000)
  diff <(printf '%s\n' "${expected[@]}") "$args_file"
  stop TERM
  [ "$status" -eq 0 ]
}

@test "without a mirror there is no --registry-mirror; settings change the socket group, port and syslog address" {
  start DIND_SOCKET_GID=2000 DIND_HEALTH_PORT=2376 DIND_SYSLOG_ADDRESS=tcp://127.0.0.1:5170
  not grep -qx -- --registry-mirror "$args_file"
  grep -qx 2000 "$args_file"
  grep -qx tcp://127.0.0.1:2376 "$args_file"
  grep -qx syslog-address=tcp://127.0.0.1:5170 "$args_file"
  stop TERM
}

@test "each start gets a fresh random folder under the storage volume, removed on SIGTERM" {
  start
  first=$(folder)
  [[ $first == "$storage"/dind.* ]]
  [ -f "$first/data/layer" ]
  stop TERM
  [ "$status" -eq 0 ]
  [ "$(cat "$rec/dockerd.signals")" = TERM ]
  [ ! -e "$first" ]
  start
  second=$(folder)
  [[ $second == "$storage"/dind.* ]]
  [ "$first" != "$second" ]
  [ -f "$second/data/layer" ]
  stop TERM # (INT cannot be tested here: a background job starts with SIGINT ignored)
  [ ! -e "$second" ]
  [ -z "$(ls -A "$storage")" ]
}

@test "a dockerd that fails on its own: the folder is removed and its status kept" {
  run env -i "${env_args[@]}" STUB_DOCKERD_EXIT=3 bash "$ENTRYPOINT"
  [ "$status" -eq 3 ]
  [ -e "$rec/dockerd.0.args" ]
  [ -z "$(ls -A "$storage")" ]
  [[ $output == *"dockerd exited with status 3"* ]]
}

@test "a dockerd that ignores TERM is killed after DIND_STOP_TIMEOUT_SECONDS and its folder removed" {
  start STUB_DOCKERD_IGNORE_TERM=1 DIND_STOP_TIMEOUT_SECONDS=1
  dir=$(folder)
  began=$SECONDS
  stop TERM
  [ $((SECONDS - began)) -lt 8 ]
  [ "$status" -eq 137 ]
  [ ! -e "$dir" ]
  grep -q 'did not stop within 1s: killing it' "$BATS_TEST_TMPDIR/out"
}

@test "the authorization plugin listens, as nobody, before dockerd starts, and stops after it" {
  start
  grep -qx -- --authorization-plugin "$args_file"
  grep -qx "socket-before-dockerd" "$rec/dockerd.0.authz"
  grep -q "authz-stub: uid=65534 gid=65534 sockets=/var/run/docker.sock:$BATS_TEST_TMPDIR/sock/docker.sock" "$BATS_TEST_TMPDIR/out"
  [ "$(stat -c '%u %a' "$plugin_dir/dazn-authz")" = "65534 700" ]
  stop TERM
  [ "$status" -eq 0 ]
  # dockerd first (it may still ask the plugin while it stops), then the plugin
  grep -q 'authz-stub: TERM' "$BATS_TEST_TMPDIR/out"
  [ "$(grep -n 'stopping dockerd' "$BATS_TEST_TMPDIR/out" | cut -d: -f1)" -lt "$(grep -n 'authz-stub: TERM' "$BATS_TEST_TMPDIR/out" | cut -d: -f1)" ]
}

@test "a plugin that cannot start, or a missing bundle: dockerd never starts, the folder is removed" {
  run env -i "${env_args[@]}" STUB_AUTHZ_EXIT=3 bash "$ENTRYPOINT"
  [ "$status" -eq 64 ]
  [[ $output == *"the authorization plugin did not listen on $plugin_dir/dazn-authz/dazn-authz.sock"* ]]
  [ ! -e "$rec/dockerd.0.args" ]
  [ -z "$(ls -A "$storage")" ]
  run env -i "${env_args[@]}" DIND_AUTHZ_BUNDLE=/nonexistent/index.js bash "$ENTRYPOINT"
  [ "$status" -eq 64 ]
  [[ $output == *"the authorization plugin /nonexistent/index.js is missing"* ]]
  [ ! -e "$rec/dockerd.0.args" ]
}

refuses() { # <setting> <VAR=value...>
  local name=$1
  shift
  run env -i "${env_args[@]}" "$@" bash "$ENTRYPOINT"
  [ "$status" -eq 64 ]
  [[ $output == *"$name"* ]]
  [ ! -e "$rec/dockerd.0.args" ]
  [ -z "$(ls -A "$storage")" ]
}

@test "a wrong setting exits non-zero before dockerd starts, naming the setting" {
  refuses DIND_STORAGE_ROOT DIND_STORAGE_ROOT="$BATS_TEST_TMPDIR/missing"
  refuses DIND_REGISTRY_MIRROR DIND_REGISTRY_MIRROR=mirror.internal
  refuses DIND_SOCKET_GID DIND_SOCKET_GID=runner
  refuses DIND_HEALTH_PORT DIND_HEALTH_PORT=70000
  refuses DIND_SYSLOG_ADDRESS DIND_SYSLOG_ADDRESS=/dev/log
  refuses DIND_SOCKET_DIR DIND_SOCKET_DIR=relative
}

@test "before dockerd starts, an unmasked proc and sysfs are mounted in a root-only folder with runc's options" {
  start
  unmasked=$BATS_TEST_TMPDIR/unmasked
  diff - "$rec/mount.calls" <<CALLS
mount -t proc -o nosuid,nodev,noexec proc $unmasked/proc
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs $unmasked/sys
CALLS
  [ "$(stat -c %a "$unmasked")" = 700 ]
  stop TERM
  [ "$status" -eq 0 ]
  grep -q "mounted an unmasked proc and sysfs under $unmasked" "$BATS_TEST_TMPDIR/out"
}

@test "an unmasked proc that cannot be mounted stops the entrypoint before dockerd, naming what it needs" {
  run env -i "${env_args[@]}" STUB_MOUNT_FAIL="$BATS_TEST_TMPDIR/unmasked/proc" bash "$ENTRYPOINT"
  [ "$status" -eq 64 ]
  [[ $output == *"cannot mount an unmasked proc on $BATS_TEST_TMPDIR/unmasked/proc"*"CAP_SYS_ADMIN"* ]]
  [ ! -e "$rec/dockerd.0.args" ]
  refuses DIND_UNMASKED_ROOT DIND_UNMASKED_ROOT=relative
}
