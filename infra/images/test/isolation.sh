#!/usr/bin/env bash
# The dind sidecar's user-namespace mapping and the agents' seccomp profile, with a real daemon
# (issue 14, parts 2 and 4; README.md "What a job can do (user namespaces, seccomp)"):
#
#   1. a private host dockerd whose default seccomp profile is agent-host/seccomp.json, as the agents'
#      daemon.json sets it (user-data.sh.tftpl), and the dind image built on it
#   2. dind with what the task definition can express only: no-new-privileges, SYS_ADMIN, NET_ADMIN,
#      SYS_PTRACE; no seccomp= and no systempaths= (its seccomp filter is the daemon's profile)
#   3. a container job as the runner starts it (the workspace, _temp, externals, tool cache and
#      GITHUB_OUTPUT mounted, root inside): it creates, changes and deletes files in the checkout and
#      writes GITHUB_OUTPUT; outside they belong to the runner's uid 1001, and the runner reads and
#      deletes them. Inner root cannot write what outer root owns; an inner non-root user cannot
#      write the checkout. A Docker container action: a nested build, then its run writes the
#      workspace and the file commands.
#   4. tests that fail without each part: the profile without its keyring rule, without pivot_root;
#      dind without its unmasked proc, without its unmasked sysfs: the nested run fails, naming why
#
# DAZN_IMAGES_TEST_DOCKER_DATA=<folder> keeps the host daemon's data (the build cache) there between
# runs, as in daemon.sh. DAZN_IMAGES_TEST_DOCKER_DIST=download builds dind with Docker's own packages
# (the real image's dockerd, containerd, runc and BuildKit; needs download.docker.com) instead of
# Debian's docker.io (the default here, where only Debian's mirrors are reachable).
# shellcheck disable=SC2016 # the scripts in single quotes run in the containers
set -Eeuo pipefail
here=$(cd "$(dirname "$0")" && pwd)
images=$(cd "$here/.." && pwd)
repo=$(cd "$images/../.." && pwd)
export DOCKER_BUILDKIT=0
docker=/usr/bin/docker # Debian's client, as in daemon.sh
profile=$images/agent-host/seccomp.json

LOG_COMPONENT="images isolation test"
# shellcheck source=../common/lib.sh
source "$images/common/lib.sh"

indent() { sed "s/^/    $1: /"; }
tests=0
failures=0
check() { # <description> <command...>
  local description=$1
  shift
  tests=$((tests + 1))
  if "$@"; then
    echo "ok $tests - $description"
  else
    failures=$((failures + 1))
    echo "not ok $tests - $description"
  fi
}
# not <command...>: succeeds when the command fails
not() { if "$@"; then return 1; fi; }

# shellcheck source=host-daemon.sh
source "$here/host-daemon.sh" dazn-isolation

# --- 1. host daemon with the agents' seccomp profile, the dind image ---------------------------------
log_info "starting a private dockerd in $tmp with --seccomp-profile $profile"
dockerd --iptables=false --ip6tables=false --ip-masq=false --bridge=none --seccomp-profile "$profile" \
  --host "$DOCKER_HOST" --data-root "${DAZN_IMAGES_TEST_DOCKER_DATA:-$tmp/data}" --exec-root "$tmp/exec" --pidfile "$tmp/dockerd.pid" \
  >"$tmp/dockerd.log" 2>&1 &
dockerd_pid=$!
for _ in $(seq 150); do $docker version >/dev/null 2>&1 && break; sleep 0.2; done
$docker version >/dev/null 2>&1 || fail_with_logs "the host dockerd did not start" "$tmp/dockerd.log"

base_tar=$repo/.cache/images/debian-bookworm-minbase.tar
if [ ! -s "$base_tar" ]; then
  log_info "debootstrap: building the base root file system (cached in $base_tar)"
  mkdir -p "$(dirname "$base_tar")"
  debootstrap --variant=minbase bookworm "$tmp/rootfs" http://deb.debian.org/debian >"$tmp/debootstrap.log" 2>&1 ||
    fail_with_logs "debootstrap failed" "$tmp/debootstrap.log"
  tar -C "$tmp/rootfs" -cf "$base_tar.partial" . && mv "$base_tar.partial" "$base_tar"
  rm -rf "$tmp/rootfs"
fi
$docker image inspect dazn-test/debian:bookworm >/dev/null 2>&1 ||
  $docker import "$base_tar" dazn-test/debian:bookworm >/dev/null
started=$SECONDS
log_info "building dazn-test/dind:test"
LOCAL_DOCKER_CLIENT=$docker "$images/build.sh" dind $docker build --network host -q -t dazn-test/dind:test \
  --build-arg BASE_IMAGE=dazn-test/debian:bookworm --build-arg "DOCKER_DIST=${DAZN_IMAGES_TEST_DOCKER_DIST:-debian}" >"$tmp/build-dind.log" 2>&1 ||
  fail_with_logs "building dazn-test/dind:test failed" "$tmp/build-dind.log"
