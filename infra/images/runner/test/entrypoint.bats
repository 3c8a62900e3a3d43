#!/usr/bin/env bats
# The runner entrypoint against stub config.sh, run.sh and runtime-sync that record their arguments
# and environment (test/stubs/). Started directly, as runner-init starts it (init.bats covers
# runner-init): a token in the environment, or RUNNER_CONFIG_SOURCE=jit-parameter with the files that
# runner-init writes.

here=$(cd "$(dirname "$BATS_TEST_FILENAME")" && pwd)

# not <command...>: succeeds when the command fails (a bare `! command` never fails a bats test)
not() { if "$@"; then return 1; fi; }
ENTRYPOINT=$here/../entrypoint.sh
TOKEN=AAAregistrationTOKEN1234567890

setup() {
  home=$BATS_TEST_TMPDIR/runner
  rec=$BATS_TEST_TMPDIR/record
  mkdir -p "$home" "$rec"
  cp "$here/stubs/config.sh" "$here/stubs/run.sh" "$home/"
  case "$(uname -m)" in aarch64 | arm64) arch=arm64 ;; *) arch=x86_64 ;; esac
}

# base_env: a clean environment with a valid ECS token setup; entrypoint [VAR=value...] runs the
# entrypoint in it, the arguments overriding or adding settings (VAR= empties one).
base_env() {
  env_args=(PATH="$PATH" HOME="$BATS_TEST_TMPDIR"
    DAZN_SHELL_LIB="$here/../../common" STUB_RECORD_DIR="$rec"
    RUNNER_HOME="$home" RUNNER_PLATFORM=ecs RUNNER_POOL=ecs-x86_64-spot RUNNER_CAPACITY=spot
    RUNNER_URL=https://github.com/dazn RUNNER_TOKEN="$TOKEN" RUNNER_NAME=runner-1
    RUNTIME_SYNC_ROOT="$BATS_TEST_TMPDIR/efs" RUNTIME_SYNC_BIN="$here/stubs/runtime-sync"
    RUNNER_TOOL_CACHE="$BATS_TEST_TMPDIR/toolcache" RUNNER_HOOKS_DIR="$here/../hooks" TMPDIR="$BATS_TEST_TMPDIR")
}
# jit_files: what runner-init leaves for the entrypoint in JIT mode; JIT=(settings) selects that mode
jit_files() {
  printf '{"agentName": "dazn-ecs-x86_64-spot-0123456789ab", "ephemeral": true}' >"$home/.runner"
  echo '{"scheme": "OAuthAccessToken"}' >"$home/.credentials"
  echo '{"d": "x"}' >"$home/.credentials_rsaparams"
}
JIT=(RUNNER_TOKEN= RUNNER_URL= RUNNER_CONFIG_SOURCE=jit-parameter RUNNER_JIT_PARAMETER=/dazn-runners/jit/dazn-ecs-x86_64-spot-0123456789ab)
# budget <command>: the budget runtime-sync was given for that command (the stub records it)
budget() { sed -n "s/^runtime-sync $1 .* budget=\([0-9]*\)\$/\1/p" "$rec/calls"; }
entrypoint() {
  base_env
  env -i "${env_args[@]}" "$@" bash "$ENTRYPOINT"
}

count() { if [ -e "$rec/calls" ]; then grep -c -- "$1" "$rec/calls" || true; else echo 0; fi; }

@test "registers an ephemeral runner into the platform's group with pool, arch and capacity labels" {
  run entrypoint RUNNER_EXTRA_LABELS=docker,big
  [ "$status" -eq 0 ]
  mapfile -t args <"$rec/config.0.args"
  [ "${args[*]}" = "--unattended --ephemeral --disableupdate --replace --url https://github.com/dazn --name runner-1 --runnergroup ecs --labels ecs-x86_64-spot,$arch,spot,ecs,docker,big --work $home/_work" ]
  [ -d "$home/_work" ]
}

@test "a fargate image registers into the fargate group" {
  run entrypoint RUNNER_PLATFORM=fargate RUNNER_POOL=fargate-arm64 RUNNER_CAPACITY=fargate
  [ "$status" -eq 0 ]
  grep -qx -- '--runnergroup' "$rec/config.0.args"
  [ "$(grep -A1 -x -- '--runnergroup' "$rec/config.0.args" | tail -1)" = fargate ]
  [ "$(grep -A1 -x -- '--labels' "$rec/config.0.args" | tail -1)" = "fargate-arm64,$arch,fargate,fargate" ]
}

