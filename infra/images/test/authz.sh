#!/usr/bin/env bash
# The dind authorization plugin (dind/authz, dazn-authz) in front of a real dockerd:
#
#   1. the plugin's ncc bundle (what the dind image ships) on the host's Node, listening under
#      /run/docker/plugins/<unique name>/ (a name per run: that folder is the host's, shared)
#   2. a private dockerd (no iptables, no bridge) with --authorization-plugin=<that name>, the shared
#      folders of a runner task (work with temp, externals, tool cache) under the run's temp folder
#   3. a small image made from this host's own dash and coreutils (no registry is reachable here)
#   4. every refused form, through the docker CLI (its error line printed) or curl for what the CLI
#      cannot send; every allowed form: build, run with the workspace, a container: job that writes
#      the workspace, service containers on a network, a container action, compose's calls
#   5. the plugin killed while a container runs: the daemon refuses, the client's error names the
#      plugin, /_ping (the health check) fails; the plugin started again: the daemon serves again
set -Eeuo pipefail
here=$(cd "$(dirname "$0")" && pwd)
images=$(cd "$here/.." && pwd)
export DOCKER_BUILDKIT=0
docker=/usr/bin/docker # Debian's 20.10 client, with the legacy builder

LOG_COMPONENT="images authz test"
# shellcheck source=../common/lib.sh
source "$images/common/lib.sh"
# shellcheck source=host-daemon.sh
source "$here/host-daemon.sh" dazn-authz

indent() { head -5 | sed "s/^/    $1: /"; }
tests=0
failures=0
ok() { tests=$((tests + 1)); echo "ok $tests - $1"; }
not_ok() { tests=$((tests + 1)); failures=$((failures + 1)); echo "not ok $tests - $1"; }

name=dazn-authz-t$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
plugin_dir=/run/docker/plugins/$name
plugin_pid=""
work=$tmp/home/runner/_work
externals=$tmp/home/runner/externals
toolcache=$tmp/opt/hostedtoolcache

# Containers and networks go while the plugin still answers (the daemon asks it for every call), then
# the plugin, then host-daemon.sh's cleanup (the daemon, mounts, the folder).
authz_cleanup() {
  local status=$?
  set +e
  if [ -n "$plugin_pid" ] && [ -n "$dockerd_pid" ]; then
    "$docker" ps -aq | xargs -r "$docker" rm -f >/dev/null 2>&1
    "$docker" network ls -q --filter type=custom | xargs -r "$docker" network rm >/dev/null 2>&1
    kill -TERM "$dockerd_pid"
    for _ in $(seq 100); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$dockerd_pid" 2>/dev/null || dockerd_pid=""
  fi
  if [ -n "$plugin_pid" ]; then kill "$plugin_pid" 2>/dev/null; wait "$plugin_pid" 2>/dev/null; fi
  rm -rf "$plugin_dir"
  (exit "$status")
  cleanup
}
trap authz_cleanup EXIT

# --- 1. the plugin ------------------------------------------------------------------------------------
started=$SECONDS
bash "$images/dind/authz/build.sh" "$tmp/authz" >"$tmp/ncc.log" 2>&1 || fail_with_logs "bundling the plugin failed" "$tmp/ncc.log"
log_info "bundled the plugin in $((SECONDS - started))s"
mkdir -p "$work/_temp" "$externals" "$toolcache"
start_plugin() {
  DIND_AUTHZ_SOCKET=$plugin_dir/$name.sock DIND_AUTHZ_ALLOWED_ROOTS="$work:$externals:$toolcache" \
    DIND_AUTHZ_ALLOWED_SOCKETS=$host_sock node "$tmp/authz/index.js" >>"$tmp/plugin.log" 2>&1 &
  plugin_pid=$!
  for _ in $(seq 100); do [ -S "$plugin_dir/$name.sock" ] && return 0; sleep 0.1; done
  fail_with_logs "the plugin did not listen on $plugin_dir/$name.sock" "$tmp/plugin.log"
}
start_plugin

# --- 2. the daemon ------------------------------------------------------------------------------------
dockerd --iptables=false --ip6tables=false --ip-masq=false --bridge=none --authorization-plugin="$name" \
  --host "$DOCKER_HOST" --data-root "$tmp/data" --exec-root "$tmp/exec" --pidfile "$tmp/dockerd.pid" \
  >"$tmp/dockerd.log" 2>&1 &
