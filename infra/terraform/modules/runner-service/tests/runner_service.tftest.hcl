mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{}" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-central-1" }
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
    x86_64 = { file_system_id = "fs-x86", file_system_arn = "arn:aws:elasticfilesystem:eu-central-1:123456789012:file-system/fs-x86", access_point_id = "fsap-x86", access_point_arn = "arn:aws:elasticfilesystem:eu-central-1:123456789012:access-point/fsap-x86" }
    arm64  = { file_system_id = "fs-arm", file_system_arn = "arn:aws:elasticfilesystem:eu-central-1:123456789012:file-system/fs-arm", access_point_id = "fsap-arm", access_point_arn = "arn:aws:elasticfilesystem:eu-central-1:123456789012:access-point/fsap-arm" }
  }
  github_organization = "dazn"
  runner_secrets      = { RUNNER_TOKEN = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:runner-abc" }
}

run "seven_pools_give_seven_services_with_their_capacity_and_architecture" {
  command = apply
  variables {
    pools     = run.pools.pools
    schedules = run.pools.schedules
    time_zone = run.pools.time_zone
  }

  assert {
    condition     = length(aws_ecs_service.runner) == 7 && length(aws_ecs_task_definition.runner) == 7
    error_message = "One service and task definition per pool."
  }
  assert {
    condition = {
      for k, s in aws_ecs_service.runner : k => one(s.capacity_provider_strategy).capacity_provider
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
    condition     = aws_ecs_service.runner["ecs-arm64-spot"].cluster == var.clusters.ecs.arn && aws_ecs_service.runner["fargate-arm64"].cluster == var.clusters.fargate.arn
    error_message = "Services run in the cluster of their pool's kind."
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
    pools     = run.pools.ecs_pools
    schedules = run.pools.schedules
    time_zone = run.pools.time_zone
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

run "runners_scale_out_after_agents_and_in_before_them" {
  command = plan
  variables {
    pools     = run.pools.pools
    schedules = run.pools.schedules
    time_zone = run.pools.time_zone
  }

  assert {
    condition     = length(aws_appautoscaling_scheduled_action.runner) == 14
    error_message = "Two scheduled actions per pool."
  }
  assert {
    condition = (aws_appautoscaling_scheduled_action.runner["fargate-x64-spot/runners_out"].schedule == "cron(0 8 ? * MON-FRI *)"
    && aws_appautoscaling_scheduled_action.runner["fargate-x64-spot/runners_in"].schedule == "cron(0 19 ? * MON-FRI *)")
    error_message = "Runners out at 08:00 (after agents at 07:45), in at 19:00 (before agents at 19:15), Monday to Friday."
  }
  assert {
    condition = (one(aws_appautoscaling_scheduled_action.runner["ecs-x64-spot/runners_out"].scalable_target_action).max_capacity == "30"
    && one(aws_appautoscaling_scheduled_action.runner["ecs-x64-spot/runners_in"].scalable_target_action).max_capacity == "6")
    error_message = "Office hours size is max_runners, outside min_runners."
  }
  assert {
    condition     = sum([for k, a in aws_appautoscaling_scheduled_action.runner : tonumber(one(a.scalable_target_action).max_capacity) if endswith(k, "/runners_out")]) == 100 && sum([for k, a in aws_appautoscaling_scheduled_action.runner : tonumber(one(a.scalable_target_action).max_capacity) if endswith(k, "/runners_in")]) == 20
    error_message = "100 runners in office hours, 20 outside."
  }
  assert {
    condition     = aws_appautoscaling_target.runner["fargate-arm64"].resource_id == "service/runners-fargate/dazn-runners-fargate-arm64" && alltrue([for a in aws_appautoscaling_scheduled_action.runner : a.timezone == "Europe/Berlin"])
    error_message = "Scaling targets name the service in its cluster; schedules use the time zone."
  }
}

run "emulator_switch_turns_off_only_the_scaling_targets" {
  command = plan
  variables {
    pools                    = run.pools.fargate_pools
    schedules                = run.pools.schedules
    time_zone                = run.pools.time_zone
    emulator_unsupported_off = true
  }
  assert {
    condition     = length(aws_appautoscaling_target.runner) == 0 && length(aws_appautoscaling_scheduled_action.runner) == 6 && length(aws_ecs_service.runner) == 3
    error_message = "Only the auto scaling targets are switched off."
  }
}

run "rejects_a_stop_timeout_that_cannot_hold_the_push" {
  command = plan
  variables {
    pools        = run.pools.fargate_pools
    schedules    = run.pools.schedules
    time_zone    = run.pools.time_zone
    stop_timeout = 60
  }
  expect_failures = [var.stop_timeout]
}

run "rejects_an_unexplained_or_blanket_capability" {
  command = plan
  variables {
    pools                   = run.pools.ecs_pools
    schedules               = run.pools.schedules
    time_zone               = run.pools.time_zone
    dind_extra_capabilities = { ALL = "everything" }
  }
  expect_failures = [var.dind_extra_capabilities]
}
