#!/usr/bin/env bash
# Terraform tests, offline (no AWS account):
#   1. terraform fmt -check -recursive
#   2. every module: init -backend=false, validate, terraform test (mock_provider "aws")
#   3. every stack: init -backend=false, validate, and terraform test where it has tests/
#   3b. the policy matrices: the isolated cache role's policies as modules/cache-broker's run "render"
#      rendered them, and the images push role's as stack 01-ecr's run "render" did (terraform test
#      -json -verbose), evaluated by an IAM simulator against the rule (infra/terraform/test/
#      policy-matrix.test.ts and push-role-matrix.test.ts, jest)
#   4. the seven stacks applied in order to moto_server (local AWS emulator), then destroyed in reverse
#      order; what moto cannot do is switched off by emulator_unsupported_off=true and counted. After
#      01: the push role's policy names exactly the repositories moto created, its trust the provider
#      moto holds. After the runner stacks: no ECS service runs runners; after the scaler: its functions' POOLS, read
#      back from moto, names the task definitions moto holds, and its IAM policy only those.
# Runs against a copy of this folder in a temp dir (the repository gets no .terraform or state),
# sequentially (one terraform process at a time: the aws provider is big).
# Env: TF_PROVIDER_MIRROR (folder holding registry.terraform.io/hashicorp/aws/...; default: found),
#      TF_TEST_PARTS: which steps run, default "static moto" (static = 1 to 3 with 3b, moto = 4); a local
#      loop may run one of them, or "policy" (only modules/cache-broker's and stacks/01-ecr's terraform
#      test and 3b); CI runs static and moto.
set -Eeuo pipefail

here=$(cd "$(dirname "$0")" && pwd)
start=$SECONDS
work=$(mktemp -d "${TMPDIR:-/tmp}/dazn-terraform-test.XXXXXX")
moto_pid=""