dockerd_pid=$!
for _ in $(seq 150); do $docker version >/dev/null 2>&1 && break; sleep 0.2; done
$docker version >/dev/null 2>&1 || fail_with_logs "dockerd did not start" "$tmp/dockerd.log" "$tmp/plugin.log"

# --- 3. a small image from the host's own programs --------------------------------------------------
rootfs=$tmp/rootfs
mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev" "$rootfs/etc"
for program in sh true cat id ls rm touch sleep mkdir stat tail readlink; do
  path=$(type -P "$program")
  cp -L "$path" "$rootfs/bin/$program"
  ldd "$path" | grep -o '/[^ ]*' | while read -r library; do
    mkdir -p "$rootfs$(dirname "$library")"
    cp -Ln "$library" "$rootfs$library"
  done
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
tar -C "$rootfs" -cf "$tmp/rootfs.tar" .
$docker import -c 'ENV PATH=/bin' "$tmp/rootfs.tar" dazn-test/mini:1 >/dev/null
image=dazn-test/mini:1

# --- 4. refused forms ---------------------------------------------------------------------------------
# refused <rule> <description> <command...>: the command fails and its error is the plugin's refusal
# by that rule, as the client shows it.
refused() {
  local rule=$1 description=$2 out status=0
  shift 2
  out=$("$@" 2>&1) || status=$?
  local line
  line=$(grep -m1 "authorization denied by plugin $name: \[$rule\]" <<<"$out" || true)
  if [ "$status" -ne 0 ] && [ -n "$line" ]; then
    ok "refused: $description"
    echo "    ${line:0:400}"
  else
    not_ok "refused: $description (status $status)"
    indent got <<<"$out"
  fi
}
# allowed <description> <command...>
allowed() {
  local description=$1 out status=0
  shift
  out=$("$@" 2>&1) || status=$?
  if [ "$status" -eq 0 ]; then
    ok "allowed: $description"
  else
    not_ok "allowed: $description (status $status)"
    indent got <<<"$out"
  fi
}
run=("$docker" run --rm --network none)

refused privileged "docker run --privileged" "${run[@]}" --privileged $image true
for ns in pid ipc uts userns cgroupns; do
  refused host-namespaces "docker run --$ns=host" "${run[@]}" "--$ns=host" $image true
done
refused host-namespaces "docker run --network=host" $docker run --rm --network=host $image true
refused capabilities "docker run --cap-add SYS_ADMIN" "${run[@]}" --cap-add SYS_ADMIN $image true
refused capabilities "docker run --cap-add ALL" "${run[@]}" --cap-add ALL $image true
refused devices "docker run --device /dev/kmsg" "${run[@]}" --device /dev/kmsg $image true
refused devices "docker run --gpus all" "${run[@]}" --gpus all $image true
refused cgroup-parent "docker run --cgroup-parent /" "${run[@]}" --cgroup-parent / $image true
for option in seccomp=unconfined apparmor=unconfined no-new-privileges=false systempaths=unconfined label=disable; do
  refused security-options "docker run --security-opt $option" "${run[@]}" --security-opt "$option" $image true
done
refused logging "docker run --log-driver awslogs (the daemon's task role would write the logs)" \
  "${run[@]}" --log-driver awslogs --log-opt awslogs-region=eu-central-1 --log-opt awslogs-group=x $image true
refused bind-mounts "docker run -v /:/host" "${run[@]}" -v /:/host $image true
refused bind-mounts "docker run -v $tmp/data (the daemon's own data) " "${run[@]}" -v "$tmp/data:/x" $image true
refused bind-mounts "docker run --mount type=bind,source=/etc" "${run[@]}" --mount type=bind,source=/etc,target=/x $image true
ln -s / "$work/escape"
refused bind-mounts "docker run -v <work>/escape/etc, a link in the workspace to /" "${run[@]}" -v "$work/escape/etc:/x" $image true
refused bind-mounts "docker run -v <work>/../../../.. (.. out of the workspace)" "${run[@]}" -v "$work/../../../..:/x" $image true
refused volume-options "docker volume create -o type=none -o o=bind -o device=/" \
  $docker volume create -d local -o type=none -o o=bind -o device=/ disguised
refused volume-options "docker run --mount type=volume with volume-opt o=bind,device=/" \
  "${run[@]}" --mount type=volume,target=/x,volume-driver=local,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/ $image true
refused volume-options "docker volume create -o type=nfs (a network file system)" \
  $docker volume create -o type=nfs -o o=addr=127.0.0.1 -o device=:/ nfs
