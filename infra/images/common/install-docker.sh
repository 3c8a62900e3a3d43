#!/usr/bin/env bash
# Installs Docker into an image being built: `engine` (dockerd, containerd, runc, the client) for the
# dind image, `cli` (the client and buildx) for the runner's ecs target.
#
#   install-docker.sh <engine|cli> <download|debian|local>
#     download  Docker's apt repository (its signing key checked against the pinned fingerprint),
#               versions DOCKER_VERSION and BUILDX_VERSION: every real build
#     debian    Debian's docker.io package (engine only): the local test build, where only Debian's
#               mirrors can be reached
#     local     the client binary from the build context's _dist/local/docker, copied to
#               /tmp/local-dist (cli only; no buildx): the local test build
set -Eeuo pipefail

what=${1:?usage: install-docker.sh <engine|cli> <download|debian|local>}
source=${2:?usage: install-docker.sh <engine|cli> <download|debian|local>}
# Docker's release signing key (https://download.docker.com/linux/debian/gpg)
docker_key_fingerprint=9DC858229FC7DD38854AE2D88D81803C0EBFCD88
export DEBIAN_FRONTEND=noninteractive

apt_install() {
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "$@"
  rm -rf /var/lib/apt/lists/*
}

add_docker_repository() {
  apt_install gnupg
  # shellcheck source=/dev/null
  . /etc/os-release
  curl -fsSL "https://download.docker.com/linux/$ID/gpg" -o /tmp/docker.asc
  local fingerprint
  fingerprint=$(gpg --show-keys --with-colons /tmp/docker.asc | awk -F: '$1 == "fpr" { print $10; exit }')
  if [ "$fingerprint" != "$docker_key_fingerprint" ]; then
    echo "Docker's apt key has fingerprint '$fingerprint', expected $docker_key_fingerprint" >&2
    exit 1
  fi
  gpg --dearmor -o /usr/share/keyrings/docker.gpg /tmp/docker.asc
  rm /tmp/docker.asc
  echo "deb [signed-by=/usr/share/keyrings/docker.gpg] https://download.docker.com/linux/$ID $VERSION_CODENAME stable" \
    >/etc/apt/sources.list.d/docker.list
  apt-get purge -y -qq gnupg
  apt-get autoremove -y -qq
  # Docker's package versions carry the distribution, e.g. 5:27.5.1-1~debian.12~bookworm
  docker_suffix="-1~$ID.$VERSION_ID~$VERSION_CODENAME"
}

case "$what/$source" in
  engine/download)
    add_docker_repository
    apt_install iptables "docker-ce=5:${DOCKER_VERSION:?}$docker_suffix" "docker-ce-cli=5:$DOCKER_VERSION$docker_suffix" containerd.io
    ;;
  engine/debian)
    echo "WARNING: Debian's docker.io instead of Docker $DOCKER_VERSION: a local test build" >&2
    apt_install docker.io iptables
    ;;
  cli/download)
    add_docker_repository
    apt_install "docker-ce-cli=5:${DOCKER_VERSION:?}$docker_suffix" "docker-buildx-plugin=${BUILDX_VERSION:?}$docker_suffix"
    ;;
  cli/local)
    echo "WARNING: the Docker client from the build context, without buildx: a local test build" >&2
    install -m 0755 /tmp/local-dist/docker /usr/local/bin/docker
    ;;
  *)
    echo "install-docker.sh: '$what' from '$source' is not supported (engine: download|debian, cli: download|local)" >&2
    exit 1
    ;;
esac
docker --version
