mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{}" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-central-1" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-central-1:123456789012:log-group:/runners" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/runner" }
  }
}

# The real seven pools and schedule, from the runner-pools module's defaults.
run "pools" {
  command = plan
  module {
    source = "../runner-pools"
  }
}

variables {
  name       = "all-runners"
  vpc_id     = "vpc-1"
  subnet_ids = ["subnet-a", "subnet-b"]
  clusters = {
    ecs     = { name = "runners-ecs", arn = "arn:aws:ecs:eu-central-1:123456789012:cluster/runners-ecs" }
    fargate = { name = "runners-fargate", arn = "arn:aws:ecs:eu-central-1:123456789012:cluster/runners-fargate" }
  }
  capacity_providers = {
    ecs-x64-spot       = "dazn-runners-ecs-x64-spot"
    ecs-x64-ondemand   = "dazn-runners-ecs-x64-ondemand"
    ecs-arm64-spot     = "dazn-runners-ecs-arm64-spot"
    ecs-arm64-ondemand = "dazn-runners-ecs-arm64-ondemand"
  }
  images = {
    runner_ecs     = "runner:ecs"
    runner_fargate = "runner:fargate"
    dind           = "dind:1"
    log_router     = "fluent-bit:1"
  }
  runtime_file_systems = {
    x86_64 = { file_system_id = "fs-x86", file_system_arn = "arn:aws:elasticfilesystem:eu-central-1:123456789012:file-system/fs-x86", access_point_id = "fsap-x86", access_point_arn = "arn:aws:elasticfilesystem:eu-central-1:123456789012:access-point/fsap-x86", read_only_access_point_id = "fsap-x86-ro", read_only_access_point_arn = "arn:aws:elasticfilesystem:eu-central-1:123456789012:access-point/fsap-x86-ro" }
    arm64  = { file_system_id = "fs-arm", file_system_arn = "arn:aws:elasticfilesystem:eu-central-1:123456789012:file-system/fs-arm", access_point_id = "fsap-arm", access_point_arn = "arn:aws:elasticfilesystem:eu-central-1:123456789012:access-point/fsap-arm", read_only_access_point_id = "fsap-arm-ro", read_only_access_point_arn = "arn:aws:elasticfilesystem:eu-central-1:123456789012:access-point/fsap-arm-ro" }
  }
  github_organization = "dazn"
}

run "seven_pools_give_seven_task_definitions_with_their_capacity_and_architecture" {
  command = apply
  variables {
    pools = run.pools.pools
  }

  assert {
    condition     = length(aws_ecs_task_definition.runner) == 7 && length(aws_iam_role.task) == 7
    error_message = "One task definition and task role per pool."
  }
  assert {
    condition = {
      for k, p in output.pools : k => one(p.capacity_provider_strategy).capacity_provider
      } == {
      ecs-x64-spot         = "dazn-runners-ecs-x64-spot"
      ecs-x64-ondemand     = "dazn-runners-ecs-x64-ondemand"
      ecs-arm64-spot       = "dazn-runners-ecs-arm64-spot"
      ecs-arm64-ondemand   = "dazn-runners-ecs-arm64-ondemand"
      fargate-x64-spot     = "FARGATE_SPOT"
      fargate-x64-ondemand = "FARGATE"
      fargate-arm64        = "FARGATE"
    }
    error_message = "ECS pools use their agents' capacity provider; Fargate pools FARGATE or FARGATE_SPOT."
  }
  assert {
    condition     = output.pools["ecs-arm64-spot"].cluster_arn == var.clusters.ecs.arn && output.pools["fargate-arm64"].cluster_arn == var.clusters.fargate.arn
    error_message = "Pools run in the cluster of their kind."
  }
  assert {
    condition = (one(aws_ecs_task_definition.runner["fargate-arm64"].runtime_platform).cpu_architecture == "ARM64"
      && one(aws_ecs_task_definition.runner["fargate-x64-spot"].runtime_platform).cpu_architecture == "X86_64"
      && one(aws_ecs_task_definition.runner["ecs-arm64-ondemand"].placement_constraints).expression == "attribute:ecs.cpu-architecture == arm64"
    && one(aws_ecs_task_definition.runner["ecs-x64-spot"].placement_constraints).expression == "attribute:ecs.cpu-architecture == x86_64")
    error_message = "Fargate tasks declare their CPU architecture; ECS tasks are placed on agents of theirs."
  }
  assert {
    condition = (one([for v in aws_ecs_task_definition.runner["ecs-x64-spot"].volume : v.efs_volume_configuration[0].file_system_id if v.name == "runtime"]) == "fs-x86"
    && one([for v in aws_ecs_task_definition.runner["fargate-arm64"].volume : v.efs_volume_configuration[0].file_system_id if v.name == "runtime"]) == "fs-arm")
    error_message = "Each task mounts the runtime EFS of its architecture."
  }
  assert {
    condition     = aws_ecs_task_definition.runner["fargate-x64-spot"].cpu == "4096" && aws_ecs_task_definition.runner["fargate-x64-spot"].memory == "16384" && aws_ecs_task_definition.runner["ecs-x64-spot"].cpu == "4096"
    error_message = "Runner tasks have 4 vCPU and (Fargate) 16 GiB."
  }
  assert {
    condition     = [for c in jsondecode(aws_ecs_task_definition.runner["ecs-x64-spot"].container_definitions) : c.name] == ["runner", "dind", "log-router"] && [for c in jsondecode(aws_ecs_task_definition.runner["fargate-x64-spot"].container_definitions) : c.name] == ["runner"]
    error_message = "ECS tasks have runner, dind and log containers; Fargate tasks the runner alone."
  }
  assert {
    condition     = { for e in jsondecode(aws_ecs_task_definition.runner["fargate-arm64"].container_definitions)[0].environment : e.name => e.value }["RUNNER_LABELS"] == "fargate-arm64,arm64,fargate"
    error_message = "Runner labels name pool, architecture and capacity."
  }
}