refused networks "docker network create -d macvlan" $docker network create -d macvlan -o parent=lo mac
mkdir -p "$tmp/plugin/rootfs"
echo '{"Interface": {"Types": ["docker.authz/1.0"], "Socket": "x.sock"}, "Entrypoint": ["/x"]}' >"$tmp/plugin/config.json"
refused plugins "docker plugin create" $docker plugin create "$name-x" "$tmp/plugin"
refused swarm "docker swarm init" $docker swarm init
refused swarm "docker service create" $docker service create --name s $image true
mkdir -p "$tmp/ctx"
printf 'FROM %s\nRUN id\n' "$image" >"$tmp/ctx/Dockerfile"
refused build "docker build --network host" $docker build -q --network host "$tmp/ctx"
$docker run -d --name long --network none $image sleep 600 >/dev/null
refused privileged "docker exec --privileged" $docker exec --privileged long true

# What the CLI cannot send: the raw API, with curl on the daemon's socket.
api() { # <method> <uri> [curl options...]: prints the daemon's answer
  local method=$1 uri=$2
  shift 2
  curl -sS --fail-with-body --max-time 30 --unix-socket "$host_sock" -X "$method" "http://docker$uri" "$@"
}
privileged_body='{"Image":"'$image'","Cmd":["true"],"HostConfig":{"Privileged":true,"NetworkMode":"none"}}'
# (a path with // or /./ is answered with a redirect by the daemon's router, before any handler runs)
for uri in /v1.41/containers/create /containers/create /v1.41/containers%2Fcreate /v1.41/containers%2fcreate?name=x; do
  refused privileged "POST $uri (raw API)" api POST "$uri" -H 'Content-Type: application/json' -d "$privileged_body"
done
refused privileged "POST /containers/create with lower-case field names (the daemon reads them)" \
  api POST /containers/create -H 'Content-Type: application/json' -d '{"image":"'$image'","hostconfig":{"privileged":true}}'
refused request-form "POST /containers/create naming Privileged twice, in two cases" \
  api POST /containers/create -H 'Content-Type: application/json' -d '{"Image":"'$image'","HostConfig":{"Privileged":false,"privileged":true}}'
# Docker's fix of CVE-2024-41110 passes chunked bodies too (before it, none: the plugin then refuses by request-body)
refused privileged "POST /containers/create with a chunked body: checked like any other" \
  api POST /containers/create -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' -d "$privileged_body"
# 1 MiB and more: the daemon passes no body (moby pkg/authorization maxBodySize)
big_env=$(head -c 1100000 /dev/zero | tr '\0' a)
printf '{"Image":"%s","Env":["PAD=%s"],"HostConfig":{"Privileged":true}}' "$image" "$big_env" >"$tmp/big.json"
refused request-body "POST /containers/create with a 1.1 MB body (the daemon passes the plugin none)" \
  api POST /containers/create -H 'Content-Type: application/json' --data-binary "@$tmp/big.json"
refused api-version "POST /v1.23/containers/long/start with a HostConfig (old API)" \
  api POST /v1.23/containers/long/start -H 'Content-Type: application/json' -d '{"Privileged":true}'
refused plugins "POST /plugins/pull" api POST "/v1.41/plugins/pull?remote=x" -H 'Content-Type: application/json' -d '[]'
refused build "POST /build with networkmode=host in a form body" \
  api POST /v1.41/build -H 'Content-Type: application/x-www-form-urlencoded' -d 'networkmode=host'

host_id=$("$docker" network inspect -f '{{.Id}}' host)
by_id=$("$docker" run --rm --network "$host_id" $image readlink /proc/self/ns/net 2>&1) || true
if [ "$by_id" != "$(readlink /proc/self/ns/net)" ]; then
  ok "the host network named by its ID is not the daemon's network namespace ($by_id)"
else
  not_ok "the host network named by its ID gives the daemon's network namespace"
fi

# --- 4b. allowed forms --------------------------------------------------------------------------------
allowed "docker build (legacy builder, a RUN step)" $docker build -q -t dazn-test/built:1 "$tmp/ctx"
allowed "docker run of the built image" "${run[@]}" dazn-test/built:1 true
allowed "docker run --cap-add NET_ADMIN --security-opt no-new-privileges" "${run[@]}" --cap-add NET_ADMIN --security-opt no-new-privileges $image true
allowed "docker exec --user root" $docker exec --user root long id

