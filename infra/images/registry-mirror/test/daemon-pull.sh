#!/usr/bin/env bash
# A pull through the registry mirror by a Docker daemon configured as the dind sidecar configures
# it (needs a Docker daemon; run by infra/images/test.sh with the daemon tests):
#
#   1. a private host dockerd (no iptables, no bridge) and the debootstrap base (test/daemon.sh's)
#   2. real builds: the mirror image (registry-mirror/Dockerfile) on a stand-in base holding Debian's
#      docker-registry (registry:3 cannot be pulled here), and the dind image
#   3. one private network namespace with loopback only, owned by an "upstream" registry container
#      (Debian's docker-registry, filesystem storage); moto_server runs in it through nsenter; the
#      mirror container (its config.yml, the task definition's environment, S3 on moto) and the
#      dind container (never privileged, DIND_REGISTRY_MIRROR=http://127.0.0.1:5000) join it.
#      Nothing there reaches Docker Hub, so a pull of a Docker Hub name can only come via the mirror.
#   4. the inner daemon pushes a one-file image to the upstream as library/dazn-mirror-probe:1,
#      removes it, and pulls dazn-mirror-probe:1 (docker.io/library/...): same image id, same file;
#      the mirror's log has the requests, its S3 root the manifest and the layer
#   5. a name the upstream does not hold fails (there is no route around the mirror)
#
# No insecure-registries entry: dockerd uses an http:// mirror URL's scheme as given and consults
# insecure-registries only for TLS verification (moby registry/service_v2.go, lookupV2Endpoints).
# Here the mirror sits on 127.0.0.1, which dockerd treats as insecure by default anyway, so this
# test cannot tell the two apart; the inner daemon's registry settings are printed and checked.
set -Eeuo pipefail
here=$(cd "$(dirname "$0")" && pwd)
images=$(cd "$here/../.." && pwd)
repo=$(cd "$images/../.." && pwd)
export DOCKER_BUILDKIT=0
docker=/usr/bin/docker # Debian's client, with the legacy builder
started=$SECONDS

# The dind container's options beyond SYS_ADMIN and NET_ADMIN: the same as test/daemon.sh's
# dind_additions (why each is needed: README.md, "What the container needs").
dind_additions=(
  --cap-add=SYS_PTRACE
  --security-opt=systempaths=unconfined
  --security-opt=seccomp=unconfined
)

LOG_COMPONENT="images mirror pull test"
# shellcheck source=../../common/lib.sh
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

# shellcheck source=../../test/host-daemon.sh
source "$images/test/host-daemon.sh" dazn-mirror

# --- 1. host daemon and base image -----------------------------------------------------------------
log_info "starting a private dockerd in $tmp"
dockerd --iptables=false --ip6tables=false --ip-masq=false --bridge=none \
  --host "$DOCKER_HOST" --data-root "${DAZN_IMAGES_TEST_DOCKER_DATA:-$tmp/data}" --exec-root "$tmp/exec" --pidfile "$tmp/dockerd.pid" \
  >"$tmp/dockerd.log" 2>&1 &
dockerd_pid=$!
for _ in $(seq 150); do $docker version >/dev/null 2>&1 && break; sleep 0.2; done
$docker version >/dev/null 2>&1 || fail_with_logs "the host dockerd did not start" "$tmp/dockerd.log"

base_tar=$repo/.cache/images/debian-bookworm-minbase.tar
if [ ! -s "$base_tar" ]; then
  log_info "debootstrap: building the base root file system (cached in $base_tar)"
  mkdir -p "$(dirname "$base_tar")"
  timeout 900 debootstrap --variant=minbase bookworm "$tmp/rootfs" http://deb.debian.org/debian >"$tmp/debootstrap.log" 2>&1 ||
    fail_with_logs "debootstrap failed" "$tmp/debootstrap.log"
  tar -C "$tmp/rootfs" -cf "$base_tar.partial" . && mv "$base_tar.partial" "$base_tar"
  rm -rf "$tmp/rootfs"
