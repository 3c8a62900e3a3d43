#!/usr/bin/env bats
# The actions runner pin (runner/runner-version.env): one place, at least GitHub's minimum, real-looking
# checksums; and update-runner-version.sh, which moves it from a release's published checksums.

here=$(cd "$(dirname "$BATS_TEST_FILENAME")" && pwd)
runner=$(cd "$here/.." && pwd)
not() { if "$@"; then return 1; fi; }

# pin <version> <amd64> <arm64>: a runner-version.env in the test's folder
pin() {
  printf '# a comment\nRUNNER_VERSION=%s\nRUNNER_SHA256_AMD64=%s\nRUNNER_SHA256_ARM64=%s\n' "$1" "$2" "$3" >"$BATS_TEST_TMPDIR/pin.env"
}
A=$(printf 'a%.0s' $(seq 64))
B=$(printf 'b%.0s' $(seq 64))
C=$(printf 'c%.0s' $(seq 64))
D=$(printf 'd%.0s' $(seq 64))

@test "the image's pin is at least GitHub's minimum with a 64-hex checksum per architecture" {
  run "$runner/check-runner-version.sh"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == "runner version: "* ]]
}

@test "the check fails for a version below 2.329.0, a malformed version and bad checksums" {
  pin 2.328.0 "$A" "$B"
  run "$runner/check-runner-version.sh" "$BATS_TEST_TMPDIR/pin.env"
  [ "$status" -eq 1 ]
  [[ $output == *"RUNNER_VERSION is 2.328.0: GitHub refuses to register runners below 2.329.0"* ]]
  pin 2.326.0 "$A" "$B"
  run "$runner/check-runner-version.sh" "$BATS_TEST_TMPDIR/pin.env"
  [ "$status" -eq 1 ]
  pin 2.329.0 "$A" "$B"
  run "$runner/check-runner-version.sh" "$BATS_TEST_TMPDIR/pin.env"
  [ "$status" -eq 0 ]
  pin 2.1000.0 "$A" "$B" # compared as versions, not as text
  run "$runner/check-runner-version.sh" "$BATS_TEST_TMPDIR/pin.env"
  [ "$status" -eq 0 ]
  pin v2.337.0 "$A" "$B"
  run "$runner/check-runner-version.sh" "$BATS_TEST_TMPDIR/pin.env"
  [ "$status" -eq 1 ]
  [[ $output == *"RUNNER_VERSION is 'v2.337.0'"* ]]
  pin 2.337.0 "${A:1}" "$B"
  run "$runner/check-runner-version.sh" "$BATS_TEST_TMPDIR/pin.env"
  [ "$status" -eq 1 ]
  [[ $output == *"RUNNER_SHA256_AMD64 is '"*"64 lowercase hex digits"* ]]
  pin 2.337.0 "$A" "${B^^}"
  run "$runner/check-runner-version.sh" "$BATS_TEST_TMPDIR/pin.env"
  [ "$status" -eq 1 ]
  [[ $output == *"RUNNER_SHA256_ARM64 is"* ]]
  pin 2.337.0 "$A" "$A"
  run "$runner/check-runner-version.sh" "$BATS_TEST_TMPDIR/pin.env"
  [ "$status" -eq 1 ]
  [[ $output == *"are the same"* ]]
  # shellcheck disable=SC2016 # the $(id) must stay literal: the check refuses it
  printf 'RUNNER_VERSION=2.337.0\nRUNNER_SHA256_AMD64=%s\nRUNNER_SHA256_ARM64=%s\nRUNNER_VERSION="$(id)"\n' "$A" "$B" >"$BATS_TEST_TMPDIR/pin.env"
  run "$runner/check-runner-version.sh" "$BATS_TEST_TMPDIR/pin.env"
  [ "$status" -eq 1 ]
  [[ $output == *"line 4: not one of"* ]]
}

