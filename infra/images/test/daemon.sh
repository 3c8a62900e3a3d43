#!/usr/bin/env bash
# The tests that need a Docker daemon: a real build and run of the runner and dind images.
#
#   1. a private host dockerd (no iptables, no bridge) on a socket under a temp folder
#   2. a base image imported from a debootstrap root file system (no registry is reachable here);
#      the tarball is cached in <repo>/.cache/images/ and rebuilt when missing
#   3. the runner (ecs target) and dind images built on it, with the local stand-ins for what cannot
#      be downloaded here (RUNNER_DIST=local, DOCKER_DIST=local/debian)
#   4. the runner image's entrypoint runs as non-root and registers through the stub config.sh
#   5. the dind container, never privileged, with the shared socket, storage and work volumes;
#      a second container in the runner's place runs an inner container through the socket, which
#      runs in a remapped user namespace and sees a file written in the shared work folder
#   6. stopping dind removes its random data folder
#
# DAZN_IMAGES_TEST_DOCKER_DATA=<folder> keeps the host daemon's data (and so the build cache) there
# between runs, for development; by default it lives and dies with the run's temp folder.
set -Eeuo pipefail
here=$(cd "$(dirname "$0")" && pwd)
images=$(cd "$here/.." && pwd)
repo=$(cd "$images/../.." && pwd)
export DOCKER_BUILDKIT=0
docker=/usr/bin/docker # Debian's client; the first docker on PATH may be a newer one without the legacy builder

# What the dind container gets beyond SYS_ADMIN and NET_ADMIN on this host, and why (kernel 6.x,
# cgroup v1, runc 1.1, seccomp on, no AppArmor). Each was found by removing it: see README.md.
dind_additions=(
  --cap-add=SYS_PTRACE # runc joins the container's mount namespace under userns-remap, else "failed to get container mount namespace: Permission denied"
  --security-opt=systempaths=unconfined # /proc and /sys are masked read-only by default, else runc's "mount proc ... operation not permitted"
  --security-opt=seccomp=unconfined # Docker's default profile refuses keyctl, else runc's "unable to join session keyring"
)

# DAZN_IMAGES_TEST_WITHOUT=<text> drops the additions containing that text, to see what breaks.
if [ -n "${DAZN_IMAGES_TEST_WITHOUT:-}" ]; then
  kept=()
  for addition in "${dind_additions[@]}"; do
    [[ $addition == *"$DAZN_IMAGES_TEST_WITHOUT"* ]] || kept+=("$addition")
  done
  dind_additions=("${kept[@]}")
fi

# DAZN_IMAGES_TEST_DIND_OPTIONS="<docker run options>" adds options to the dind container, to try them.
read -r -a dind_additions_tried <<<"${DAZN_IMAGES_TEST_DIND_OPTIONS:-}"
dind_additions+=("${dind_additions_tried[@]}")

LOG_COMPONENT="images daemon test"
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