log_info "built dazn-test/dind:test in $((SECONDS - started))s"

# --- 2. dind with what a task definition can express --------------------------------------------------
# start_dind <name> [docker run options...]: its own storage, socket and runner folders under $tmp/<name>
start_dind() {
  local name=$1 dir=$tmp/$1
  shift
  mkdir -p "$dir/storage" "$dir/sock" "$dir/work/_temp" "$dir/externals" "$dir/toolcache"
  chown -R 1001:1001 "$dir/work" "$dir/externals" "$dir/toolcache"
  $docker run -d --name "dazn-$name" --network none --security-opt=no-new-privileges \
    --cap-add=SYS_ADMIN --cap-add=NET_ADMIN --cap-add=SYS_PTRACE "$@" \
    -v "$dir/storage:/var/lib/dind" -v "$dir/sock:/var/run/dind" -v "$dir/work:/home/runner/_work" \
    -v "$dir/externals:/home/runner/externals" -v "$dir/toolcache:/opt/hostedtoolcache" \
    -e DIND_SOCKET_GID=1001 dazn-test/dind:test >/dev/null
  local _
  for _ in $(seq 150); do
    curl -fsS --unix-socket "$dir/sock/docker.sock" http://dind/_ping >/dev/null 2>&1 && break
    sleep 0.2
  done
  $docker logs "dazn-$name" >"$tmp/$name.log" 2>&1
  curl -fsS --unix-socket "$dir/sock/docker.sock" http://dind/_ping >/dev/null 2>&1 ||
    fail_with_logs "dind $name did not answer on its socket" "$tmp/$name.log"
  $docker -H "unix://$dir/sock/docker.sock" import "$base_tar" dazn-test/inner:1 >/dev/null
}
# as_runner <dind name> <script>: bash as uid 1001 in a container in the runner's place (the dind
# image has the Docker client), with the runner's folders at the same paths as in dind
as_runner() {
  local dir=$tmp/$1
  $docker run --rm --network none --user 1001:1001 -e DOCKER_HOST=unix:///var/run/dind/docker.sock \
    -v "$dir/sock:/var/run/dind" -v "$dir/work:/home/runner/_work" -v "$dir/externals:/home/runner/externals" \
    -v "$dir/toolcache:/opt/hostedtoolcache" --entrypoint bash dazn-test/dind:test -c "$2"
}
nested_run() { # <dind name>: a nested container, its uid map; the output of the run
  timeout 120 "$docker" -H "unix://$tmp/$1/sock/docker.sock" run --rm dazn-test/inner:1 cat /proc/self/uid_map 2>&1
}

log_info "starting dind: no-new-privileges, SYS_ADMIN, NET_ADMIN, SYS_PTRACE; no seccomp=, no systempaths="
start_dind main
check "dind's security options are no-new-privileges only (no seccomp=, no systempaths=)" \
  test "$($docker inspect -f '{{json .HostConfig.SecurityOpt}}' dazn-main)" = '["no-new-privileges"]'
check "dind runs under a seccomp filter (the daemon's default profile), not unconfined" \
  test "$($docker exec dazn-main awk '/^Seccomp:/ { print $2 }' /proc/1/status)" = 2
check "dind's own /proc stays masked (/proc/keys is mounted over)" \
  $docker exec dazn-main grep -q ' /proc/keys ' /proc/self/mountinfo
main_run=$(nested_run main) || true
indent nested <<<"$main_run"
check "a nested container starts; its root is the runner's uid 1001, its other users 100000 up" \
  test "$(awk '{ print $1, $2, $3 }' <<<"$main_run" | paste -sd,)" = "0 1001 1,1 100000 65535"

# --- 3. a container job, as the runner starts it ------------------------------------------------------
work=$tmp/main/work
log_info "a container job: the runner's mounts, root inside"
# what the runner has before the job's steps: the checkout, the file commands, the container's HOME;
# a file and a folder of outer root's (as a root-owned tool cache entry would be)
as_runner main '
  set -e
  mkdir -p /home/runner/_work/repo/repo /home/runner/_work/_temp/_runner_file_commands /home/runner/_work/_temp/_github_home
  echo "first line" >/home/runner/_work/repo/repo/README
  echo "to delete" >/home/runner/_work/repo/repo/deleteme
  : >/home/runner/_work/_temp/_runner_file_commands/set_output_0001
  echo "node" >/home/runner/externals/node.txt'