@test "the Terraform's names work too: RUNNER_ORG_URL, DAZN_RUNNER_POOL, RUNNER_NAME_PREFIX and a complete RUNNER_LABELS" {
  run entrypoint RUNNER_URL= RUNNER_POOL= RUNNER_NAME= RUNNER_CAPACITY= RUNNER_ORG_URL=https://github.com/dazn-org \
    DAZN_RUNNER_POOL=ecs-arm64-on-demand RUNNER_NAME_PREFIX=ecs-arm64 RUNNER_LABELS=ecs-arm64-on-demand,arm64,on-demand,ecs
  [ "$status" -eq 0 ]
  [ "$(grep -A1 -x -- '--url' "$rec/config.0.args" | tail -1)" = https://github.com/dazn-org ]
  [ "$(grep -A1 -x -- '--labels' "$rec/config.0.args" | tail -1)" = ecs-arm64-on-demand,arm64,on-demand,ecs ]
  [[ $(grep -A1 -x -- '--name' "$rec/config.0.args" | tail -1) == ecs-arm64-* ]]
}

@test "the token reaches config.sh through its environment only, never argv, and never run.sh or runtime-sync" {
  run entrypoint
  [ "$status" -eq 0 ]
  grep -qx "ACTIONS_RUNNER_INPUT_TOKEN=$TOKEN" "$rec/config.0.env"
  not grep -q "$TOKEN" "$rec/config.0.args"
  not grep -q "$TOKEN" "$rec/run.env"
  not grep -q "$TOKEN" "$rec/run.args"
  not grep -q "$TOKEN" "$rec/run.cmdline"
  not grep -q "$TOKEN" "$rec/calls"
  not grep -q '^RUNNER_TOKEN=' "$rec/run.env"
  not grep -q "$TOKEN" <<<"$output"
  grep -q "$TOKEN" "$rec/config.1.env" # the deregistration gets it the same way
  not grep -q "$TOKEN" "$rec/config.1.args"
}

@test "pulls the tool cache before registering, runs the job, then pushes and deregisters once" {
  run entrypoint
  [ "$status" -eq 0 ]
  mapfile -t calls <"$rec/calls"
  [ "${#calls[@]}" -eq 6 ]
  [[ ${calls[0]} == "runtime-sync pull root=$BATS_TEST_TMPDIR/efs cache=$BATS_TEST_TMPDIR/toolcache token= budget=300" ]]
  [[ ${calls[1]} == "config.sh --unattended --ephemeral"* ]]
  [ "${calls[2]}" = "run.sh  agent=runner-1" ]
  [ "${calls[3]}" = "run.sh job-started" ]
  [[ ${calls[4]} == "runtime-sync push "* ]]
  [ "${calls[5]}" = "config.sh remove" ]
}

@test "a failed job keeps its exit code, and push and deregister still run once" {
  run entrypoint STUB_RUN_EXIT=3
  [ "$status" -eq 3 ]
  [ "$(count '^runtime-sync push')" -eq 1 ]
  [ "$(count '^config.sh remove')" -eq 1 ]
  [[ $output == *"exiting with status 3"* ]]
}

@test "SIGTERM stops the job, pushes and deregisters once, keeps the job's status; the token is not in the entrypoint's /proc environ" {
  base_env
  env -i "${env_args[@]}" STUB_RUN_SECONDS=60 bash "$ENTRYPOINT" >"$BATS_TEST_TMPDIR/out" 2>&1 &
  pid=$!
  for _ in $(seq 100); do [ "$(count '^run.sh job-started')" -ge 1 ] && break; sleep 0.1; done
  [ "$(count '^run.sh  agent=')" -eq 1 ]
  not grep -q "$TOKEN" < <(tr '\0' '\n' <"/proc/$pid/environ")
  kill -TERM "$pid"
  status=0
  wait "$pid" || status=$?
  cat "$BATS_TEST_TMPDIR/out"
  [ "$status" -eq 143 ]
  [ "$(count '^run.sh got TERM')" -eq 1 ]
  [ "$(count '^runtime-sync push')" -eq 1 ]
  [ "$(count '^config.sh remove')" -eq 1 ]
  grep -q 'received SIGTERM' "$BATS_TEST_TMPDIR/out"
}

@test "a runner that already removed itself after its job is not deregistered again" {
  run entrypoint STUB_RUN_REMOVES_CONFIG=1
  [ "$status" -eq 0 ]
  [ "$(count '^config.sh remove')" -eq 0 ]
  [ "$(count '^runtime-sync push')" -eq 1 ]
}

@test "the exit trap is bounded in time: a hanging push is cut and the job's status kept" {
  start=$SECONDS
  run entrypoint STUB_RUN_EXIT=5 STUB_SYNC_HANG=push RUNNER_EXIT_TIMEOUT_SECONDS=12
  [ "$status" -eq 5 ]
  # the whole exit trap gets 12 s, not the push's 60 (an upper bound: a slow machine only adds)
  [ $((SECONDS - start)) -lt 30 ]
  [[ $output == *"runtime-sync push exited with status 124 (time limit)"* ]]
  [ "$(count '^config.sh remove')" -eq 1 ]
}

@test "the exit budget counts from the signal: the stop grace is taken out of it, not added before it" {
  jit_files
  base_env
  # a runner that ignores TERM uses its whole grace; 15 s of budget caps the grace at a third (5 s)
  env -i "${env_args[@]}" "${JIT[@]}" RUNNER_EXIT_TIMEOUT_SECONDS=15 RUNNER_STOP_GRACE_SECONDS=20 \
    STUB_RUN_SECONDS=60 STUB_RUN_IGNORE_TERM=1 bash "$ENTRYPOINT" >"$BATS_TEST_TMPDIR/out" 2>&1 &
  pid=$!
  for _ in $(seq 100); do [ "$(count '^run.sh job-started')" -ge 1 ] && break; sleep 0.1; done
  kill -TERM "$pid"
  status=0
  wait "$pid" || status=$?
  cat "$BATS_TEST_TMPDIR/out"
  grep -q 'received SIGTERM: the exit trap has 15s from now' "$BATS_TEST_TMPDIR/out"
  grep -q 'stopping the runner (pid [0-9]*), at most 5s' "$BATS_TEST_TMPDIR/out"
  grep -q 'the runner did not stop within 5s: killing it' "$BATS_TEST_TMPDIR/out"
  [ "$status" -eq 137 ] # the job's status: killed
  # what was left for the push after those 5 s: at most 15 - 5, minus runtime-sync's 5 s margin. Counted
  # from after the grace (the old trap), it would have been 10.
  pushed=$(budget push)
  [ -n "$pushed" ]
  [ "$pushed" -le 5 ]
  [ "$pushed" -ge 3 ]
}

@test "SIGTERM during a hanging runtime-sync pull stops it at once; the runner never starts" {
  base_env
  env -i "${env_args[@]}" STUB_SYNC_HANG=pull bash "$ENTRYPOINT" >"$BATS_TEST_TMPDIR/out" 2>&1 &
  pid=$!
  for _ in $(seq 100); do [ "$(count '^runtime-sync pull')" -ge 1 ] && break; sleep 0.1; done
  start=$SECONDS
  kill -TERM "$pid"
  status=0
  wait "$pid" || status=$?
  cat "$BATS_TEST_TMPDIR/out"
  [ "$status" -eq 143 ]
  # the pull hangs for 60 s and its own limit is 305 s: only the signal can have ended it this soon
  [ $((SECONDS - start)) -lt 30 ]
  grep -q 'stopping the step in progress' "$BATS_TEST_TMPDIR/out"
  [ "$(count '^run.sh')" -eq 0 ]
  [ "$(count '^config.sh')" -eq 0 ]
}

@test "the exit budget's shares without a signal: the push gets its own limit, deregistering keeps its reserve" {
  run entrypoint
  [ "$status" -eq 0 ]
  [[ $output == *"exiting: the exit trap has 100s from now"* ]]
  # 100 s: 15 s kept for deregistering, the push's hard limit 85 s, runtime-sync's budget 5 s less
  pushed=$(budget push)
  [ "$pushed" -le 80 ]
  [ "$pushed" -ge 78 ]
  jit_files
  rm -rf "$rec"
  run entrypoint "${JIT[@]}" RUNTIME_SYNC_TIMEOUT_SECONDS=40
  [ "$status" -eq 0 ]
  # nothing to deregister: the push gets its configured budget
  [ "$(budget push)" -eq 40 ]
  [ "$(budget pull)" -eq 40 ]
}

@test "JIT mode: run.sh starts on runner-init's files; nothing is configured or deregistered, no configuration in its environment" {
  jit_files
  run entrypoint "${JIT[@]}"
  [ "$status" -eq 0 ]
  [ "$(count '^config.sh')" -eq 0 ]
  [ "$(count '^run.sh  agent=dazn-ecs-x86_64-spot-0123456789ab')" -eq 1 ]
  not grep -q '^ACTIONS_RUNNER_INPUT_' "$rec/run.env"
  not grep -q '^RUNNER_JIT_CONFIG=' "$rec/run.env"
  [ "$(count '^runtime-sync push')" -eq 1 ]
  [[ $output == *"JIT runner: nothing to deregister here"* ]]
}

@test "JIT mode without runner-init's files stops before run.sh, naming the file" {
  run entrypoint "${JIT[@]}"
  [ "$status" -eq 64 ]
  [[ $output == *"$home/.runner is missing although the configuration comes from jit-parameter"* ]]
  [ ! -e "$rec/calls" ]
}

@test "a runner that gets no job is not pushed: the job-started hook is what marks a job" {
  jit_files
  base_env
  env -i "${env_args[@]}" "${JIT[@]}" STUB_RUN_NO_JOB=1 STUB_RUN_SECONDS=60 bash "$ENTRYPOINT" >"$BATS_TEST_TMPDIR/out" 2>&1 &
  pid=$!
  for _ in $(seq 100); do [ "$(count '^run.sh  agent')" -ge 1 ] && break; sleep 0.1; done
  kill -TERM "$pid"
  status=0
  wait "$pid" || status=$?
  [ "$status" -eq 143 ]
  [ "$(count '^runtime-sync push')" -eq 0 ]
  grep -q 'no job started on this runner: nothing new for the tool cache, runtime-sync push skipped' "$BATS_TEST_TMPDIR/out"
}

@test "the job-started hook is the image's, and a hook the task sets still runs after it" {
  jit_files
  echo "echo 'own hook ran' >>'$rec/calls'" >"$BATS_TEST_TMPDIR/own-hook.sh"
  run entrypoint "${JIT[@]}" ACTIONS_RUNNER_HOOK_JOB_STARTED="$BATS_TEST_TMPDIR/own-hook.sh"
  [ "$status" -eq 0 ]
  grep -qx "ACTIONS_RUNNER_HOOK_JOB_STARTED=$here/../hooks/job-started.sh" "$rec/run.env"
  [ "$(count '^own hook ran')" -eq 1 ]
  [ "$(count '^runtime-sync push')" -eq 1 ]
}

@test "a runner version GitHub refuses exits 7 with a message that names the fix" {
  jit_files
  run entrypoint "${JIT[@]}" STUB_RUNNER_DEPRECATED=1
  [ "$status" -eq 7 ]
  grep -qx 'ACTIONS_RUNNER_RETURN_VERSION_DEPRECATED_EXIT_CODE=1' "$rec/run.env"
  [[ $output == *"GitHub refuses actions runner"*"(exit 7, version deprecated): rebuild the image with the current release (infra/images/runner/runner-version.env)"* ]]
}

@test "a missing or wrong runtime-sync is a clear warning, not a failure" {
  run entrypoint RUNTIME_SYNC_BIN=/nonexistent/runtime-sync
  [ "$status" -eq 0 ]
  [[ $output == *"WARN"*"runtime-sync is not installed at /nonexistent/runtime-sync (RUNTIME_SYNC_BIN): runtime-sync pull skipped"* ]]
  run entrypoint STUB_SYNC_EXIT=2
  [ "$status" -eq 0 ]
  [[ $output == *"runtime-sync pull exited with status 2; going on without it"* ]]
  run entrypoint RUNTIME_SYNC_ROOT=
  [ "$status" -eq 0 ]
  [[ $output == *"RUNTIME_SYNC_ROOT is not set"* ]]
}

# A bad setting exits 64 before anything is pulled, registered or run, naming the setting.
refuses() { # <setting named in the message> <VAR=value...>
  local name=$1
  shift
  run entrypoint "$@"
  [ "$status" -eq 64 ]
  [[ $output == *"$name"* ]]
  [ ! -e "$rec/calls" ]
}

@test "a missing setting exits non-zero before anything registers, naming the setting" {
  refuses RUNNER_POOL RUNNER_POOL=
  refuses RUNNER_CAPACITY RUNNER_CAPACITY=
  refuses RUNNER_URL RUNNER_URL=
  refuses RUNNER_PLATFORM RUNNER_PLATFORM=
  refuses RUNNER_TOKEN RUNNER_TOKEN=
}

@test "a wrong setting exits non-zero before anything registers, naming the setting" {
  refuses RUNNER_CAPACITY RUNNER_CAPACITY=reserved
  refuses RUNNER_URL RUNNER_URL=http://github.com/dazn
  refuses RUNNER_PLATFORM RUNNER_PLATFORM=k8s
  refuses RUNNER_POOL 'RUNNER_POOL=a pool'
  refuses RUNNER_JIT_CONFIG RUNNER_JIT_CONFIG=abc
  refuses RUNNER_JIT_PARAMETER RUNNER_JIT_PARAMETER=/dazn-runners/jit/x
  refuses RUNNER_EXIT_TIMEOUT_SECONDS RUNNER_EXIT_TIMEOUT_SECONDS=soon
  refuses RUNNER_HOME RUNNER_HOME=/nonexistent
}