run "dind_is_unprivileged_with_named_capabilities_and_shares_the_runner_paths" {
  command = plan
  variables {
    pools = run.pools.ecs_pools
  }

  assert {
    condition     = alltrue([for td in aws_ecs_task_definition.runner : jsondecode(td.container_definitions)[1].privileged == false])
    error_message = "dind is never privileged."
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.runner["ecs-x64-spot"].container_definitions)[1].linuxParameters.capabilities.add == ["SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE"]
    error_message = "dind adds SYS_ADMIN and NET_ADMIN, plus only the named extras."
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.runner["ecs-x64-spot"].container_definitions)[1].dockerSecurityOptions == ["no-new-privileges"]
    error_message = "dind runs with no-new-privileges."
  }
  assert {
    condition = alltrue([for p in values(var.shared_paths) :
      contains([for m in jsondecode(aws_ecs_task_definition.runner["ecs-arm64-spot"].container_definitions)[0].mountPoints : "${m.sourceVolume}=${m.containerPath}"],
        one([for m in jsondecode(aws_ecs_task_definition.runner["ecs-arm64-spot"].container_definitions)[1].mountPoints : "${m.sourceVolume}=${m.containerPath}" if m.containerPath == p])
      )
    ])
    error_message = "work, temp, externals and tool cache are the same volumes at the same paths in runner and dind."
  }
  assert {
    condition     = contains([for m in jsondecode(aws_ecs_task_definition.runner["ecs-x64-spot"].container_definitions)[0].mountPoints : m.containerPath], "/var/run/dind") && contains([for m in jsondecode(aws_ecs_task_definition.runner["ecs-x64-spot"].container_definitions)[1].mountPoints : m.containerPath], "/var/run/dind")
    error_message = "The docker socket folder is shared."
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.runner["ecs-x64-spot"].container_definitions)[0].dependsOn == [{ containerName = "dind", condition = "HEALTHY" }]
    error_message = "The runner starts once dind is healthy (and so stops before it)."
  }
  assert {
    condition     = alltrue([for c in jsondecode(aws_ecs_task_definition.runner["ecs-x64-spot"].container_definitions) : try(c.stopTimeout, 120) == 120])
    error_message = "Containers get the stop timeout that fits the runtime-sync push."
  }
}

