#!/usr/bin/env bats
# The registry mirror's config.yml with Debian's docker-registry (distribution 2.8): an "upstream"
# registry holding a one-file image, the mirror in proxy mode in front of it with its S3 storage on
# moto_server. Pulls go through the registry HTTP API with curl, so this file needs no Docker daemon;
# daemon-pull.sh pulls through the mirror image with the dind image's dockerd.

here=$(cd "$(dirname "$BATS_TEST_FILENAME")" && pwd)
IMAGE=test/tiny
ACCEPT='application/vnd.docker.distribution.manifest.v2+json'

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

wait_http() { # <url>
  for _ in $(seq 100); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}

s3() { aws --endpoint-url "http://127.0.0.1:$MOTO_PORT" --region us-east-1 s3 "$@"; }

# push_image <registry>: a FROM-scratch image with one file, pushed with the registry API.
push_image() {
  local registry=$1 dir=$BATS_FILE_TMPDIR/image
  mkdir -p "$dir/root"
  echo "hello from the upstream" >"$dir/root/hello.txt"
  tar -C "$dir/root" -c hello.txt | gzip -n >"$dir/layer.tar.gz"
  local diff_id layer_digest config_digest
  diff_id=sha256:$(gzip -dc "$dir/layer.tar.gz" | sha256sum | cut -d' ' -f1)
  printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["%s"]}}' "$diff_id" >"$dir/config.json"
  layer_digest=sha256:$(sha256sum <"$dir/layer.tar.gz" | cut -d' ' -f1)
  config_digest=sha256:$(sha256sum <"$dir/config.json" | cut -d' ' -f1)
  local file digest location
  for file in layer.tar.gz config.json; do
    digest=sha256:$(sha256sum <"$dir/$file" | cut -d' ' -f1)
    location=$(curl -fsS -X POST -D - -o /dev/null "$registry/v2/$IMAGE/blobs/uploads/" | tr -d '\r' | awk 'tolower($1) == "location:" { print $2 }')
    [[ $location == http* ]] || location=$registry$location
    curl -fsS -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$dir/$file" "$location&digest=$digest" -o /dev/null
  done
  printf '{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":%d,"digest":"%s"},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":%d,"digest":"%s"}]}' \
    "$ACCEPT" "$(stat -c %s "$dir/config.json")" "$config_digest" "$(stat -c %s "$dir/layer.tar.gz")" "$layer_digest" >"$dir/manifest.json"
  curl -fsS -X PUT -H "Content-Type: $ACCEPT" --data-binary "@$dir/manifest.json" "$registry/v2/$IMAGE/manifests/latest" -o /dev/null
  echo "$layer_digest" >"$BATS_FILE_TMPDIR/layer_digest"
  echo "$config_digest" >"$BATS_FILE_TMPDIR/config_digest"
}

start_registry() { # <name> <config> <env...>
  local name=$1 config=$2
  shift 2
  # AWS_CA_BUNDLE (set on some machines) makes the registry's old AWS SDK panic on its own transport
  env -u AWS_CA_BUNDLE "$@" docker-registry serve "$config" >"$BATS_FILE_TMPDIR/$name.log" 2>&1 &
  echo $! >"$BATS_FILE_TMPDIR/$name.pid"
}