log() { printf '[terraform-test %4ss] %s\n' "$((SECONDS - start))" "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

cleanup() {
  local code=$?
  if [ -n "$moto_pid" ]; then kill "$moto_pid" 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true; fi
  rm -rf "$work"
  exit "$code"
}
trap cleanup EXIT

command -v terraform >/dev/null || die "terraform is not installed (need >= 1.11)"

# --- Provider mirror and CLI configuration -----------------------------------------------------------
mirror=${TF_PROVIDER_MIRROR:-}
if [ -z "$mirror" ]; then
  for candidate in /opt/tf-plugins /usr/share/terraform/plugins "$HOME/.terraform.d/plugins"; do
    if [ -d "$candidate/registry.terraform.io/hashicorp/aws" ]; then mirror=$candidate; break; fi
  done
fi
if [ -z "$mirror" ]; then
  binary=$(find / -path /proc -prune -o -name 'terraform-provider-aws*' -print 2>/dev/null | head -n 1)
  [ -n "$binary" ] || die "no hashicorp/aws provider mirror found; set TF_PROVIDER_MIRROR to a folder holding registry.terraform.io/hashicorp/aws/<version>/<os_arch>/"
  mirror=${binary%/registry.terraform.io/*}
fi
log "provider mirror: $mirror"

export TF_CLI_CONFIG_FILE=$work/terraform.rc
cat >"$TF_CLI_CONFIG_FILE" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hashicorp/*"]
  }
}
# The mirror's layout is the cache's: init links the provider instead of copying ~700 MB.
plugin_cache_dir                            = "$mirror"
plugin_cache_may_break_dependency_lock_file = true
RC
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1

tf() { # <dir> <args...>: terraform quietly, output shown on failure; none may run past TF_STEP_TIMEOUT
  local dir=$1
  shift
  local out
  if ! out=$(timeout --kill-after=10 "${TF_STEP_TIMEOUT:-900}" terraform -chdir="$dir" "$@" -no-color 2>&1); then
    printf '%s\n' "$out" >&2
    return 1
  fi
  printf '%s\n' "$out"
}

parts=" ${TF_TEST_PARTS:-static moto} "
test_runs=0
validated=0
stacks=(01-ecr 02-cache 03-runtime-efs 04-clusters 05-ecs-runners 06-fargate-runners 07-scaler)
tree=$work/tree
mkdir -p "$tree"
tar -C "$here" --exclude=.terraform --exclude=.terraform.lock.hcl --exclude='*.tfstate*' -cf - . | tar -C "$tree" -xf -
# The agents' user data template of infra/images, where stack 04-clusters looks for it.
if [ -f "$here/../images/agent-host/user-data.sh.tftpl" ]; then
  mkdir -p "$work/images/agent-host"
  cp "$here/../images/agent-host/user-data.sh.tftpl" "$work/images/agent-host/"
fi
# The image names and tags (modules/image-names reads them from there).
cp "$here/../images/images.json" "$work/images/images.json"

# A terraform test whose run "render" holds the policies a matrix evaluates: runs it with each run's
# state in its JSON output (about 13 MB a run: the provider schema comes along), writes <out> from that
# state (the attributes the aws provider would send to IAM, not outputs) and prints the runs passed.
#   modules/cache-broker -> $work/rendered-policies.json: the isolated cache role and the broker's
#   stacks/01-ecr        -> $work/rendered-push-role.json: the images push role as the stack makes it
test_render() { # <dir> <name> <out>
  local dir=$1 name=$2 out=$3 json=$work/render-test.json
  if ! timeout --kill-after=10 "${TF_STEP_TIMEOUT:-900}" terraform -chdir="$dir" test -json -verbose -no-color >"$json" 2>"$json.err"; then
    python3 - "$json" >&2 <<'PY' || true
import json, sys
for line in open(sys.argv[1]):
    m = json.loads(line)
    if m.get("@level") == "error" or m.get("type") == "diagnostic":
        print(m.get("@message"), json.dumps(m.get("diagnostic", {}).get("detail", "")))
PY
    cat "$json.err" >&2
    die "$name: terraform test failed"
  fi
  python3 - "$json" "$name" "$out" <<'PY' || die "$name: could not read the rendered policies of its run \"render\" (above)"
import json, sys
def resources(module):
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from resources(child)
def cache_broker(state, res):
    layout = state["outputs"]["layout"]["value"]
    return {
        "bucketArn": layout["bucket_arn"],
        "prefix": layout["prefix"],
        "brokerRoleArn": res["aws_iam_role.broker"]["arn"],
        "cacheRoleArn": res["aws_iam_role.cache"]["arn"],
        "trustPolicy": res["aws_iam_role.cache"]["assume_role_policy"],
        "permissionPolicy": res["aws_iam_role_policy.cache"]["policy"],
        "brokerPolicy": res["aws_iam_role_policy.broker"]["policy"],
    }
def push_role(state, res):
    role = "module.images_push_role[0]."
    return {
        "roleArn": res[role + "aws_iam_role.this"]["arn"],
        "oidcProviderArn": res[role + "aws_iam_openid_connect_provider.github[0]"]["arn"],
        "trustPolicy": res[role + "aws_iam_role.this"]["assume_role_policy"],
        "permissionPolicy": res[role + "aws_iam_role_policy.this"]["policy"],
        "region": res[role + "data.aws_region.current"]["name"],
        "createdRepositories": sorted(v["name"] for a, v in res.items() if a.startswith("module.ecr.aws_ecr_repository.this[")),
    }
extract = {"modules/cache-broker": cache_broker, "stacks/01-ecr": push_role}[sys.argv[2]]
rendered = None
summary = None
for line in open(sys.argv[1]):
    m = json.loads(line)
    if m["type"] == "test_state" and m.get("@testrun") == "render":
        state = m["test_state"]
        rendered = extract(state, {r["address"]: r["values"] for r in resources(state["root_module"])})
    elif m["type"] == "test_summary":
        summary = m["test_summary"]
if rendered is None:
    sys.exit("no state of the run \"render\" in the terraform test output")
if summary is None or summary["status"] != "pass" or summary["failed"] or summary["errored"]:
    sys.exit(f"terraform test did not pass: {summary}")
json.dump(rendered, open(sys.argv[3], "w"), indent=1)
print(summary["passed"])
PY
  rm -f "$json" "$json.err"
}

# 3b: the matrices over the rendered policies (jest, in the repository: node_modules and src/matching).
policy_matrix() {
  local out root
  root=$(cd "$here/../.." && pwd)
  [ -f "$work/rendered-policies.json" ] || die "policy matrix: no rendered policies (modules/cache-broker's run \"render\")"
  [ -f "$work/rendered-push-role.json" ] || die "policy matrix: no rendered push role (stacks/01-ecr's run \"render\")"
  if ! out=$(cd "$root" && DAZN_RENDERED_POLICIES="$work/rendered-policies.json" DAZN_RENDERED_PUSH_ROLE="$work/rendered-push-role.json" \
    timeout --kill-after=10 600 npx jest -c infra/terraform/test/jest.config.js --ci --verbose 2>&1); then
    printf '%s\n' "$out" >&2
    die "policy matrix failed (above)"
  fi
  grep -E '^(policy|push role) matrix:' <<<"$out" | while read -r line; do log "$line"; done
  log "policy matrices: $(grep -cE '^mutant caught' <<<"$out") of $(grep -cE 'a wrong policy fails the matrix' <<<"$out") wrong policies caught; $(grep -E '^Tests:' <<<"$out")"
}

if [[ $parts == *" policy "* && $parts != *" static "* ]]; then
  dir=$tree/modules/cache-broker
  tf "$dir" init -backend=false -input=false >/dev/null || die "modules/cache-broker: init failed"
  passed=$(test_render "$dir" modules/cache-broker "$work/rendered-policies.json") || exit 1
  log "modules/cache-broker: terraform test: $passed passed"
  dir=$tree/stacks/01-ecr
  tf "$dir" init -backend=false -input=false >/dev/null || die "stacks/01-ecr: init failed"
  passed=$(test_render "$dir" stacks/01-ecr "$work/rendered-push-role.json") || exit 1
  log "stacks/01-ecr: terraform test: $passed passed"
  policy_matrix
  [[ $parts == *" moto "* ]] || { log "summary: policy part only; $((SECONDS - start))s"; exit 0; }
fi

if [[ $parts == *" static "* ]]; then
# --- 1. Format ----------------------------------------------------------------------------------------
log "terraform fmt -check -recursive"
terraform fmt -check -recursive -diff "$here" || die "files above are not formatted: run terraform fmt -recursive infra/terraform"

# Every module and stack documents each of its inputs and outputs in its README.md.
for dir in "$tree"/modules/*/ "$tree"/stacks/*/; do
  [ -f "$dir/README.md" ] || die "${dir#"$tree"/}: README.md missing"
  while read -r name; do
    grep -q "\`$name\`" "$dir/README.md" || die "${dir#"$tree"/}README.md does not document \`$name\`"
  done < <(sed -nE 's/^(variable|output) "([^"]+)".*/\2/p' "$dir"/*.tf)
done
log "READMEs document every input and output"

# --- 2. Modules ---------------------------------------------------------------------------------------
for dir in "$tree"/modules/*/; do
  name=modules/$(basename "$dir")
  tf "$dir" init -backend=false -input=false >/dev/null || die "$name: init failed"
  tf "$dir" validate >/dev/null || die "$name: validate failed"
  validated=$((validated + 1))
  [ -d "$dir/tests" ] || die "$name: has no tests/ (every module is tested)"
  if [ "$name" = modules/cache-broker ]; then
    # The same terraform test, with the state of each run: 3b reads the policies the run "render" applied.
    passed=$(test_render "$dir" "$name" "$work/rendered-policies.json") || exit 1
    summary="Success! $passed passed, 0 failed."
  else
    out=$(tf "$dir" test) || die "$name: terraform test failed"
    summary=$(grep -E '^(Success|Failure)!' <<<"$out" | tail -n 1)
    passed=$(sed -nE 's/.* ([0-9]+) passed.*/\1/p' <<<"$summary")
  fi
  [ -n "$passed" ] || die "$name: no terraform test summary"
  test_runs=$((test_runs + passed))
  log "$name: valid; terraform test: $summary"
done

# --- 3. Stacks ----------------------------------------------------------------------------------------
for s in "${stacks[@]}"; do
  tf "$tree/stacks/$s" init -backend=false -input=false >/dev/null || die "stacks/$s: init failed"
  tf "$tree/stacks/$s" validate >/dev/null || die "stacks/$s: validate failed"
  validated=$((validated + 1))
  if [ "$s" = 01-ecr ]; then
    # The same terraform test, with the state of each run: 3b reads the push role the run "render" applied.
    passed=$(test_render "$tree/stacks/$s" "stacks/$s" "$work/rendered-push-role.json") || exit 1
    test_runs=$((test_runs + passed))
    log "stacks/$s: valid; terraform test: Success! $passed passed, 0 failed."
  elif [ -d "$tree/stacks/$s/tests" ]; then
    # plan-only tests with a mocked provider (what the stack passes to its modules)
    out=$(tf "$tree/stacks/$s" test) || die "stacks/$s: terraform test failed"
    summary=$(grep -E '^(Success|Failure)!' <<<"$out" | tail -n 1)
    passed=$(sed -nE 's/.* ([0-9]+) passed.*/\1/p' <<<"$summary")
    [ -n "$passed" ] || die "stacks/$s: no terraform test summary"
    test_runs=$((test_runs + passed))
    log "stacks/$s: valid; terraform test: $summary"
  else
    log "stacks/$s: valid"
  fi
done
policy_matrix

# --- Image names: the build script, the workflows and Terraform agree ------------------------------------
# What Terraform pulls (modules/image-names, used by stacks 01, 04, 05 and 06) must be exactly what
# infra/images/publish.sh pushes, for the same registry and tag; both read infra/images/images.json.
check_image_names() {
  local registry=123456789012.dkr.ecr.eu-central-1.amazonaws.com tag=0123456789ab dir=$tree/modules/image-names
  local urls pushed pulled
  urls=$(jq -c --arg r "$registry" '.repository_prefix as $p | .images | with_entries(.value = "\($r)/\($p)/\(.key)")' "$here/../images/images.json")
  tf "$dir" apply -auto-approve -input=false -var "tag=$tag" -var "repository_urls=$urls" >/dev/null || die "modules/image-names: apply failed"
  pulled=$(tf "$dir" output -json refs | jq -S .)
  pushed=$(bash "$here/../images/publish.sh" --refs "$registry" "$tag" | jq -S .)
  [ "$pulled" = "$pushed" ] || die "Terraform pulls $pulled but publish.sh pushes $pushed"
  # The stacks name no image and no tag suffix themselves: only module.images.refs.
  if grep -nE 'repository_urls\["|:\$\{var\.image_tag|:latest' "$here"/stacks/*.tf "$here"/stacks/*/*.tf | grep -v 'image-names' >&2; then
    die "the stack lines above spell an image reference themselves: use module.images.refs (modules/image-names)"
  fi
  # The workflows build and push only through publish.sh, never with their own names.
  local workflows=$here/../../.github/workflows
  if grep -nE 'docker (buildx )?(build|push)( |$)|images/build\.sh' "$workflows"/*.yml >&2; then
    die "the workflow lines above build or push images themselves: call infra/images/publish.sh"
  fi
  grep -q 'infra/images/publish.sh' "$workflows/images.yml" || die ".github/workflows/images.yml does not publish with infra/images/publish.sh"
  grep -q 'infra/images/publish.sh --no-push' "$workflows/runner-update.yml" || die ".github/workflows/runner-update.yml does not build with infra/images/publish.sh --no-push"
  log "image names: Terraform pulls exactly what publish.sh pushes ($(jq -r 'keys | join(", ")' <<<"$pulled")); stacks and workflows use the one definition"
}
check_image_names

# Every log group has a retention (CloudWatch keeps logs forever, and bills them, without one).
missing=$(awk 'FNR == 1 { inside = 0 }
  /^resource "aws_cloudwatch_log_group"/ { inside = 1; has = 0; name = FILENAME ":" FNR; next }
  inside && /retention_in_days[[:space:]]*=/ { has = 1 }
  inside && /^}/ { if (!has) print name; inside = 0 }' "$here"/modules/*/*.tf)
[ -z "$missing" ] || die "log groups without retention_in_days: $missing"
log "every log group has a retention ($(grep -c '^resource "aws_cloudwatch_log_group"' "$here"/modules/*/*.tf | awk -F: '{ n += $2 } END { print n }') log group resources)"

# The alarms count the scaler's log lines by their message: those messages must still exist.
while read -r message; do
  grep -rqF "'$message'" "$here/../../scaler/src" || die "modules/platform-alarms counts the scaler log line \"$message\", which scaler/src no longer writes"
done < <(sed -nE 's/.*\$\.message = \\"([^\\]+)\\".*/\1/p' "$here/modules/platform-alarms/main.tf" | sort -u)
log "the scaler log lines the alarms count exist in scaler/src"

fi

if [[ $parts != *" moto "* ]]; then
  log "summary: $validated modules and stacks valid; $test_runs terraform test runs passed; moto apply not run (TF_TEST_PARTS); $((SECONDS - start))s"
  exit 0
fi

# --- 4. Apply to moto_server and destroy -----------------------------------------------------------------
command -v moto_server >/dev/null || die "moto_server is not installed (pip install 'moto[server]')"
command -v aws >/dev/null || die "the aws CLI is not installed"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# AWS's managed policies loaded (moto's copy of them): the agents' role attaches
# AmazonEC2ContainerServiceforEC2Role, and check_agent_policy reads it back.
MOTO_IAM_LOAD_MANAGED_POLICIES=true moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
endpoint=http://127.0.0.1:$port
for _ in $(seq 1 100); do
  curl -fsS "$endpoint/moto-api/" >/dev/null 2>&1 && break
  kill -0 "$moto_pid" 2>/dev/null || die "moto_server exited: $(cat "$work/moto.log")"
  sleep 0.2
done
log "moto_server on $endpoint"

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=eu-central-1 AWS_REGION=eu-central-1
export AWS_EC2_METADATA_DISABLED=true
awsm() { aws --endpoint-url "$endpoint" --output text "$@"; }

# The network the stacks are given (a real account has it already).
vpc_id=$(awsm ec2 create-vpc --cidr-block 10.42.0.0/16 --query Vpc.VpcId)
subnet_a=$(awsm ec2 create-subnet --vpc-id "$vpc_id" --cidr-block 10.42.1.0/24 --availability-zone eu-central-1a --query Subnet.SubnetId)
subnet_b=$(awsm ec2 create-subnet --vpc-id "$vpc_id" --cidr-block 10.42.2.0/24 --availability-zone eu-central-1b --query Subnet.SubnetId)
log "network: $vpc_id $subnet_a $subnet_b"

services=(autoscaling cloudwatch cloudwatchlogs dynamodb ec2 ecr ecs efs elbv2 events iam lambda s3 secretsmanager sns ssm sts)
endpoints=$(for s in "${services[@]}"; do printf '    %s = "%s"\n' "$s" "$endpoint"; done)

# The scaler's bundles (scaler/package.sh); placeholders when they are not built: the handler only
# has to exist for moto's CreateFunction.
mkdir -p "$work/dist"
for fn in webhook reconciler; do
  if [ -f "$here/../../scaler/dist/$fn.zip" ]; then
    cp "$here/../../scaler/dist/$fn.zip" "$work/dist/$fn.zip"
  else
    printf 'exports.handler = async () => ({ statusCode: 503 });\n' >"$work/dist/index.js"
    (cd "$work/dist" && python3 -m zipfile -c "$fn.zip" index.js)
    log "scaler/dist/$fn.zip not built: a placeholder zip stands in"
  fi
done

# The broker's bundle (broker/package.sh), or a placeholder in the same way.
if [ -f "$here/../../broker/dist/broker.zip" ]; then
  cp "$here/../../broker/dist/broker.zip" "$work/dist/broker.zip"
else
  printf 'exports.handler = async () => ({ statusCode: 503 });\n' >"$work/dist/index.js"
  (cd "$work/dist" && python3 -m zipfile -c broker.zip index.js)
  log "broker/dist/broker.zip not built: a placeholder zip stands in"
fi

declare -A stack_vars=(
  [01-ecr]='{"force_delete": true, "github_repository": "dazn/cache"}'
  [02-cache]="{\"bucket_name\": \"dazn-cache-test\", \"github_organization\": \"dazn\", \"force_destroy\": true, \"broker_zip\": \"$work/dist/broker.zip\"}"
  [03-runtime-efs]="{\"vpc_id\": \"$vpc_id\", \"subnet_ids\": [\"$subnet_a\", \"$subnet_b\"], \"emulator_unsupported_off\": true}"
  [04-clusters]='{"mirror_bucket_name": "dazn-registry-mirror-test", "force_destroy": true, "image_tag": "0123456789ab"}'
  [05-ecs-runners]='{"github_organization": "dazn", "image_tag": "0123456789ab"}'
  [06-fargate-runners]='{"github_organization": "dazn", "image_tag": "0123456789ab"}'
  [07-scaler]="{\"github_organization\": \"dazn\", \"github_app_id\": \"123456\", \"github_installation_id\": \"7654321\", \"webhook_zip\": \"$work/dist/webhook.zip\", \"reconciler_zip\": \"$work/dist/reconciler.zip\", \"secret_recovery_window_days\": 0, \"emulator_unsupported_off\": true}"
)

# Checks against what moto holds after a stack's apply (real API answers, not Terraform's view).
# shellcheck disable=SC2016 # backticks are JMESPath literals
check_agents_follow_tasks() { # agent groups from 0, not pinned; capacity providers scale them
  local bad
  bad=$(awsm autoscaling describe-auto-scaling-groups --query 'AutoScalingGroups[?starts_with(AutoScalingGroupName, `dazn-runners-ecs-`) && (MinSize != `0` || MaxSize <= `0` || !NewInstancesProtectedFromScaleIn)].AutoScalingGroupName')
  [ -z "$bad" ] || die "agent groups pinned or unprotected: $bad (min must be 0, max the pool's maximum, scale-in protected)"
  [ "$(awsm autoscaling describe-auto-scaling-groups --query 'length(AutoScalingGroups[?starts_with(AutoScalingGroupName, `dazn-runners-ecs-`)])')" -eq 4 ] || die "expected 4 agent groups"
  # By name: moto answers DescribeCapacityProviders without names with HTTP 500.
  local names
  mapfile -t names < <(tf "$tree/stacks/04-clusters" output -json capacity_providers | jq -r '.[]')
  [ "${#names[@]}" -eq 4 ] || die "expected 4 agent capacity providers, stack 04 has ${#names[@]}"
  bad=$(awsm ecs describe-capacity-providers --capacity-providers "${names[@]}" --query 'capacityProviders[?autoScalingGroupProvider.managedScaling.status != `ENABLED` || autoScalingGroupProvider.managedScaling.targetCapacity != `100` || autoScalingGroupProvider.managedTerminationProtection != `ENABLED`].name')
  [ -z "$bad" ] || die "capacity providers without managed scaling or termination protection: $bad"
  [ "$(awsm ecs describe-capacity-providers --capacity-providers "${names[@]}" --query 'length(capacityProviders)')" -eq 4 ] || die "moto does not hold the 4 agent capacity providers"
  log "agent groups: min 0, not pinned, scale-in protected; their capacity providers: managed scaling (100 %) and termination protection"
  # Spot groups offer several instance types, all spot; on-demand groups theirs, all on-demand.
  bad=$(awsm autoscaling describe-auto-scaling-groups --query 'AutoScalingGroups[?starts_with(AutoScalingGroupName, `dazn-runners-ecs-`) && contains(AutoScalingGroupName, `-spot`) && (length(MixedInstancesPolicy.LaunchTemplate.Overrides) < `4` || MixedInstancesPolicy.InstancesDistribution.OnDemandPercentageAboveBaseCapacity != `0`)].AutoScalingGroupName')
  [ -z "$bad" ] || die "spot agent groups without several instance types or not all spot: $bad"
  # The S3 gateway and the nine interface endpoints, in the runners' VPC.
  local endpoints
  endpoints=$(awsm ec2 describe-vpc-endpoints --filters "Name=vpc-id,Values=$vpc_id" --query 'length(VpcEndpoints)')
  [ "$endpoints" -eq 10 ] || die "expected 10 VPC endpoints (S3 gateway + 9 interface) in $vpc_id, moto holds $endpoints"
  log "spot agent groups: mixed instances (several types, all spot); VPC endpoints: $endpoints"
  check_agent_policy
}

check_agent_policy() { # spot draining: the agent may set its own container instance to DRAINING
  local arn version
  arn=$(awsm iam list-attached-role-policies --role-name dazn-runners-ecs-agent --query "AttachedPolicies[?PolicyName=='AmazonEC2ContainerServiceforEC2Role'].PolicyArn")
  if [ -z "$arn" ] || [ "$arn" = None ]; then die "the agents' role has no AmazonEC2ContainerServiceforEC2Role"; fi
  version=$(awsm iam get-policy --policy-arn "$arn" --query Policy.DefaultVersionId)
  awsm iam get-policy-version --policy-arn "$arn" --version-id "$version" --output json --query PolicyVersion.Document >"$work/agent-policy.json"
  python3 - "$work/agent-policy.json" <<'PY' || die "the agents' managed policy does not allow spot draining (above)"
import fnmatch, json, sys, urllib.parse
doc = json.load(open(sys.argv[1]))
if isinstance(doc, str):
    doc = json.loads(urllib.parse.unquote(doc))
# What the agent calls when ECS_ENABLE_SPOT_INSTANCE_DRAINING sees the interruption notice.
action = "ecs:UpdateContainerInstancesState"
resource = "arn:aws:ecs:eu-central-1:123456789012:container-instance/dazn-runners-ecs/0123456789abcdef0123456789abcdef"
def listed(v): return v if isinstance(v, list) else [v]
allowed = [s for s in doc["Statement"] if s["Effect"] == "Allow" and "Condition" not in s
           and any(fnmatch.fnmatchcase(action, a) for a in listed(s["Action"]))
           and any(fnmatch.fnmatchcase(resource, r) for r in listed(s.get("Resource", [])))]
denied = [s for s in doc["Statement"] if s["Effect"] == "Deny" and any(fnmatch.fnmatchcase(action, a) for a in listed(s["Action"]))]
assert allowed and not denied, f"{action} on {resource}: allowed by {allowed}, denied by {denied}"
print(f"agent policy: {action} allowed on the container-instance ARN")
PY
  log "the agents' role: AmazonEC2ContainerServiceforEC2Role, spot draining allowed on the container-instance ARN"
}

# shellcheck disable=SC2016 # backticks are JMESPath literals
check_alarms() { # the platform alarms, each notifying the stack's topic
  local topic count bad
  topic=$(tf "$1" output -raw alarm_topic_arn) || die "stacks/07-scaler: no alarm_topic_arn output"
  count=$(awsm cloudwatch describe-alarms --alarm-name-prefix dazn-runners- --query 'length(MetricAlarms)')
  [ "$count" -eq 7 ] || die "expected 7 platform alarms in moto, found $count"
  bad=$(awsm cloudwatch describe-alarms --alarm-name-prefix dazn-runners- --query "MetricAlarms[?!contains(AlarmActions, '$topic')].AlarmName")
  [ -z "$bad" ] || die "alarms that do not notify $topic: $bad"
  [ "$(awsm events list-rules --name-prefix dazn-runners- --query 'length(Rules[?contains(Name, `task-failed-to-start`) || contains(Name, `spot-interruption`)])')" -eq 2 ] || die "the ECS task failure and spot interruption rules are missing"
  log "stacks/07-scaler: $count alarms to $topic; the task failure and spot interruption rules"
}

check_no_runner_services() { # the runner pools have task definitions and no ECS service
  local cluster services families pool
  for cluster in dazn-runners-ecs dazn-runners-fargate; do
    services=$(awsm ecs list-services --cluster "$cluster" --query 'serviceArns' | tr '\t' '\n' | grep -v -e registry-mirror -e '^None$' -e '^$' || true)
    [ -z "$services" ] || die "runner services remain in $cluster: $services (runners are started by the scaler's RunTask only)"
  done
  families=$(awsm ecs list-task-definition-families --family-prefix dazn-runners- --status ACTIVE --query 'families' | tr '\t' '\n')
  for pool in $(tf "$tree/stacks/04-clusters" output -json pools | jq -r 'keys[]'); do
    grep -qx "dazn-runners-$pool" <<<"$families" || die "no ACTIVE task definition for pool $pool"
  done
  log "no ECS service runs runner tasks; every pool has its ACTIVE task definition"
}

check_push_role() { # the images push role as moto holds it, against the repositories moto created
  local dir=$1
  tf "$dir" output -json >"$work/01.outputs.json" || die "stacks/01-ecr: no outputs"
  awsm iam get-role --role-name dazn-runners-images-push --output json >"$work/push-role.json"
  awsm iam get-role-policy --role-name dazn-runners-images-push --policy-name ecr-push --output json >"$work/push-policy.json"
  awsm iam list-open-id-connect-providers --output json >"$work/oidc-providers.json"
  awsm ecr describe-repositories --output json >"$work/repositories.json"
  python3 - "$work" "$here/../images/images.json" <<'PY' || die "stacks/01-ecr: the push role in moto does not match the repositories or the provider (above)"
import json, sys, urllib.parse
work = sys.argv[1]
load = lambda name: json.load(open(f"{work}/{name}"))
doc = lambda v: json.loads(urllib.parse.unquote(v)) if isinstance(v, str) else v
outputs = {k: v["value"] for k, v in load("01.outputs.json").items()}
definition = json.load(open(sys.argv[2]))
role = load("push-role.json")["Role"]
policy = doc(load("push-policy.json")["PolicyDocument"])
providers = [p["Arn"] for p in load("oidc-providers.json")["OpenIDConnectProviderList"]]
repositories = load("repositories.json")["repositories"]
expected = sorted(f"{definition['repository_prefix']}/{name}" for name in definition["images"])
assert sorted(r["repositoryName"] for r in repositories) == expected, repositories
assert role["Arn"] == outputs["images_push_role_arn"], (role["Arn"], outputs)
push = [s for s in policy["Statement"] if s["Sid"] == "PushToTheImageRepositories"]
assert len(push) == 1 and sorted(push[0]["Resource"]) == sorted(r["repositoryArn"] for r in repositories), (push, repositories)
trust = doc(role["AssumeRolePolicyDocument"])["Statement"]
assert len(trust) == 1 and trust[0]["Principal"] == {"Federated": outputs["github_oidc_provider_arn"]}, trust
assert providers == [outputs["github_oidc_provider_arn"]], providers
assert trust[0]["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"] == "repo:dazn/cache:ref:refs/heads/main", trust
assert role["MaxSessionDuration"] == 7200, role
print(f"push role: {role['Arn']} pushes to the {len(repositories)} repositories moto created, trusts {providers[0]}")
PY
  log "stacks/01-ecr: the push role read back from moto names exactly the repositories moto created and trusts its one GitHub OIDC provider"
}

check_cache_broker() { # the broker and the isolated role as moto holds them, against the stack's outputs
  local dir=$1
  tf "$dir" output -json >"$work/02.outputs.json" || die "stacks/02-cache: no outputs"
  awsm lambda get-function-configuration --function-name dazn-runners-cache-broker --output json >"$work/broker.json"
  awsm lambda get-function-url-config --function-name dazn-runners-cache-broker --output json >"$work/broker-url.json"
  awsm iam get-role --role-name dazn-runners-cache-isolated --output json >"$work/isolated-role.json"
  awsm iam get-role --role-name dazn-runners-cache-broker --output json >"$work/broker-role.json"
  awsm iam get-role-policy --role-name dazn-runners-cache-isolated --policy-name cache-bucket-isolated --output json >"$work/isolated-policy.json"
  awsm ssm get-parameter --name /dazn-runners/02-cache/action_environment --output json >"$work/action-env.json"
  python3 - "$work" <<'PY' || die "stacks/02-cache: the broker or the isolated role in moto do not match the stack (above)"
import json, sys, urllib.parse
work = sys.argv[1]
load = lambda name: json.load(open(f"{work}/{name}"))
doc = lambda v: json.loads(urllib.parse.unquote(v)) if isinstance(v, str) else v
outputs = {k: v["value"] for k, v in load("02.outputs.json").items()}
broker, url = load("broker.json"), load("broker-url.json")
role, broker_role = load("isolated-role.json")["Role"], load("broker-role.json")["Role"]
env = broker["Environment"]["Variables"]
assert broker["Handler"] == "index.handler" and broker["Role"] == broker_role["Arn"], broker
assert env["CACHE_ROLE_ARN"] == role["Arn"] == outputs["isolated_cache_role_arn"], (env, role["Arn"])
assert env["ALLOWED_OWNERS"] == "dazn" and env["BROKER_AUDIENCE"] == outputs["broker_audience"] == "dazn-cache", env
assert url["AuthType"] == "NONE" and url["FunctionUrl"] == outputs["broker_url"], url
trust = doc(role["AssumeRolePolicyDocument"])["Statement"]
assert trust and all(s["Principal"] == {"AWS": broker_role["Arn"]} for s in trust), trust
assert role["MaxSessionDuration"] == 3600, role
policy = doc(load("isolated-policy.json")["PolicyDocument"])
resources = [r for s in policy["Statement"] for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])]
assert any("${aws:PrincipalTag/cache-repo}/${aws:PrincipalTag/cache-write}/*" in r for r in resources), resources
action_env = json.loads(load("action-env.json")["Parameter"]["Value"])
assert action_env["DAZN_CACHE_BROKER_URL"] == outputs["broker_url"] and "DAZN_CACHE_ROLE_ARN" not in action_env, action_env
assert outputs.get("cache_role_arn") is None, "legacy roles created without legacy_oidc_roles"
print(f"cache broker: {broker['FunctionName']} ({broker['Runtime']}), URL auth NONE, CACHE_ROLE_ARN = the isolated role, which trusts only {broker_role['Arn']}; policy variables intact; action_environment carries the broker URL, no legacy role")
PY
  log "stacks/02-cache: the broker, its URL and the isolated role read back from moto match the stack"
}