@test "the pin is in runner-version.env only: the Dockerfile reads it and pins no version of its own" {
  grep -q '^COPY runner/runner-version.env /etc/dazn/runner-version.env$' "$runner/Dockerfile"
  grep -q '\. /etc/dazn/runner-version.env' "$runner/Dockerfile"
  not grep -Eq 'ARG RUNNER_(VERSION|SHA256)' "$runner/Dockerfile"
  not grep -Eq '2\.[0-9]{3}\.[0-9]+|[0-9a-f]{64}' "$runner/Dockerfile"
  # no other file of the image pins a runner checksum
  version=$(sed -n 's/^RUNNER_VERSION=//p' "$runner/runner-version.env")
  amd64=$(sed -n 's/^RUNNER_SHA256_AMD64=//p' "$runner/runner-version.env")
  [ "$(grep -rlF -- "$amd64" "$runner/.." | grep -v '/runner-version.env$' || true)" = "" ]
  [ -n "$version" ]
}

release() { # <tag> <x64 sum> <arm64 sum>: a releases/latest answer as GitHub gives it
  jq -n --arg tag "$1" --arg x64 "$2" --arg arm64 "$3" '{tag_name: $tag, body: (
    "## What'"'"'s Changed\n* things\n\n## SHA-256 Checksums\n\n" +
    "- actions-runner-osx-x64-X.tar.gz <!-- BEGIN SHA osx-x64 -->" + ("e" * 64) + "<!-- END SHA osx-x64 -->\n" +
    "- actions-runner-linux-x64-X.tar.gz <!-- BEGIN SHA linux-x64 -->" + $x64 + "<!-- END SHA linux-x64 -->\n" +
    "- actions-runner-linux-arm64-X.tar.gz <!-- BEGIN SHA linux-arm64 -->" + $arm64 + "<!-- END SHA linux-arm64 -->\n" +
    "- actions-runner-linux-arm-X.tar.gz <!-- BEGIN SHA linux-arm -->" + ("f" * 64) + "<!-- END SHA linux-arm -->\n")}' \
    >"$BATS_TEST_TMPDIR/release.json"
}

@test "update-runner-version.sh moves the pin to a newer release with its linux checksums" {
  pin 2.337.0 "$A" "$B"
  release v2.399.1 "$C" "$D"
  RUNNER_VERSION_FILE=$BATS_TEST_TMPDIR/pin.env run "$runner/update-runner-version.sh" --release-json "$BATS_TEST_TMPDIR/release.json"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = 2.399.1 ]
  grep -qx 'RUNNER_VERSION=2.399.1' "$BATS_TEST_TMPDIR/pin.env"
  grep -qx "RUNNER_SHA256_AMD64=$C" "$BATS_TEST_TMPDIR/pin.env"
  grep -qx "RUNNER_SHA256_ARM64=$D" "$BATS_TEST_TMPDIR/pin.env"
  grep -qx '# a comment' "$BATS_TEST_TMPDIR/pin.env"
}

@test "update-runner-version.sh leaves the pin alone when current, older, or without a checksum" {
  pin 2.337.0 "$A" "$B"
  cp "$BATS_TEST_TMPDIR/pin.env" "$BATS_TEST_TMPDIR/before.env"
  release v2.337.0 "$C" "$D"
  RUNNER_VERSION_FILE=$BATS_TEST_TMPDIR/pin.env run "$runner/update-runner-version.sh" --release-json "$BATS_TEST_TMPDIR/release.json"
  [ "$status" -eq 0 ]
  [[ $output == *"already at runner 2.337.0"* ]]
  release v2.336.0 "$C" "$D"
  RUNNER_VERSION_FILE=$BATS_TEST_TMPDIR/pin.env run "$runner/update-runner-version.sh" --release-json "$BATS_TEST_TMPDIR/release.json"
  [ "$status" -eq 1 ]
  [[ $output == *"not moving backwards"* ]]
  release v2.399.0 "$C" ""
  RUNNER_VERSION_FILE=$BATS_TEST_TMPDIR/pin.env run "$runner/update-runner-version.sh" --release-json "$BATS_TEST_TMPDIR/release.json"
  [ "$status" -eq 1 ]
  [[ $output == *"release v2.399.0 publishes no sha256 for linux-arm64"* ]]
  release v2.399.0-rc1 "$C" "$D"
  RUNNER_VERSION_FILE=$BATS_TEST_TMPDIR/pin.env run "$runner/update-runner-version.sh" --release-json "$BATS_TEST_TMPDIR/release.json"
  [ "$status" -eq 1 ]
  cmp "$BATS_TEST_TMPDIR/pin.env" "$BATS_TEST_TMPDIR/before.env"
}