# A container: job as the runner starts it: the work folder at /__w, externals at /__e, the tool
# cache at /__t, the temp folder's homes, the daemon's socket; the job's steps run by docker exec.
mkdir -p "$work/repo/repo" "$work/_temp/_github_home" "$work/_temp/_github_workflow"
echo "checked out" >"$work/repo/repo/README"
$docker network create github_network_job >/dev/null
job_status=0
$docker create --name job --network github_network_job --workdir /__w/repo/repo \
  -v "$work:/__w" -v "$externals:/__e:ro" -v "$toolcache:/__t" -v "$work/_temp/_github_home:/github/home" \
  -v "$work/_temp/_github_workflow:/github/workflow" -v "$host_sock:/var/run/docker.sock" \
  --entrypoint tail $image -f /dev/null >"$tmp/job.log" 2>&1 || job_status=$?
[ "$job_status" -eq 0 ] && $docker start job >>"$tmp/job.log" 2>&1 || job_status=$?
if [ "$job_status" -eq 0 ] && $docker exec job sh -c 'cat README >/__w/_temp/seen && echo built >out.txt && mkdir -p /__t/node/1.0.0 && rm README' >>"$tmp/job.log" 2>&1 &&
  [ "$(cat "$work/repo/repo/out.txt" 2>/dev/null)" = built ] && [ "$(cat "$work/_temp/seen")" = "checked out" ] &&
  [ ! -e "$work/repo/repo/README" ] && [ -d "$toolcache/node/1.0.0" ]; then
  ok "allowed: a container: job (work, externals, tool cache, homes, socket mounted) reads, writes and deletes in the workspace"
else
  not_ok "allowed: a container: job writes the workspace"
  indent got <"$tmp/job.log"
fi
allowed "a service container on the job's network, with a named volume" \
  $docker run -d --name redis --network github_network_job --network-alias redis -v data:/data $image sleep 600
allowed "a container action: docker run with the workspace, homes and file commands mounted" \
  $docker run --rm --network none --workdir /github/workspace -v "$work/repo/repo:/github/workspace" \
  -v "$work/_temp/_github_home:/github/home" -v "$work/_temp/_runner_file_commands:/github/file_commands" \
  -v "$host_sock:/var/run/docker.sock" $image sh -c 'echo out=1 >>/github/file_commands/set_output'
allowed "compose's calls: a network, a labelled volume and a container with --mount type=volume, tmpfs and an alias" \
  sh -c "$docker network create --label com.docker.compose.project=p p_default >/dev/null &&
    $docker volume create --label com.docker.compose.project=p p_cache >/dev/null &&
    $docker run -d --name p-web-1 --network p_default --network-alias web --label com.docker.compose.service=web \
      --mount type=volume,source=p_cache,target=/cache --mount type=tmpfs,target=/run $image sleep 600 >/dev/null"
allowed "docker volume create -o type=tmpfs" $docker volume create -o type=tmpfs -o device=tmpfs -o o=size=16m scratch

# --- 5. the plugin killed mid-run ---------------------------------------------------------------------
log_info "killing the plugin (pid $plugin_pid) while containers run"
kill -KILL "$plugin_pid"
wait "$plugin_pid" 2>/dev/null || true
plugin_pid=""
started=$SECONDS
dead_status=0
# one request: a fixed API version spares the CLI its version ping (each call waits out the daemon's
# retries, pkg/plugins/client.go: 1+2+4+8 s)
dead_out=$(DOCKER_API_VERSION=1.41 timeout 60 "$docker" run --rm --network none $image true 2>&1) || dead_status=$?
waited=$((SECONDS - started))
echo "    ${dead_out:0:400}"
if [ "$dead_status" -ne 0 ] && grep -q "plugin $name failed with error" <<<"$dead_out"; then
  ok "with the plugin gone the daemon refuses (after ${waited}s of its retries) and the error names the plugin"
else
  not_ok "with the plugin gone the daemon refuses, naming the plugin (status $dead_status, ${waited}s)"
fi
ping_status=0
api GET /_ping >/dev/null 2>&1 || ping_status=$?
if [ "$ping_status" -ne 0 ]; then
  ok "and /_ping (dind's health check) fails too ($ping_status): the task is seen unhealthy"
else
  not_ok "with the plugin gone /_ping still answers"
fi
start_plugin
if $docker ps -q --filter name=long | grep -q .; then
  ok "the plugin started again: the daemon serves again, and the running container was never stopped"
else
  not_ok "the plugin started again: the daemon serves again"
fi

echo "authz daemon tests: $((tests - failures)) of $tests passed"
[ "$failures" -eq 0 ]