check_scaler() { # POOLS as the functions got it, against moto's task definitions and the role's policy
  local dir=$1 fn
  tf "$dir" output -raw pools_json >"$work/pools.json" || die "stacks/07-scaler: no pools_json output"
  for fn in webhook reconciler; do
    awsm lambda get-function-configuration --function-name "dazn-runners-scaler-$fn" --output json >"$work/$fn.json"
  done
  awsm iam get-role-policy --role-name dazn-runners-scaler --policy-name scaler --output json >"$work/policy.json"
  python3 - "$work" <<'PY' || die "stacks/07-scaler: the functions' POOLS or policy do not match the runner stacks (above)"
import base64, gzip, json, subprocess, sys
work = sys.argv[1]
expected = json.load(open(f"{work}/pools.json"))
for fn in ("webhook", "reconciler"):
    conf = json.load(open(f"{work}/{fn}.json"))
    env = conf["Environment"]["Variables"]
    raw = env["POOLS"]
    pools = json.loads(raw if raw.startswith("[") else gzip.decompress(base64.b64decode(raw)))
    assert pools == expected, f"{fn}: POOLS differs from the pools_json output"
    assert conf["Handler"] == "index.handler" and conf["Runtime"].startswith("nodejs"), conf
    size = sum(len(k) + len(v) for k, v in env.items())
    assert size <= 4096, f"{fn}: environment of {size} bytes, Lambda accepts 4096"
assert [p["name"] for p in pools] == sorted(p["name"] for p in pools), "POOLS not in map order"
policy = json.load(open(f"{work}/policy.json"))["PolicyDocument"]
if isinstance(policy, str):
    policy = json.loads(policy)
run = [s for s in policy["Statement"] if "ecs:RunTask" in s["Action"]]
assert len(run) == 1 and sorted(run[0]["Resource"]) == sorted(p["taskDefinition"] for p in pools), run
print(f"scaler: {len(pools)} pools in POOLS ({'json' if raw.startswith('[') else 'gzip-base64'}, environment {size} bytes); RunTask on exactly their task definitions")
PY
  local arn
  for arn in $(python3 -c 'import json,sys; print(" ".join(p["taskDefinition"] for p in json.load(open(sys.argv[1]))))' "$work/pools.json"); do
    awsm ecs describe-task-definition --task-definition "$arn" --query 'taskDefinition.status' | grep -qx ACTIVE || die "POOLS names $arn, which moto does not hold as ACTIVE"
  done
  log "stacks/07-scaler: POOLS read back from moto names the runner stacks' ACTIVE task definitions"
}