echo "outer root's" >"$work/repo/repo/root-owned.txt"
mkdir "$work/repo/repo/root-dir"
chmod 0644 "$work/repo/repo/root-owned.txt"
chmod 0755 "$work/repo/repo/root-dir"
# the runner's docker create for a container job (actions/runner ContainerOperationProvider, the
# well-known folders), a step's work through it
job_out=$(as_runner main '
  docker run --rm -v /home/runner/_work:/__w -v /home/runner/externals:/__e:ro -v /home/runner/_work/_temp:/__w/_temp \
    -v /opt/hostedtoolcache:/__t -v /home/runner/_work/_temp/_github_home:/github/home -e HOME=/github/home \
    -e GITHUB_OUTPUT=/__w/_temp/_runner_file_commands/set_output_0001 -w /__w/repo/repo dazn-test/inner:1 sh -c "
      set -e
      echo id \$(id -u):\$(id -g)
      mkdir -p build/sub && echo built >build/sub/artifact
      echo changed >>README
      rm deleteme
      echo result=written >>\$GITHUB_OUTPUT
      echo home >\$HOME/.config-file
      cat /__e/node.txt
      echo root-owned as \$(stat -c %u:%g root-owned.txt)
      if echo x >>root-owned.txt; then echo WROTE root-owned.txt; fi
      if touch root-dir/new; then echo WROTE root-dir/new; fi
      if chmod 0666 root-owned.txt; then echo CHMOD root-owned.txt; fi
      if echo x >/__e/planted; then echo WROTE /__e; fi
      echo job done"' 2>&1) || true
indent job <<<"$job_out"
check "the job's root is root inside the container" grep -qx 'id 0:0' <<<"$job_out"
check "the job ran to its end (creates, changes and deletes files in the checkout; reads externals)" \
  test "$(grep -c 'job done$' <<<"$job_out"):$(grep -cx node <<<"$job_out")" = 1:1
owners=$(stat -c '%u:%g' "$work/repo/repo/build" "$work/repo/repo/build/sub/artifact" "$work/repo/repo/README" \
  "$work/_temp/_github_home/.config-file" "$work/_temp/_runner_file_commands/set_output_0001" | sort -u)
check "outside, what the job created and changed belongs to the runner (1001:1001): $owners" test "$owners" = 1001:1001
check "the change and the delete reached the checkout" \
  test "$(cat "$work/repo/repo/README"):$(test -e "$work/repo/repo/deleteme" && echo kept)" = "first line
changed:"
check "the job's GITHUB_OUTPUT reached the runner's file" grep -qx 'result=written' "$work/_temp/_runner_file_commands/set_output_0001"
check "inner root sees outer root's file as nobody (65534)" grep -qx 'root-owned as 65534:65534' <<<"$job_out"
check "inner root cannot write, chmod or add to what outer root owns" \
  test "$(grep -c -e '^WROTE root' -e '^CHMOD' <<<"$job_out"):$(cat "$work/repo/repo/root-owned.txt"):$(stat -c %a "$work/repo/repo/root-owned.txt"):$(find "$work/repo/repo/root-dir" -mindepth 1 | wc -l)" = "0:outer root's:644:0"
check "the read-only externals mount stays read-only to inner root" \
  test "$(grep -c '^WROTE /__e' <<<"$job_out"):$(test -e "$tmp/main/externals/planted" && echo planted)" = "0:"
runner_out=$(as_runner main '
  set -e
  cat /home/runner/_work/repo/repo/build/sub/artifact /home/runner/_work/_temp/_runner_file_commands/set_output_0001
  rm -r /home/runner/_work/repo/repo/build /home/runner/_work/_temp/_github_home/.config-file
  echo removed' 2>&1) || true
indent runner <<<"$runner_out"
check "the runner (uid 1001, outside) reads what the job wrote and deletes it" \
  test "$(paste -sd, <<<"$runner_out"):$(test -e "$work/repo/repo/build" && echo left)" = "built,result=written,removed:"
nonroot_out=$(as_runner main 'docker run --rm --user 1000:1000 -v /home/runner/_work:/__w dazn-test/inner:1 sh -c "touch /__w/repo/repo/by-1000 && echo WROTE" 2>&1' 2>&1) || true
indent non-root <<<"$nonroot_out"
check "an inner non-root user (1000, outside 100999) cannot write the checkout (a job must run as root in its container to write it)" \
  test "$(grep -c '^WROTE' <<<"$nonroot_out"):$(grep -c 'Permission denied' <<<"$nonroot_out")" = 0:1

log_info "a job that bind-mounts dind's unmasked proc: the authorization plugin refuses the mount"
# printk_ratelimit is written back with its own value (this kernel has no sysrq-trigger to probe)
unmasked_out=$(as_runner main 'docker run --rm -v /run/dind-unmasked/proc:/unmasked dazn-test/inner:1 sh -c "
  stat -c \"printk_ratelimit %u\" /unmasked/sys/kernel/printk_ratelimit
  if cat /unmasked/sys/kernel/printk_ratelimit >/unmasked/sys/kernel/printk_ratelimit; then echo WROTE sysctl; fi
  echo probe done" 2>&1' 2>&1) || true
indent unmasked <<<"$unmasked_out"
check "a job cannot bind-mount dind's unmasked proc: the authorization plugin refuses it, and nothing ran" \
  test "$(grep -c '^WROTE' <<<"$unmasked_out"):$(grep -c 'probe done$' <<<"$unmasked_out"):$(grep -c 'authorization denied by plugin dazn-authz: \[bind-mounts\] -v /run/dind-unmasked/proc' <<<"$unmasked_out")" = 0:0:1

log_info "a Docker container action: a nested build, then its run"
action_out=$(as_runner main '
  set -e
  mkdir -p /home/runner/_work/_actions/probe /home/runner/_work/_temp/_runner_file_commands
  printf "FROM dazn-test/inner:1\nRUN echo built-in-a-nested-container >/built && id -u >>/built\nENTRYPOINT [\"sh\", \"-c\", \"cat /built >/github/workspace/from-action && echo action=ran >>/github/file_commands/set_output_0002\"]\n" \
    >/home/runner/_work/_actions/probe/Dockerfile
  docker build -q -t probe-action /home/runner/_work/_actions/probe >/dev/null
  docker run --rm -v /home/runner/_work/repo/repo:/github/workspace \
    -v /home/runner/_work/_temp/_runner_file_commands:/github/file_commands probe-action
  echo action done' 2>&1) || true
indent action <<<"$action_out"
check "a nested docker build runs its RUN step, and the action's container writes the workspace and its file commands as the runner" \
  test "$(paste -sd, "$work/repo/repo/from-action" 2>/dev/null):$(stat -c %u "$work/repo/repo/from-action" 2>/dev/null):$(cat "$work/_temp/_runner_file_commands/set_output_0002" 2>/dev/null)" = "built-in-a-nested-container,0:1001:action=ran"

# --- 4. without each part, the nested run fails -------------------------------------------------------
# without_rule <jq filter>: the profile with the rules matching the filter left out, in a file
without_rule() {
  local file
  file=$(mktemp "$tmp/profile.XXXXXX")
  jq "del(.syscalls[] | select($1))" "$profile" >"$file"
  echo "$file"
}
fails_with() { # <output> <text>
  if grep -qF -- "$2" <<<"$1"; then return 0; fi
  echo "expected '$2' in: $1" >&2
  return 1
}
log_info "the profile without its keyring rule (keyctl refused with EPERM, as by Docker's default)"
start_dind nokeyring --security-opt "seccomp=$(without_rule '.names | index("keyctl")')"
out=$(nested_run nokeyring) || true
indent nokeyring <<<"$out"
check "without the keyring rule the nested container fails: unable to join session keyring" \
  fails_with "$out" "unable to join session keyring"
$docker rm -f dazn-nokeyring >/dev/null
log_info "the profile without pivot_root"
start_dind nopivot --security-opt "seccomp=$(without_rule '.names | index("pivot_root")')"
out=$(nested_run nopivot) || true
indent nopivot <<<"$out"
check "without pivot_root the nested container fails: pivot_root ... operation not permitted" \
  fails_with "$out" "pivot_root .: operation not permitted"
$docker rm -f dazn-nopivot >/dev/null

log_info "dind without its unmasked proc, then without its unmasked sysfs"
$docker exec dazn-main umount /run/dind-unmasked/proc
out=$(nested_run main) || true
indent noproc <<<"$out"
check "without the unmasked proc the nested container fails: mount proc ... operation not permitted" \
  fails_with "$out" 'error mounting "proc" to rootfs'
$docker exec dazn-main mount -t proc -o nosuid,nodev,noexec proc /run/dind-unmasked/proc
$docker exec dazn-main umount /run/dind-unmasked/sys
out=$(nested_run main) || true
indent nosys <<<"$out"
check "without the unmasked sysfs the nested container fails: mount sysfs ... operation not permitted" \
  fails_with "$out" 'error mounting "sysfs" to rootfs'
$docker exec dazn-main mount -t sysfs -o ro,nosuid,nodev,noexec sysfs /run/dind-unmasked/sys
out=$(nested_run main) || true
check "with both mounted again it starts again" test "$(awk 'NR == 1 { print $1, $2 }' <<<"$out")" = "0 1001"

$docker stop -t 30 dazn-main >/dev/null
check "dind exits 0 on stop and removes its folder" \
  test "$($docker inspect -f '{{.State.ExitCode}}' dazn-main):$(find "$tmp/main/storage" -mindepth 1 -maxdepth 1 | wc -l)" = 0:0

echo "isolation tests: $((tests - failures)) of $tests passed"
[ "$failures" -eq 0 ]