fi
$docker image inspect dazn-test/debian:bookworm >/dev/null 2>&1 ||
  $docker import "$base_tar" dazn-test/debian:bookworm >/dev/null

# --- 2. builds --------------------------------------------------------------------------------------
# The stand-in for registry:3: Debian's distribution 2.8 binary as `registry` on PATH (what the
# mirror's Dockerfile runs), and wget for its health check (busybox's in the real base).
mkdir -p "$tmp/registry-base"
cp /usr/bin/docker-registry "$tmp/registry-base/registry"
cat >"$tmp/registry-base/Dockerfile" <<'DOCKERFILE'
FROM dazn-test/debian:bookworm
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wget \
 && rm -rf /var/lib/apt/lists/*
COPY registry /usr/local/bin/registry
DOCKERFILE

build() { # <log name> <command...>
  local name=$1 at=$SECONDS
  shift
  if ! timeout 900 "$@" >"$tmp/build-$name.log" 2>&1; then
    fail_with_logs "building $name failed" "$tmp/build-$name.log"
  fi
  log_info "built $name in $((SECONDS - at))s"
}
build_mirror() {
  build registry-base $docker build --network host -q -t dazn-test/registry-base:2.8 "$tmp/registry-base"
  build registry-mirror env LOCAL_DOCKER_CLIENT=$docker "$images/build.sh" registry-mirror \
    $docker build --network host -q -t dazn-test/registry-mirror:test --build-arg BASE_IMAGE=dazn-test/registry-base:2.8
}
build_mirror &
mirror_build=$!
build dind env LOCAL_DOCKER_CLIENT=$docker "$images/build.sh" dind $docker build --network host -q -t dazn-test/dind:test \
  --build-arg BASE_IMAGE=dazn-test/debian:bookworm --build-arg DOCKER_DIST=debian &
dind_build=$!
builds_ok=true
wait "$mirror_build" || builds_ok=false
wait "$dind_build" || builds_ok=false
$builds_ok || exit 1

# --- 3. one private network namespace: upstream, moto, mirror, dind --------------------------------
upstream_port=5001
mirror_port=5000
moto_port=5002
cat >"$tmp/upstream.yml" <<YAML
version: 0.1
storage:
  filesystem:
    rootdirectory: /var/lib/upstream
http:
  addr: 127.0.0.1:$upstream_port
YAML
$docker run -d --name dazn-mirror-upstream --network none -v "$tmp/upstream.yml:/etc/upstream.yml:ro" \
  --entrypoint registry dazn-test/registry-base:2.8 serve /etc/upstream.yml >/dev/null
net_pid=$($docker inspect -f '{{.State.Pid}}' dazn-mirror-upstream)
in_net() { timeout 120 nsenter -t "$net_pid" -n -- "$@"; }
wait_in_net() { # <url>
  for _ in $(seq 150); do in_net curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.2; done
  return 1
}
wait_in_net "http://127.0.0.1:$upstream_port/v2/" ||
  fail_with_logs "the upstream registry did not start" <($docker logs dazn-mirror-upstream 2>&1)

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=eu-central-1
nsenter -t "$net_pid" -n -- moto_server -H 127.0.0.1 -p "$moto_port" >"$tmp/moto.log" 2>&1 &
helper_pids+=($!)
wait_in_net "http://127.0.0.1:$moto_port/" || fail_with_logs "moto_server did not start" "$tmp/moto.log"
s3() { in_net env -u AWS_CA_BUNDLE aws --endpoint-url "http://127.0.0.1:$moto_port" s3 "$@"; }
s3 mb s3://dazn-registry-mirror-test >/dev/null

# The task definition's environment (modules/registry-mirror), with moto for S3 and the upstream
# in Docker Hub's place; one storage root, as one task per subnet has.
root=/docker-hub/subnet-test
log_info "starting the mirror image in proxy mode, S3 root $root"
$docker run -d --name dazn-mirror-mirror --network container:dazn-mirror-upstream \
  -e REGISTRY_HTTP_ADDR="127.0.0.1:$mirror_port" \
  -e REGISTRY_PROXY_REMOTEURL="http://127.0.0.1:$upstream_port" \
  -e REGISTRY_PROXY_TTL=168h \
  -e REGISTRY_STORAGE=s3 \
  -e REGISTRY_STORAGE_S3_BUCKET=dazn-registry-mirror-test \
  -e REGISTRY_STORAGE_S3_REGION=eu-central-1 \
  -e REGISTRY_STORAGE_S3_ROOTDIRECTORY="$root" \
  -e REGISTRY_STORAGE_S3_ENCRYPT=true \
  -e REGISTRY_STORAGE_REDIRECT_DISABLE=true \
  -e REGISTRY_STORAGE_DELETE_ENABLED=true \
  -e REGISTRY_HEALTH_STORAGEDRIVER_ENABLED=true \
  -e REGISTRY_STORAGE_S3_REGIONENDPOINT="http://127.0.0.1:$moto_port" \
  -e REGISTRY_STORAGE_S3_SECURE=false \
  -e REGISTRY_STORAGE_S3_ACCESSKEY=test -e REGISTRY_STORAGE_S3_SECRETKEY=test \
  -e REGISTRY_MIRROR_PORT="$mirror_port" \
  dazn-test/registry-mirror:test >/dev/null
wait_in_net "http://127.0.0.1:$mirror_port/v2/" || fail_with_logs "the mirror did not answer /v2/" <($docker logs dazn-mirror-mirror 2>&1)
check "the mirror image's health check passes in its container" \
  $docker exec dazn-mirror-mirror /usr/local/bin/registry-mirror-healthcheck

mkdir -p "$tmp/storage" "$tmp/sock"
log_info "starting dind (SYS_ADMIN, NET_ADMIN and: ${dind_additions[*]}) with DIND_REGISTRY_MIRROR=http://127.0.0.1:$mirror_port"
$docker run -d --name dazn-mirror-dind --network container:dazn-mirror-upstream --security-opt=no-new-privileges \
  --cap-add=SYS_ADMIN --cap-add=NET_ADMIN "${dind_additions[@]}" \
  -v "$tmp/storage:/var/lib/dind" -v "$tmp/sock:/var/run/dind" -e DIND_SOCKET_GID=1001 \
  -e DIND_REGISTRY_MIRROR="http://127.0.0.1:$mirror_port" \
  dazn-test/dind:test >/dev/null
inner_sock=$tmp/sock/docker.sock
inner() { timeout 120 $docker -H "unix://$inner_sock" "$@"; }
ready=false
for _ in $(seq 150); do
  if [ -S "$inner_sock" ] && curl -fsS --unix-socket "$inner_sock" http://dind/_ping >/dev/null 2>&1; then ready=true; break; fi
  sleep 0.2
done
$ready || fail_with_logs "the dind daemon did not answer on its socket" <($docker logs dazn-mirror-dind 2>&1)

registry_config=$(curl -fsS --unix-socket "$inner_sock" http://dind/info | jq -c '.RegistryConfig | {Mirrors, InsecureRegistryCIDRs, insecure: [.IndexConfigs[] | select(.Secure == false) | .Name]}')
echo "    dind: registry settings $registry_config"
check "the dind daemon names the mirror in registry-mirrors, as its entrypoint configures it" \
  test "$(jq -c .Mirrors <<<"$registry_config")" = "[\"http://127.0.0.1:$mirror_port/\"]"
check "and lists no insecure registry of its own (only dockerd's built-in 127.0.0.0/8)" \
  test "$(jq -c '[.InsecureRegistryCIDRs, .insecure]' <<<"$registry_config")" = '[["127.0.0.0/8"],[]]'

# --- 4. push to the upstream, pull through the mirror -----------------------------------------------
mkdir -p "$tmp/probe"
echo "pulled through the mirror" >"$tmp/probe/hello.txt"
tar -C "$tmp/probe" -cf "$tmp/probe.tar" hello.txt
upstream_ref=127.0.0.1:$upstream_port/library/dazn-mirror-probe:1
inner import - "$upstream_ref" <"$tmp/probe.tar" >/dev/null
pushed_id=$(inner image inspect -f '{{.Id}}' "$upstream_ref")
inner push "$upstream_ref" >"$tmp/push.log" 2>&1 || fail_with_logs "pushing to the upstream failed" "$tmp/push.log"
inner rmi "$upstream_ref" >/dev/null
check "the probe image is gone from the inner daemon before the pull" \
  test -z "$(inner images -q --no-trunc | grep -F "$pushed_id" || true)"

log_info "pulling dazn-mirror-probe:1 (docker.io/library/dazn-mirror-probe:1)"
pull_at=$SECONDS
pull_status=0
inner pull dazn-mirror-probe:1 >"$tmp/pull.log" 2>&1 || pull_status=$?
indent pull <"$tmp/pull.log"
check "the dind daemon pulls a Docker Hub name with no route to Docker Hub (status $pull_status, $((SECONDS - pull_at))s)" \
  test "$pull_status" = 0
check "it is the image pushed to the upstream (same id)" \
  test "$(inner image inspect -f '{{.Id}}' dazn-mirror-probe:1 2>/dev/null)" = "$pushed_id"
inner create --name probe dazn-mirror-probe:1 /hello.txt >/dev/null 2>&1 || true
check "its layer holds the upstream's file" \
  test "$(inner cp probe:/hello.txt - 2>/dev/null | tar -xO hello.txt)" = "pulled through the mirror"

$docker logs dazn-mirror-mirror >"$tmp/mirror.log" 2>&1
served() { # <uri pattern>: a 200 for it in the mirror's JSON access log
  jq -R 'fromjson? | select(."http.request.uri"? // "" | test($p)) | ."http.response.status"' --arg p "$1" "$tmp/mirror.log" | grep -qx 200
}
check "the mirror served the manifest to the daemon (its log)" served '^/v2/library/dazn-mirror-probe/manifests/1$'
check "and the layer" served '^/v2/library/dazn-mirror-probe/blobs/sha256:'
stored() { # <key pattern>: an object under the mirror's root
  for _ in $(seq 50); do
    s3 ls --recursive "s3://dazn-registry-mirror-test$root/" | grep -E "$1" >/dev/null && return 0
    sleep 0.2
  done
  return 1
}
check "the mirror stored the tag in its own S3 root" stored "^.* ${root#/}/docker/registry/v2/repositories/library/dazn-mirror-probe/_manifests/tags/1/current/link$"
blob_count() { s3 ls --recursive "s3://dazn-registry-mirror-test$root/" | awk '{ print $4 }' | grep -c '/blobs/sha256/.*/data$' || true; }
for _ in $(seq 50); do [ "$(blob_count)" -ge 2 ] && break; sleep 0.2; done
blobs=$(blob_count)
check "and the blobs (config and layer: $blobs data objects)" test "$blobs" -ge 2

# --- 5. no way around the mirror ------------------------------------------------------------------
absent_status=0
inner pull dazn-mirror-absent:1 >"$tmp/absent.log" 2>&1 || absent_status=$?
indent absent <"$tmp/absent.log"
check "a name the upstream does not hold fails to pull (status $absent_status): no route to Docker Hub but the mirror" \
  test "$absent_status" -ne 0

echo "mirror pull tests: $((tests - failures)) of $tests passed in $((SECONDS - started))s"
[ "$failures" -eq 0 ]