created_total=0
off_total=0
for s in "${stacks[@]}"; do
  dir=$tree/stacks/$s
  # Local state instead of the S3 backend, and the provider pointed at moto: override files, test copy only.
  cat >"$dir/moto_override.tf" <<TF
terraform {
  backend "local" {
    path = "$work/state/$s.tfstate"
  }
}

provider "aws" {
  region                      = "eu-central-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  s3_use_path_style           = true
  # A few retries: moto answers HTTP 500 when concurrent calls race inside it (seen on SSM
  # DescribeParameters while other parameters were being written).
  max_retries = 3

  endpoints {
$endpoints
  }
}
TF
  printf '%s\n' "${stack_vars[$s]}" >"$dir/moto.auto.tfvars.json"
  rm -rf "$dir/.terraform"
  tf "$dir" init -input=false -reconfigure >/dev/null || die "stacks/$s: init against moto failed"
  tf "$dir" apply -refresh=false -auto-approve -input=false >"$work/$s.apply.log" || die "stacks/$s: apply to moto failed"
  created=$(tf "$dir" state list | grep -vcE '^$|^data\.|\.data\.' || true)
  created_total=$((created_total + created))
  off=0
  if grep -q emulator_unsupported_off "$dir/moto.auto.tfvars.json"; then
    # What the switch removes: a plan with it off, against the applied state, adds exactly that.
    plan=$(tf "$dir" plan -refresh=false -input=false -var emulator_unsupported_off=false) || die "stacks/$s: plan without the switch failed"
    off=$(sed -nE 's/^Plan: ([0-9]+) to add.*/\1/p' <<<"$plan")
    off=${off:-0}
    switched=$(grep -oE '# [^ ]+ will be created' <<<"$plan" | awk '{print $2}' | sed -E 's/\[[^]]*\]//g' | sort | uniq -c | awk '{printf "%s x%s, ", $2, $1}' || true)
    log "stacks/$s: switched off for moto: $off (${switched%, })"
  fi
  off_total=$((off_total + off))
  log "stacks/$s: applied to moto, $created resources"
  case $s in
    01-ecr) check_push_role "$dir" ;;
    02-cache) check_cache_broker "$dir" ;;
    04-clusters) check_agents_follow_tasks ;;
    06-fargate-runners) check_no_runner_services ;;
    07-scaler) check_scaler "$dir" && check_alarms "$dir" ;;
  esac
done

for ((i = ${#stacks[@]} - 1; i >= 0; i--)); do
  s=${stacks[$i]}
  tf "$tree/stacks/$s" destroy -auto-approve -input=false >"$work/$s.destroy.log" || die "stacks/$s: destroy failed"
  left=$(tf "$tree/stacks/$s" state list | grep -vcE '^$|^data\.|\.data\.' || true)
  [ "$left" -eq 0 ] || die "stacks/$s: $left resources left after destroy"
  log "stacks/$s: destroyed"
done

log "summary: $validated modules and stacks valid; $test_runs terraform test runs passed; moto: $created_total resources created and destroyed, $off_total switched off by emulator_unsupported_off; $((SECONDS - start))s"
