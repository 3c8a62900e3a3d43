#!/usr/bin/env bash
# Every test of infra/images (what scripts/test-all.sh runs):
#   1. shellcheck on every script (entrypoints, helpers, stubs, bats files; the rendered user data
#      is checked by agent-host/test/user-data.bats)
#   2. dockerfile-utils lint on every Dockerfile
#   3. bats: the runner and dind entrypoints (stubs), the agent host's user data, the log sidecar's
#      configuration, the registry mirror (docker-registry + moto_server), publish.sh (stub docker); jest: the dind
#      authorization plugin's rules
#   4. the tests that need a Docker daemon (test/daemon.sh: a real build and run; test/isolation.sh:
#      the user-namespace mapping and the agents' seccomp profile; test/authz.sh: the authorization
#      plugin in front of a real dockerd; registry-mirror/test/daemon-pull.sh: a pull through the
#      mirror image by the dind image's daemon), unless DAZN_SKIP_DOCKER_TESTS=1; .ci/run sets
#      DAZN_SKIP_DOCKER_TESTS=0
#   5. the arm64 runner and dind images built and smoke-checked under emulation (test/arm64.sh:
#      qemu-user-static) when DAZN_IMAGES_ARM64=1, with the daemon tests; otherwise one line says it
#      did not run
set -Eeuo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$here"

failed=()
part() { # <name> <command...>
  local name=$1 started=$SECONDS
  shift
  printf '\n--- images: %s\n' "$name"
  if "$@"; then
    printf -- '--- images: %s: passed in %ss\n' "$name" "$((SECONDS - started))"
  else
    printf -- '--- images: %s: FAILED in %ss\n' "$name" "$((SECONDS - started))"
    failed+=("$name")
  fi
}

scripts() {
  find . -type f \( -name '*.sh' -o -name '*.bats' -o -path '*/test/stubs/*' \) -not -name '*.tftpl' | sort
}
run_shellcheck() {
  local files
  mapfile -t files < <(scripts)
  echo "${#files[@]} scripts"
  # SC2030/SC2031: bats runs each test in a subshell on purpose
  shellcheck -x -P SCRIPTDIR -e SC2030,SC2031 "${files[@]}"
}
run_dockerfile_lint() {
  local file status=0
  while read -r file; do
    echo "$file"
    (cd "$repo" && npx --no-install dockerfile-utils lint "infra/images/${file#./}") || status=1
  done < <(find . -name Dockerfile | sort)
  return "$status"
}

part "shellcheck" run_shellcheck
part "dockerfile lint" run_dockerfile_lint
part "bats: runner (entrypoint, runner-init and its JIT reader on moto_server, version pin)" bats runner/test
part "bats: dind entrypoint" bats dind/test
run_authz_jest() { (cd "$repo" && npx --no-install jest -c infra/images/dind/authz/jest.config.js); }
part "jest: dind authorization plugin rules" run_authz_jest
part "bats: agent host user data" bats agent-host/test
part "bats: log sidecar configuration" bats log-sidecar/test
part "bats: registry mirror (docker-registry, moto_server)" bats registry-mirror/test
part "bats: publish.sh (images.json references, skip of pushed tags)" bats test/publish

if [ "${DAZN_SKIP_DOCKER_TESTS:-0}" = 1 ]; then
  printf '\n'
  printf '!!! images: SKIPPED the tests that need a Docker daemon (DAZN_SKIP_DOCKER_TESTS=1):\n'
  printf '!!!   no real build of the runner, dind and mirror images, no dind run, no user-namespace or seccomp test, no authorization plugin in front of a daemon, no pull through the mirror. Run them with\n'
  printf '!!!   DAZN_SKIP_DOCKER_TESTS=0 bash infra/images/test.sh (as .ci/run does).\n'
  printf '!!! images: SKIPPED the arm64 images under emulation with them (they need the daemon too; DAZN_IMAGES_ARM64=1).\n'
else
  part "docker daemon: real build and run of runner and dind" bash test/daemon.sh
  # 4m26s with a fresh daemon (the dind build 120 s of it), 2 to 3 minutes with the build cached;
  # measured on the shared 2-core machine, 2026-12-01 (README.md "What a job can do (user namespaces, seccomp)").
  part "docker daemon: user namespaces and the agents' seccomp profile (container jobs, nested runs)" bash test/isolation.sh
  part "docker daemon: the dind authorization plugin, every refused and allowed form (test/authz.sh)" bash test/authz.sh
  # 3 to 8 minutes here (2 shared cores: 173 s and 469 s measured), almost all of it two image builds
  part "docker daemon: a pull through the registry mirror from dind's configuration" bash registry-mirror/test/daemon-pull.sh
  # Off by default: 6 to 14 minutes here (9m49s cold, 6m09s to 10m34s with the base cached; README.md
  # "arm64 under emulation"), more than CI's 60 minutes can be sure to hold on these shared machines.
  case "${DAZN_IMAGES_ARM64:-0}" in
    1) part "arm64 under emulation: build of runner and dind, runner JIT smoke check" bash test/arm64.sh ;;
    0)
      printf '\n!!! images: SKIPPED the arm64 images under emulation (6 to 14 minutes, off by default): run them with DAZN_IMAGES_ARM64=1 bash infra/images/test.sh\n'
      ;;
    *)
      printf '\nimages: DAZN_IMAGES_ARM64 is %s: give 1 (build and check the arm64 images under emulation) or 0 (the default)\n' "'$DAZN_IMAGES_ARM64'"
      failed+=("DAZN_IMAGES_ARM64")
      ;;
  esac
fi

printf '\n'
if [ "${#failed[@]}" -gt 0 ]; then
  printf 'images: FAILED: %s\n' "${failed[@]}"
  exit 1
fi
echo "images: all passed"