run "tasks_are_started_by_the_scaler_only_and_read_their_jit_configuration" {
  command = apply
  variables {
    pools = run.pools.pools
  }

  # The module has no aws_ecs_service (or auto scaling of one) at all: referring to one would not
  # even validate. What remains to check is what the scaler's RunTask relies on.
  assert {
    condition     = alltrue([for td in aws_ecs_task_definition.runner : jsondecode(td.container_definitions)[0].name == "runner"])
    error_message = "The container the scaler overrides is named runner and comes first."
  }
  assert {
    condition     = alltrue([for td in aws_ecs_task_definition.runner : td.skip_destroy])
    error_message = "A replaced revision stays ACTIVE until the scaler's POOLS names the new one (RunTask refuses INACTIVE revisions)."
  }
  assert {
    condition     = alltrue([for td in aws_ecs_task_definition.runner : alltrue([for c in jsondecode(td.container_definitions) : length(try(c.secrets, [])) == 0])])
    error_message = "No container gets a secret from ECS (no RUNNER_TOKEN): the runner's one JIT configuration comes from SSM."
  }
  assert {
    condition = alltrue([for td in aws_ecs_task_definition.runner : !anytrue([for e in jsondecode(td.container_definitions)[0].environment :
    contains(["RUNNER_TOKEN", "RUNNER_JIT_CONFIG", "RUNNER_JIT_PARAMETER", "RUNNER_NAME"], e.name)])])
    error_message = "The task definition carries no registration secret and no per-runner name (RunTask overrides set those)."
  }
  assert {
    condition     = alltrue([for td in aws_ecs_task_definition.runner : jsondecode(td.container_definitions)[0].linuxParameters.initProcessEnabled == false])
    error_message = "The runner container has no ECS docker-init as PID 1 (it would keep the task environment)."
  }
  assert {
    condition = alltrue([for k, r in aws_iam_role_policy.task : [for st in jsondecode(r.policy).Statement : st if anytrue([for a in st.Action : startswith(a, "ssm:")])] == [{
      Sid      = "ReadAndDeleteOwnJitConfiguration"
      Effect   = "Allow"
      Action   = ["ssm:DeleteParameter", "ssm:GetParameter"]
      Resource = ["arn:aws:ssm:eu-central-1:123456789012:parameter/dazn-runners/jit/*"]
    }]])
    error_message = "The task role's only SSM rights: get and delete parameters under the JIT prefix."
  }
  assert {
    condition     = alltrue([for r in aws_iam_role_policy.task : !anytrue([for st in jsondecode(r.policy).Statement : anytrue([for a in st.Action : strcontains(a, "*") || startswith(a, "kms:") || startswith(a, "secretsmanager:")])])])
    error_message = "No wildcard action, no KMS or Secrets Manager right for the task role."
  }
  assert {
    condition     = alltrue([for k, p in output.pools : p.container_name == "runner" && p.launch_type == null && p.network.assign_public_ip == false && contains(p.network.security_groups, aws_security_group.runner.id) && p.task_definition_arn == aws_ecs_task_definition.runner[k].arn])
    error_message = "Each pool publishes its task definition, container name, strategy and awsvpc network for RunTask."
  }
  assert {
    condition     = output.pools["ecs-x64-spot"].task_role_arn == aws_iam_role.task["ecs-x64-spot"].arn && output.pools["ecs-x64-spot"].execution_role_arn == aws_iam_role.execution["ecs-x64-spot"].arn
    error_message = "Each pool publishes the roles the scaler must pass."
  }
}

run "the_jit_prefix_is_a_variable" {
  command = apply
  variables {
    pools                = run.pools.fargate_pools
    jit_parameter_prefix = "/other/jit"
  }
  assert {
    condition     = strcontains(aws_iam_role_policy.task["fargate-arm64"].policy, "parameter/other/jit/*") && !strcontains(aws_iam_role_policy.task["fargate-arm64"].policy, "dazn-runners/jit")
    error_message = "The task role follows jit_parameter_prefix."
  }
}

run "rejects_a_jit_prefix_with_a_trailing_slash" {
  command = plan
  variables {
    pools                = run.pools.fargate_pools
    jit_parameter_prefix = "/dazn-runners/jit/"
  }
  expect_failures = [var.jit_parameter_prefix]
}

run "rejects_an_ecs_pool_without_its_capacity_provider" {
  command = plan
  variables {
    pools              = run.pools.ecs_pools
    capacity_providers = { ecs-x64-spot = "dazn-runners-ecs-x64-spot" }
  }
  expect_failures = [var.capacity_providers]
}

run "rejects_a_stop_timeout_that_cannot_hold_the_push" {
  command = plan
  variables {
    pools        = run.pools.fargate_pools
    stop_timeout = 60
  }
  expect_failures = [var.stop_timeout]
}

run "rejects_a_runtime_sync_layout_other_than_archive_or_folders" {
  command = plan
  variables {
    pools               = run.pools.fargate_pools
    runtime_sync_layout = "tarball"
  }
  expect_failures = [var.runtime_sync_layout]
}

run "rejects_an_unexplained_or_blanket_capability" {
  command = plan
  variables {
    pools                   = run.pools.ecs_pools
    dind_extra_capabilities = { ALL = "everything" }
  }
  expect_failures = [var.dind_extra_capabilities]
}

