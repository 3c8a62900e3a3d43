#!/usr/bin/env bash
# Checks a runner-version.env (default: the one beside this script): only NAME=value lines of
# RUNNER_VERSION (at least GitHub's registration minimum), RUNNER_SHA256_AMD64 and RUNNER_SHA256_ARM64
# (64 lowercase hex each, different). Prints one line per problem; exits 1 when there is one.
#
#   check-runner-version.sh [file]
set -Eeuo pipefail
here=$(cd "$(dirname "$0")" && pwd)
file=${1:-$here/runner-version.env}
# GitHub refuses to register runners below this version (actions/runner's release notes and GitHub's
# changelog announce each raise); raise it when GitHub does.
MIN_RUNNER_VERSION=2.329.0

problems=()
[ -r "$file" ] || { echo "runner version: $file cannot be read" >&2; exit 1; }
declare -A seen=()
line_no=0
while IFS= read -r line || [ -n "$line" ]; do
  line_no=$((line_no + 1))
  case $line in
    '' | '#'*) continue ;;
  esac
  if [[ $line =~ ^(RUNNER_VERSION|RUNNER_SHA256_AMD64|RUNNER_SHA256_ARM64)=([^[:space:]\"\'\$\`]+)$ ]]; then
    [ -z "${seen[${BASH_REMATCH[1]}]:-}" ] || problems+=("line $line_no: ${BASH_REMATCH[1]} is set twice")
    seen[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
  else
    problems+=("line $line_no: not one of RUNNER_VERSION=, RUNNER_SHA256_AMD64=, RUNNER_SHA256_ARM64= with a plain value: '${line:0:60}'")
  fi
done <"$file"

version=${seen[RUNNER_VERSION]:-}
if [ -z "$version" ]; then
  problems+=("RUNNER_VERSION is missing")
elif ! [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  problems+=("RUNNER_VERSION is '$version': give a release version such as 2.337.0 (no v)")
elif [ "$(printf '%s\n%s\n' "$MIN_RUNNER_VERSION" "$version" | sort -V | head -1)" != "$MIN_RUNNER_VERSION" ]; then
  problems+=("RUNNER_VERSION is $version: GitHub refuses to register runners below $MIN_RUNNER_VERSION; pin the newest release (update-runner-version.sh)")
fi
for name in RUNNER_SHA256_AMD64 RUNNER_SHA256_ARM64; do
  sum=${seen[$name]:-}
  if ! [[ $sum =~ ^[0-9a-f]{64}$ ]]; then
    problems+=("$name is '${sum:0:70}': give the tarball's sha256 from the release notes, 64 lowercase hex digits")
  fi
done
if [ -n "${seen[RUNNER_SHA256_AMD64]:-}" ] && [ "${seen[RUNNER_SHA256_AMD64]:-}" = "${seen[RUNNER_SHA256_ARM64]:-}" ]; then
  problems+=("RUNNER_SHA256_AMD64 and RUNNER_SHA256_ARM64 are the same: each architecture has its own tarball")
fi

if [ "${#problems[@]}" -gt 0 ]; then
  printf 'runner version: %s: %s\n' "$file" "${problems[@]}" >&2
  exit 1
fi
echo "runner version: $version (amd64 ${seen[RUNNER_SHA256_AMD64]:0:12}…, arm64 ${seen[RUNNER_SHA256_ARM64]:0:12}…), at least $MIN_RUNNER_VERSION"
