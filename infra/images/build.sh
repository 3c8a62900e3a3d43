#!/usr/bin/env bash
# Builds one image of infra/images: stages its build context (infra/images/common, the image's
# folder, and _dist/: the runtime-sync bundle, the runner's JIT reader, dind's authorization plugin
# and, for local test builds, a Docker client), then runs
# the given docker build command with -f and the context appended.
#
#   build.sh <image> <docker build command...>
#   build.sh runner docker buildx build --platform linux/amd64,linux/arm64 --target ecs -t <repo>:<tag> --push
#   DOCKER_BUILDKIT=0 build.sh runner /usr/bin/docker build --target ecs --build-arg RUNNER_DIST=local ...
#
# LOCAL_DOCKER_CLIENT=<path> copies that client binary into _dist/local/docker (DOCKER_DIST=local).
# LOCAL_NODE=<path> copies that Node binary into _dist/local/node (RUNNER_DIST=local: the runner's
# externals/node24, which the JIT reader runs on).
set -Eeuo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
image=${1:?usage: build.sh <image> <docker build command...>}
shift
[ -f "$here/$image/Dockerfile" ] || { echo "build.sh: no image '$image' (no $here/$image/Dockerfile)" >&2; exit 64; }
[ $# -gt 0 ] || { echo "build.sh: give the docker build command after the image name" >&2; exit 64; }

context=$(mktemp -d "${TMPDIR:-/tmp}/dazn-image-context.XXXXXX")
trap 'rm -rf "$context"' EXIT
rsync -a --exclude '*.bats' --exclude README.md --exclude node_modules "$here/common" "$here/$image" "$context/"
mkdir -p "$context/_dist/runtime-sync" "$context/_dist/local"
if [ -f "$repo/runtime-sync/dist/index.js" ]; then
  cp "$repo/runtime-sync/dist/index.js" "$context/_dist/runtime-sync/"
else
  echo "build.sh: WARNING: runtime-sync/dist/index.js is missing (run npm run build): the image gets no runtime-sync bundle and its entrypoint will warn and skip the sync" >&2
  echo "runtime-sync was not bundled when this image was built" >"$context/_dist/runtime-sync/MISSING"
fi
if [ "$image" = runner ]; then
  # the JIT reader: without it the image cannot take its configuration from SSM, so no image without it
  bash "$here/runner/jit/build.sh" "$context/_dist/runner-jit" ||
    { echo "build.sh: bundling the JIT reader (runner/jit) failed" >&2; exit 1; }
fi
if [ "$image" = dind ]; then
  # the authorization plugin: dockerd refuses every call without it, so no image without it
  bash "$here/dind/authz/build.sh" "$context/_dist/dind-authz" ||
    { echo "build.sh: bundling the authorization plugin (dind/authz) failed" >&2; exit 1; }
fi
if [ -n "${LOCAL_DOCKER_CLIENT:-}" ]; then cp "$LOCAL_DOCKER_CLIENT" "$context/_dist/local/docker"; fi
if [ -n "${LOCAL_NODE:-}" ]; then cp "$LOCAL_NODE" "$context/_dist/local/node"; fi
touch "$context/_dist/local/.keep"

"$@" -f "$context/$image/Dockerfile" "$context"