# Tool cache poisoning (issue 14): a pool that does not write the shared tool cache mounts it read-only,
# through the read-only access point, with IAM authorization, and its task role cannot write it. The
# default pools are all such pools.
run "pools_mount_the_tool_cache_read_only_through_the_read_only_access_point_without_client_write" {
  command = apply
  variables {
    pools = run.pools.pools
  }

  assert {
    condition = alltrue([for k, td in aws_ecs_task_definition.runner : one([for v in td.volume : (
      v.efs_volume_configuration[0].transit_encryption == "ENABLED"
      && v.efs_volume_configuration[0].authorization_config[0].iam == "ENABLED"
      && v.efs_volume_configuration[0].authorization_config[0].access_point_id == var.runtime_file_systems[var.pools[k].arch].read_only_access_point_id
    ) if v.name == "runtime"])])
    error_message = "Every default pool mounts the runtime EFS with TLS and IAM through the read-only access point of its architecture."
  }
  assert {
    condition = alltrue([for td in aws_ecs_task_definition.runner : one([
      for m in jsondecode(td.container_definitions)[0].mountPoints : m.readOnly if m.sourceVolume == "runtime"
    ])])
    error_message = "The runner container's runtime mount is read-only."
  }
  assert {
    condition     = alltrue([for td in aws_ecs_task_definition.runner : { for e in jsondecode(td.container_definitions)[0].environment : e.name => e.value }["RUNTIME_SYNC_PUSH"] == "false"])
    error_message = "runtime-sync push is switched off where the mount is read-only."
  }
  assert {
    condition     = alltrue([for td in aws_ecs_task_definition.runner : { for e in jsondecode(td.container_definitions)[0].environment : e.name => e.value }["RUNTIME_SYNC_LAYOUT"] == "archive"])
    error_message = "runtime-sync keeps one archive per version on EFS by default (RUNTIME_SYNC_LAYOUT=archive)."
  }
  assert {
    condition = alltrue([for k, rp in aws_iam_role_policy.task : alltrue([
      for st in jsondecode(rp.policy).Statement : !contains(flatten([st.Action]), "elasticfilesystem:ClientWrite") && !contains(flatten([st.Action]), "elasticfilesystem:*") && !contains(flatten([st.Action]), "*")
    ])])
    error_message = "No default pool's task role holds elasticfilesystem:ClientWrite."
  }
  assert {
    condition = alltrue([for k, rp in aws_iam_role_policy.task : one([
      for st in jsondecode(rp.policy).Statement : st.Condition.StringEquals["elasticfilesystem:AccessPointArn"] if st.Sid == "MountRuntimeEfsReadOnly"
    ]) == var.runtime_file_systems[var.pools[k].arch].read_only_access_point_arn])
    error_message = "The task role may mount only through the read-only access point."
  }
}

run "a_writer_pool_alone_mounts_the_tool_cache_read_write" {
  command = apply
  variables {
    pools = { for k, p in run.pools.pools : k => merge(p, { runtime_sync_push = k == "fargate-arm64" }) }
  }

  assert {
    condition     = one([for v in aws_ecs_task_definition.runner["fargate-arm64"].volume : v.efs_volume_configuration[0].authorization_config[0].access_point_id if v.name == "runtime"]) == "fsap-arm"
    error_message = "The writer pool mounts through the read-write access point."
  }
  assert {
    condition     = one([for m in jsondecode(aws_ecs_task_definition.runner["fargate-arm64"].container_definitions)[0].mountPoints : m.readOnly if m.sourceVolume == "runtime"]) == false
    error_message = "The writer pool's runtime mount is read-write."
  }
  assert {
    condition = one([for st in jsondecode(aws_iam_role_policy.task["fargate-arm64"].policy).Statement : st if st.Sid == "MountRuntimeEfsReadWrite"]) == {
      Sid       = "MountRuntimeEfsReadWrite"
      Effect    = "Allow"
      Action    = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
      Resource  = ["arn:aws:elasticfilesystem:eu-central-1:123456789012:file-system/fs-arm"]
      Condition = { StringEquals = { "elasticfilesystem:AccessPointArn" = "arn:aws:elasticfilesystem:eu-central-1:123456789012:access-point/fsap-arm" } }
    }
    error_message = "The writer's task role may write, through the read-write access point only."
  }
  assert {
    condition     = alltrue([for k, rp in aws_iam_role_policy.task : k == "fargate-arm64" || !strcontains(rp.policy, "ClientWrite")])
    error_message = "The other pools stay readers."
  }
  # The EFS statements of a writer and of a reader of arm64 are what runtime-sync/test/efs-policy.test.ts
  # evaluates with the IAM simulator against the file system policy (runtime-efs tests keep that one).
  assert {
    condition     = [for st in jsondecode(aws_iam_role_policy.task["fargate-arm64"].policy).Statement : st if startswith(st.Sid, "MountRuntimeEfs")] == jsondecode(file("tests/fixtures/task-policy-efs.writer.json"))
    error_message = "tests/fixtures/task-policy-efs.writer.json must be the writer's rendered EFS statements."
  }
  assert {
    condition     = [for st in jsondecode(aws_iam_role_policy.task["ecs-arm64-spot"].policy).Statement : st if startswith(st.Sid, "MountRuntimeEfs")] == jsondecode(file("tests/fixtures/task-policy-efs.reader.json"))
    error_message = "tests/fixtures/task-policy-efs.reader.json must be a reader's rendered EFS statements."
  }
}