tmp=$(mktemp -d /tmp/dazn-dind.XXXXXX)
host_sock=$tmp/host.sock
export DOCKER_HOST=unix://$host_sock
dockerd_pid=""
cleanup() {
  local status=$?
  set +e
  if [ -n "$dockerd_pid" ]; then
    $docker ps -aq | xargs -r $docker rm -f >/dev/null 2>&1
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

# --- 1. host daemon ---------------------------------------------------------------------------------
log_info "starting a private dockerd in $tmp"
dockerd --iptables=false --ip6tables=false --ip-masq=false --bridge=none \
  --host "$DOCKER_HOST" --data-root "${DAZN_IMAGES_TEST_DOCKER_DATA:-$tmp/data}" --exec-root "$tmp/exec" --pidfile "$tmp/dockerd.pid" \
  >"$tmp/dockerd.log" 2>&1 &
dockerd_pid=$!
for _ in $(seq 150); do $docker version >/dev/null 2>&1 && break; sleep 0.2; done
$docker version >/dev/null 2>&1 || fail_with_logs "the host dockerd did not start" "$tmp/dockerd.log"

# --- 2. base image from debootstrap ----------------------------------------------------------------
cache=$repo/.cache/images
base_tar=$cache/debian-bookworm-minbase.tar
if [ ! -s "$base_tar" ]; then
  log_info "debootstrap: building the base root file system (cached in $base_tar)"
  mkdir -p "$cache"
  debootstrap --variant=minbase bookworm "$tmp/rootfs" http://deb.debian.org/debian >"$tmp/debootstrap.log" 2>&1 ||
    fail_with_logs "debootstrap failed" "$tmp/debootstrap.log"
  tar -C "$tmp/rootfs" -cf "$base_tar.partial" . && mv "$base_tar.partial" "$base_tar"
  rm -rf "$tmp/rootfs"
fi
# imported once per daemon: a new import would be a new image and void the build cache
$docker image inspect dazn-test/debian:bookworm >/dev/null 2>&1 ||
  $docker import "$base_tar" dazn-test/debian:bookworm >/dev/null

# --- 3. builds ----------------------------------------------------------------------------------------
build() { # <image> <tag> <build args...>
  local image=$1 tag=$2 started=$SECONDS
  shift 2
  log_info "building $tag"
  if ! LOCAL_DOCKER_CLIENT=$docker "$images/build.sh" "$image" $docker build --network host -q -t "$tag" \
    --build-arg BASE_IMAGE=dazn-test/debian:bookworm "$@" >"$tmp/build-$image.log" 2>&1; then
    fail_with_logs "building $tag failed" "$tmp/build-$image.log"
  fi
  log_info "built $tag in $((SECONDS - started))s"
}
# both at once: their apt downloads and installs overlap
build runner dazn-test/runner:ecs --target ecs --build-arg RUNNER_DIST=local --build-arg DOCKER_DIST=local &
runner_build=$!
build dind dazn-test/dind:test --build-arg DOCKER_DIST=debian &
dind_build=$!
builds_ok=true
wait "$runner_build" || builds_ok=false
wait "$dind_build" || builds_ok=false
$builds_ok || exit 1

check "the runner image runs as the non-root user runner (uid 1001)" \
  test "$($docker run --rm --entrypoint id dazn-test/runner:ecs)" = "uid=1001(runner) gid=1001(runner) groups=1001(runner)"

# --- 4. the runner entrypoint in its image ---------------------------------------------------------
runner_out=$($docker run --rm --network none -e RUNNER_URL=https://github.com/dazn -e RUNNER_TOKEN=test-token-123 \
  -e RUNNER_POOL=ecs-test -e RUNNER_CAPACITY=on-demand dazn-test/runner:ecs 2>&1) || true
indent runner <<<"$runner_out"
check "the runner image's entrypoint registers into group ecs and runs the (stub) runner" \
  grep -q "group 'ecs', labels ecs-test,[a-z0-9_]*,on-demand,ecs, ephemeral" <<<"$runner_out"
check "the runner image's entrypoint warns that runtime-sync is off without RUNTIME_SYNC_ROOT" \
  grep -q "RUNTIME_SYNC_ROOT is not set" <<<"$runner_out"
check "the runner image's entrypoint exits with the job's status (0)" grep -q "exiting with status 0" <<<"$runner_out"

# --- 5. dind, never privileged, and a runner next to it --------------------------------------------
mkdir -p "$tmp/storage" "$tmp/sock" "$tmp/work" "$tmp/toolcache"
chown 1001:1001 "$tmp/work" "$tmp/toolcache"
# the same paths in both containers: the daemon resolves a job's bind mounts in its own file system
shared=(-v "$tmp/sock:/var/run/dind" -v "$tmp/work:/home/runner/_work" -v "$tmp/toolcache:/opt/hostedtoolcache")
log_info "starting dind with no-new-privileges, SYS_ADMIN, NET_ADMIN and: ${dind_additions[*]}"
# no-new-privileges on dind itself is a restriction, not an addition: it works here
$docker run -d --name dazn-dind --network none --security-opt=no-new-privileges \
  --cap-add=SYS_ADMIN --cap-add=NET_ADMIN "${dind_additions[@]}" \
  -v "$tmp/storage:/var/lib/dind" "${shared[@]}" -e DIND_SOCKET_GID=1001 \
  dazn-test/dind:test >/dev/null
inner_sock=$tmp/sock/docker.sock
ready=false
for _ in $(seq 150); do
  if [ -S "$inner_sock" ] && curl -fsS --unix-socket "$inner_sock" http://dind/_ping >/dev/null 2>&1; then
    ready=true
    break
  fi
  sleep 0.2
done
$docker logs dazn-dind >"$tmp/dind.log" 2>&1
$ready || fail_with_logs "the dind daemon did not answer on its socket" "$tmp/dind.log"
check "dind is not privileged" test "$($docker inspect -f '{{.HostConfig.Privileged}}' dazn-dind)" = false
check "dind runs with no-new-privileges" grep -q no-new-privileges <<<"$($docker inspect -f '{{.HostConfig.SecurityOpt}}' dazn-dind)"
cap_add=$($docker inspect -f '{{join .HostConfig.CapAdd ","}}' dazn-dind)
check "dind's capability additions are SYS_ADMIN, NET_ADMIN and SYS_PTRACE only ($cap_add)" \
  grep -Eqx '(CAP_)?SYS_ADMIN,(CAP_)?NET_ADMIN,(CAP_)?SYS_PTRACE' <<<"$cap_add"
check "dind's socket belongs to the runner's group (1001), mode 660" \
  test "$(stat -c '%g %a' "$inner_sock")" = "1001 660"
check "dind answers its health check on 127.0.0.1:2375 inside its network namespace" \
  $docker exec dazn-dind curl -fsS -o /dev/null http://127.0.0.1:2375/_ping
info=$(curl -fsS --unix-socket "$inner_sock" http://dind/info)
check "dind runs overlay2" test "$(jq -r .Driver <<<"$info")" = overlay2
check "dind runs with user namespace remapping" grep -q 'name=userns' <<<"$(jq -r '.SecurityOptions[]' <<<"$info")"
check "dind logs through syslog by default" test "$(jq -r .LoggingDriver <<<"$info")" = syslog
run_dir=$(jq -r .DockerRootDir <<<"$info")
check "dind's data root is a random folder under the storage volume" grep -Eq '^/var/lib/dind/dind\.[A-Za-z0-9]{10}/data/' <<<"$run_dir/"

log_info "loading the base image into the inner daemon"
$docker -H "unix://$inner_sock" import "$base_tar" dazn-test/inner:1 >/dev/null

log_info "running an inner container from a container in the runner's place (no added capabilities)"
inner_out=$($docker run --rm --network none --user 1001:1001 "${shared[@]}" --entrypoint bash dazn-test/runner:ecs -c '
  set -e
  echo "written by the runner" >/home/runner/_work/probe.txt
  docker run --rm -v /home/runner/_work:/home/runner/_work dazn-test/inner:1 \
    sh -c "cat /home/runner/_work/probe.txt; cat /proc/self/uid_map"
' 2>&1) || true
indent inner <<<"$inner_out"
check "the inner container sees the file written in the shared work folder, at the same path" \
  grep -qx "written by the runner" <<<"$inner_out"
check "the inner container runs in a remapped user namespace (root is uid 100000)" \
  grep -Eq '^ +0 +100000 +65536$' <<<"$inner_out"

# --- 6. cleanup on stop -----------------------------------------------------------------------------
$docker stop -t 30 dazn-dind >/dev/null
$docker logs dazn-dind >"$tmp/dind.log" 2>&1
check "dind exits 0 on stop" test "$($docker inspect -f '{{.State.ExitCode}}' dazn-dind)" = 0
check "stopping dind removes its random folder from the storage volume" test -z "$(ls -A "$tmp/storage")"
grep -q "removed /var/lib/dind/dind\." "$tmp/dind.log" || tail -n 20 "$tmp/dind.log" | indent dind

echo "daemon tests: $((tests - failures)) of $tests passed"
[ "$failures" -eq 0 ]
