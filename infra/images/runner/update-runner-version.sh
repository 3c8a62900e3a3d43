#!/usr/bin/env bash
# Moves runner-version.env to the newest actions/runner release, with the checksums that release
# publishes (its notes carry `<!-- BEGIN SHA linux-x64 -->…<!-- END SHA linux-x64 -->` per asset).
# For the scheduled images workflow: it runs this, then builds both architectures (the Dockerfile's
# sha256sum -c proves the checksums against the downloaded tarballs), pushes, and opens the change
# for review. Never moves the pin backwards; leaves the file untouched on any problem.
#
#   update-runner-version.sh [--release-json FILE]    FILE: a saved releases/latest answer (tests)
#
# Prints the new version on stdout when it changed, nothing when the pin is current.
# Environment: GITHUB_API_URL (https://api.github.com), GITHUB_TOKEN (optional, for rate limits),
# RUNNER_VERSION_FILE (the runner-version.env beside this script).
set -Eeuo pipefail
here=$(cd "$(dirname "$0")" && pwd)
file=${RUNNER_VERSION_FILE:-$here/runner-version.env}
release_json=""
if [ "${1:-}" = --release-json ]; then release_json=${2:?--release-json needs a file}; fi

fail() {
  echo "update-runner-version: $*" >&2
  exit 1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -z "$release_json" ]; then
  release_json=$tmp/release.json
  auth=()
  if [ -n "${GITHUB_TOKEN:-}" ]; then auth=(-H "Authorization: Bearer $GITHUB_TOKEN"); fi
  # the token goes in a header from an array, never on this script's own command line
  curl -fsS --connect-timeout 10 --max-time 60 --retry 3 -H 'Accept: application/vnd.github+json' \
    -H 'X-GitHub-Api-Version: 2022-11-28' "${auth[@]}" -o "$release_json" \
    "${GITHUB_API_URL:-https://api.github.com}/repos/actions/runner/releases/latest" ||
    fail "could not read the latest actions/runner release from ${GITHUB_API_URL:-https://api.github.com}"
fi

tag=$(jq -r '.tag_name // ""' "$release_json") || fail "$release_json is not a release (JSON with tag_name and body)"
[[ $tag =~ ^v([0-9]+\.[0-9]+\.[0-9]+)$ ]] || fail "the release's tag is '$tag', not v<major>.<minor>.<patch>"
version=${BASH_REMATCH[1]}
body=$(jq -r '.body // ""' "$release_json")
checksum() { # <asset platform, e.g. linux-x64>
  local sums
  sums=$(grep -oE "<!-- BEGIN SHA $1 -->[0-9a-f]{64}<!-- END SHA $1 -->" <<<"$body" | grep -oE '[0-9a-f]{64}' | sort -u)
  [ -n "$sums" ] || fail "release $tag publishes no sha256 for $1 (<!-- BEGIN SHA $1 --> in its notes)"
  [ "$(wc -l <<<"$sums")" -eq 1 ] || fail "release $tag publishes more than one sha256 for $1"
  echo "$sums"
}
amd64=$(checksum linux-x64)
arm64=$(checksum linux-arm64)

current=$(sed -n 's/^RUNNER_VERSION=//p' "$file")
if [ "$current" = "$version" ]; then
  echo "update-runner-version: already at runner $version" >&2
  exit 0
fi
if [ "$(printf '%s\n%s\n' "$current" "$version" | sort -V | tail -1)" != "$version" ]; then
  fail "the latest release $version is older than the pin $current: not moving backwards"
fi

sed -e "s/^RUNNER_VERSION=.*/RUNNER_VERSION=$version/" -e "s/^RUNNER_SHA256_AMD64=.*/RUNNER_SHA256_AMD64=$amd64/" \
  -e "s/^RUNNER_SHA256_ARM64=.*/RUNNER_SHA256_ARM64=$arm64/" "$file" >"$tmp/runner-version.env"
"$here/check-runner-version.sh" "$tmp/runner-version.env" >&2 || fail "the new pin does not pass check-runner-version.sh"
cat "$tmp/runner-version.env" >"$file"
echo "update-runner-version: $current -> $version" >&2
echo "$version"
