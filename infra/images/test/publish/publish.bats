#!/usr/bin/env bats
# publish.sh: the references of images.json, the IMMUTABLE repositories' skip, refusals. A stub
# docker records each call (the real build is test/daemon.sh's).

setup() {
  images=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  stubs=$BATS_TEST_TMPDIR/bin
  mkdir -p "$stubs"
  cat >"$stubs/docker" <<'STUB'
#!/usr/bin/env bash
printf '%s\n' "$*" >>"$DOCKER_CALLS"
if [ "$1 $2 $3" = "buildx imagetools inspect" ]; then grep -qxF "$4" "$EXISTING"; exit; fi
exit 0
STUB
  chmod +x "$stubs/docker"
  export PATH="$stubs:$PATH" DOCKER_CALLS=$BATS_TEST_TMPDIR/calls EXISTING=$BATS_TEST_TMPDIR/existing
  : >"$DOCKER_CALLS"
  : >"$EXISTING"
  registry=123456789012.dkr.ecr.eu-central-1.amazonaws.com
}

@test "the references are the commit tag under the definition's names, the runner as -ecs and -fargate" {
  run "$images/publish.sh" --refs "$registry" 0123456789ab
  [ "$status" -eq 0 ]
  [ "$(jq -r '."runner-ecs"' <<<"$output")" = "$registry/dazn-runners/runner:0123456789ab-ecs" ]
  [ "$(jq -r '."runner-fargate"' <<<"$output")" = "$registry/dazn-runners/runner:0123456789ab-fargate" ]
  [ "$(jq -r '."log-router"' <<<"$output")" = "$registry/dazn-runners/log-router:0123456789ab" ]
  [ "$(jq -r 'keys | join(",")' <<<"$output")" = "dind,log-router,registry-mirror,runner-ecs,runner-fargate" ]
}

@test "the dry run builds each reference for both platforms, the runner per target, log-router from log-sidecar" {
  run "$images/publish.sh" --dry-run "$registry" 0123456789ab
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 5 ]
  [[ ${lines[0]} == "runner-ecs docker buildx build --platform linux/amd64,linux/arm64 "*"-t $registry/dazn-runners/runner:0123456789ab-ecs --target ecs" ]]
  [[ ${lines[1]} == *"runner:0123456789ab-fargate --target fargate" ]]
  [ ! -s "$DOCKER_CALLS" ]
}

@test "pushes a reference that is not in the registry and skips one that is (IMMUTABLE repositories)" {
  run "$images/publish.sh" --only log-router "$registry" 0123456789ab
  echo "$output"
  [ "$status" -eq 0 ]
  grep -q -- "buildx build --platform linux/amd64,linux/arm64 --provenance=false -t $registry/dazn-runners/log-router:0123456789ab --push -f .*/log-sidecar/Dockerfile" "$DOCKER_CALLS"
  echo "$registry/dazn-runners/log-router:0123456789ab" >"$EXISTING"
  : >"$DOCKER_CALLS"
  run "$images/publish.sh" --only log-router "$registry" 0123456789ab
  [ "$status" -eq 0 ]
  [[ $output == *"exists (IMMUTABLE repository): skipped"* ]]
  run grep -q "buildx build" "$DOCKER_CALLS"
  [ "$status" -eq 1 ]
}

@test "refuses a moving tag, an unknown image and a registry that is not a host" {
  run "$images/publish.sh" --dry-run "$registry" latest
  [ "$status" -eq 64 ]
  [[ $output == *"tag 'latest' does not match"* ]]
  run "$images/publish.sh" --dry-run --only log-sidecar "$registry" 0123456789ab
  [ "$status" -eq 64 ]
  [[ $output == *"no image 'log-sidecar'"* ]]
  run "$images/publish.sh" --dry-run "https://$registry" 0123456789ab
  [ "$status" -eq 64 ]
}