stop() { # <name>
  local pid
  pid=$(cat "$BATS_FILE_TMPDIR/$1.pid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$BATS_FILE_TMPDIR/$1.pid"
}

setup_file() {
  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
  MOTO_PORT=$(free_port)
  UPSTREAM_PORT=$(free_port)
  MIRROR_PORT=$(free_port)
  export MOTO_PORT UPSTREAM_PORT MIRROR_PORT
  moto_server -H 127.0.0.1 -p "$MOTO_PORT" >"$BATS_FILE_TMPDIR/moto.log" 2>&1 &
  echo $! >"$BATS_FILE_TMPDIR/moto.pid"
  wait_http "http://127.0.0.1:$MOTO_PORT/"
  s3 mb s3://registry-mirror-test >/dev/null

  cat >"$BATS_FILE_TMPDIR/upstream.yml" <<YAML
version: 0.1
storage:
  filesystem:
    rootdirectory: $BATS_FILE_TMPDIR/upstream-data
http:
  addr: 127.0.0.1:$UPSTREAM_PORT
YAML
  start_registry upstream "$BATS_FILE_TMPDIR/upstream.yml"
  wait_http "http://127.0.0.1:$UPSTREAM_PORT/v2/"
  push_image "http://127.0.0.1:$UPSTREAM_PORT"

  start_registry mirror "$here/../config.yml" \
    REGISTRY_HTTP_ADDR="127.0.0.1:$MIRROR_PORT" \
    REGISTRY_STORAGE_S3_REGION=us-east-1 \
    REGISTRY_STORAGE_S3_REGIONENDPOINT="http://127.0.0.1:$MOTO_PORT" \
    REGISTRY_STORAGE_S3_BUCKET=registry-mirror-test \
    REGISTRY_STORAGE_S3_ACCESSKEY=test REGISTRY_STORAGE_S3_SECRETKEY=test \
    REGISTRY_STORAGE_S3_SECURE=false \
    REGISTRY_PROXY_REMOTEURL="http://127.0.0.1:$UPSTREAM_PORT"
  wait_http "http://127.0.0.1:$MIRROR_PORT/v2/" || { cat "$BATS_FILE_TMPDIR/mirror.log" >&2; return 1; }

  # The same configuration with the blob descriptor cache it used to have, on its own root (one
  # writer per root): what the bucket's expiry did to it.
  CACHED_PORT=$(free_port)
  export CACHED_PORT
  start_registry cached "$here/../config.yml" \
    REGISTRY_HTTP_ADDR="127.0.0.1:$CACHED_PORT" \
    REGISTRY_STORAGE_S3_REGION=us-east-1 \
    REGISTRY_STORAGE_S3_REGIONENDPOINT="http://127.0.0.1:$MOTO_PORT" \
    REGISTRY_STORAGE_S3_BUCKET=registry-mirror-test \
    REGISTRY_STORAGE_S3_ROOTDIRECTORY=/with-descriptor-cache \
    REGISTRY_STORAGE_S3_ACCESSKEY=test REGISTRY_STORAGE_S3_SECRETKEY=test \
    REGISTRY_STORAGE_S3_SECURE=false \
    REGISTRY_STORAGE_CACHE_BLOBDESCRIPTOR=inmemory \
    REGISTRY_PROXY_REMOTEURL="http://127.0.0.1:$UPSTREAM_PORT"
  wait_http "http://127.0.0.1:$CACHED_PORT/v2/" || { cat "$BATS_FILE_TMPDIR/cached.log" >&2; return 1; }
}

teardown_file() {
  stop cached
  stop mirror
  stop upstream
  stop moto
}

mirror() { echo "http://127.0.0.1:$MIRROR_PORT"; }

# pull <registry>: the manifest by tag, then every blob it names, each checked against its digest.
pull() {
  local registry=$1 dir=$BATS_TEST_TMPDIR/pulled
  mkdir -p "$dir"
  curl -fsS -H "Accept: $ACCEPT" "$registry/v2/$IMAGE/manifests/latest" -o "$dir/manifest.json"
  local digest
  for digest in $(jq -r '.config.digest, .layers[].digest' "$dir/manifest.json"); do
    curl -fsS "$registry/v2/$IMAGE/blobs/$digest" -o "$dir/blob"
    [ "sha256:$(sha256sum <"$dir/blob" | cut -d' ' -f1)" = "$digest" ]
  done
  curl -fsS "$registry/v2/$IMAGE/blobs/$(cat "$BATS_FILE_TMPDIR/layer_digest")" | tar -xzO hello.txt
}

@test "the mirror's health check passes (/v2/ answers 200 while its S3 storage is healthy)" {
  run curl -fsS -o /dev/null -w '%{http_code}' "$(mirror)/v2/"
  [ "$output" = 200 ]
  run env REGISTRY_MIRROR_PORT="$MIRROR_PORT" sh "$here/../healthcheck.sh"
  [ "$status" -eq 0 ]
}

@test "pulling through the mirror returns the upstream image and stores its blobs in the bucket" {
  run pull "$(mirror)"
  [ "$status" -eq 0 ]
  [ "$output" = "hello from the upstream" ]
  layer=$(cat "$BATS_FILE_TMPDIR/layer_digest")
  for _ in $(seq 50); do
    s3 ls --recursive s3://registry-mirror-test/docker-hub/ | grep -q "blobs/sha256/${layer:7:2}/${layer#sha256:}/data" && break
    sleep 0.2
  done
  s3 ls --recursive s3://registry-mirror-test/docker-hub/ | grep -q "blobs/sha256/${layer:7:2}/${layer#sha256:}/data"
  s3 ls --recursive s3://registry-mirror-test/docker-hub/ | grep -q "repositories/$IMAGE/_manifests/tags/latest"
}

# wait_for_object <root> <path suffix>: the mirror stores what it fetched in the background
wait_for_object() {
  for _ in $(seq 50); do
    s3 ls --recursive "s3://registry-mirror-test/$1/" | grep -q "$2" && return 0
    sleep 0.2
  done
  return 1
}

# expire_layer <root>: what the bucket's lifecycle expiry does to a cached layer, done now
expire_layer() {
  local layer key
  layer=$(cat "$BATS_FILE_TMPDIR/layer_digest")
  wait_for_object "$1" "blobs/sha256/${layer:7:2}/${layer#sha256:}/data"
  key=$(s3 ls --recursive "s3://registry-mirror-test/$1/" | awk '{ print $4 }' | grep "blobs/sha256/${layer:7:2}/${layer#sha256:}/data")
  s3 rm "s3://registry-mirror-test/$key" >/dev/null
}

@test "a layer the bucket expired under the mirror is fetched from the upstream again (no descriptor cache)" {
  run pull "$(mirror)"
  [ "$status" -eq 0 ]
  expire_layer docker-hub
  run pull "$(mirror)"
  [ "$status" -eq 0 ]
  [ "$output" = "hello from the upstream" ]
  layer=$(cat "$BATS_FILE_TMPDIR/layer_digest")
  wait_for_object docker-hub "blobs/sha256/${layer:7:2}/${layer#sha256:}/data"
}

@test "with the in-memory descriptor cache the same expiry breaks pulls (why config.yml has none)" {
  run pull "http://127.0.0.1:$CACHED_PORT"
  [ "$status" -eq 0 ]
  [ "$output" = "hello from the upstream" ]
  expire_layer with-descriptor-cache
  run pull "http://127.0.0.1:$CACHED_PORT"
  echo "$output"
  [ "$status" -ne 0 ]
}

@test "the configuration has no blob descriptor cache and distribution's 7-day TTL as its default" {
  run grep -n blobdescriptor "$here/../config.yml"
  [ "$status" -eq 1 ]
  grep -A4 -x 'proxy:' "$here/../config.yml" | grep -qx '  ttl: 168h'
}

@test "a second pull is served by the mirror while the upstream is stopped" {
  run pull "$(mirror)" # make sure the cache is filled even when run alone
  [ "$status" -eq 0 ]
  stop upstream
  run curl -fsS -o /dev/null "http://127.0.0.1:$UPSTREAM_PORT/v2/"
  [ "$status" -ne 0 ]
  run pull "$(mirror)"
  [ "$status" -eq 0 ]
  [ "$output" = "hello from the upstream" ]
}

@test "the configuration caches Docker Hub with deletion enabled, S3 storage and no redirects" {
  grep -qx '  remoteurl: https://registry-1.docker.io' "$here/../config.yml"
  grep -A1 -x '  delete:' "$here/../config.yml" | grep -qx '    enabled: true'
  grep -A1 -x '  redirect:' "$here/../config.yml" | grep -qx '    disable: true'
  for key in region bucket rootdirectory; do grep -q "^    $key: " "$here/../config.yml"; done
}
