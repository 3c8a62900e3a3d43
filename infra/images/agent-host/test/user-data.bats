#!/usr/bin/env bats
# The agents' user-data template: rendered by Terraform's templatefile (terraform console), checked
# with shellcheck, then run against a scratch root with stand-ins for blkid, mkfs.xfs, mount and
# systemctl (test/stubs/).

here=$(cd "$(dirname "$BATS_TEST_FILENAME")" && pwd)

# not <command...>: succeeds when the command fails (a bare `! command` never fails a bats test)
not() { if "$@"; then return 1; fi; }
TEMPLATE=$here/../user-data.sh.tftpl

# render <registry_mirror_url> [ebs_device_name]: writes $BATS_TEST_TMPDIR/user-data.sh
render() {
  local mirror=$1 device=${2:-/dev/xvdb} encoded
  encoded=$(cd "$BATS_TEST_TMPDIR" && echo "base64encode(templatefile(\"$TEMPLATE\", {cluster_name = \"runners-ecs-x86_64\", registry_mirror_url = \"$mirror\", ebs_device_name = \"$device\", mount_point = \"/mnt/runners\"}))" |
    terraform console)
  encoded=${encoded//\"/}
  base64 -d <<<"$encoded" >"$BATS_TEST_TMPDIR/user-data.sh"
}

setup() {
  scratch=$BATS_TEST_TMPDIR/root
  rec=$BATS_TEST_TMPDIR/record
  mkdir -p "$scratch/dev" "$scratch/etc" "$rec"
  touch "$scratch/dev/xvdb"
}

run_user_data() {
  env PATH="$here/stubs:$PATH" STUB_RECORD_DIR="$rec" USERDATA_ROOT="$scratch" USERDATA_DEVICE_WAIT_SECONDS=2 "$@" \
    bash "$BATS_TEST_TMPDIR/user-data.sh"
}

@test "the rendered user data passes shellcheck" {
  render http://registry-mirror.internal:5000
  shellcheck "$BATS_TEST_TMPDIR/user-data.sh"
}

@test "a fresh volume is formatted as XFS, mounted, and recorded in fstab by UUID" {
  render http://registry-mirror.internal:5000
  run run_user_data
  [ "$status" -eq 0 ]
  grep -qx "mkfs.xfs -q -L dazn-runners $scratch/dev/xvdb" "$rec/calls"
  grep -qx "mount -o defaults,noatime $scratch/dev/xvdb $scratch/mnt/runners" "$rec/calls"
  grep -qx 'UUID=0b5c8e3e-0000-4000-8000-000000000001 /mnt/runners xfs defaults,noatime,nofail 0 2' "$scratch/etc/fstab"
  [ "$(stat -c %a "$scratch/mnt/runners/dind")" = 711 ]
}

@test "dockerd gets overlay2, the systemd cgroup driver, private cgroup namespaces, the mirror and its data on the volume" {
  render http://registry-mirror.internal:5000
  run run_user_data
  [ "$status" -eq 0 ]
  json=$scratch/etc/docker/daemon.json
  [ "$(jq -r '."storage-driver"' "$json")" = overlay2 ]
  [ "$(jq -r '."exec-opts"[0]' "$json")" = native.cgroupdriver=systemd ]
  [ "$(jq -r '."default-cgroupns-mode"' "$json")" = private ]
  [ "$(jq -c '."registry-mirrors"' "$json")" = '["http://registry-mirror.internal:5000"]' ]
  [ "$(jq -r '."data-root"' "$json")" = /mnt/runners/docker ]
  grep -qx 'systemctl restart docker' "$rec/calls"
}

@test "the ECS agent joins the cluster with spot draining and task IAM roles" {
  render ""
  run run_user_data
  [ "$status" -eq 0 ]
  config=$scratch/etc/ecs/ecs.config
  grep -qx ECS_CLUSTER=runners-ecs-x86_64 "$config"
  grep -qx ECS_ENABLE_SPOT_INSTANCE_DRAINING=true "$config"
  grep -qx ECS_ENABLE_TASK_IAM_ROLE=true "$config"
  [ "$(jq -c '."registry-mirrors"' "$scratch/etc/docker/daemon.json")" = '[]' ]
}

@test "an existing XFS file system is kept, not formatted again" {
  render ""
  echo "xfs 11111111-2222-4333-8444-555555555555" >"$scratch/dev/xvdb.fs"
  run run_user_data
  [ "$status" -eq 0 ]
  not grep -q '^mkfs.xfs' "$rec/calls"
  grep -q '^UUID=11111111-2222-4333-8444-555555555555 /mnt/runners xfs' "$scratch/etc/fstab"
}

@test "a missing volume or a wrong setting fails, naming the variable" {
  render "" /dev/xvdz
  run run_user_data
  [ "$status" -eq 1 ]
  [[ $output == *"the EBS volume /dev/xvdz (ebs_device_name) did not appear within 2s"* ]]
  render "" xvdb
  run run_user_data
  [ "$status" -eq 1 ]
  [[ $output == *"ebs_device_name is 'xvdb'"* ]]
  render "registry-mirror.internal"
  run run_user_data
  [ "$status" -eq 1 ]
  [[ $output == *"registry_mirror_url is 'registry-mirror.internal'"* ]]
}

@test "dockerd's default seccomp profile is agent-host/seccomp.json, unchanged (embed-seccomp.sh after each edit)" {
  render ""
  run run_user_data
  [ "$status" -eq 0 ]
  [ "$(jq -r '."seccomp-profile"' "$scratch/etc/docker/daemon.json")" = /etc/docker/seccomp.json ]
  diff <(jq -S . "$here/../seccomp.json") <(jq -S . "$scratch/etc/docker/seccomp.json")
}

@test "the profile refuses what it does not name; besides allow rules only the keyring calls (ENOSYS) and the default's clone3; pivot_root needs CAP_SYS_ADMIN" {
  profile=$here/../seccomp.json
  [ "$(jq -r '.defaultAction' "$profile")" = SCMP_ACT_ERRNO ]
  # every rule that is not an allow rule: the keyring calls refused with ENOSYS, and the default's own
  # clone3 ENOSYS for containers without CAP_SYS_ADMIN
  [ "$(jq -c '[.syscalls[] | select(.action != "SCMP_ACT_ALLOW") | {names, errnoRet}]' "$profile")" = \
    '[{"names":["keyctl","add_key","request_key"],"errnoRet":38},{"names":["clone3"],"errnoRet":38}]' ]
  [ "$(jq -c '[.syscalls[] | select(.names | index("pivot_root")) | .includes]' "$profile")" = '[{"caps":["CAP_SYS_ADMIN"]}]' ]
  [ "$(jq '[.syscalls[] | select(.comment) | .comment | startswith("dazn: ")] | length' "$profile")" = 2 ]
  # the keyring calls are allowed by no rule
  [ "$(jq '[.syscalls[] | select(.action == "SCMP_ACT_ALLOW") | .names[] | select(. == "keyctl" or . == "add_key" or . == "request_key")] | length' "$profile")" = 0 ]
}

@test "the rendered user data stays under EC2's 16 KB limit with the profile in it" {
  render http://registry-mirror.internal:5000
  size=$(wc -c <"$BATS_TEST_TMPDIR/user-data.sh")
  echo "user data: $size bytes"
  [ "$size" -lt 16384 ]
}
