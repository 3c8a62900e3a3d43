data "aws_region" "current" {}

locals {
  region = data.aws_region.current.name

  base_dind_capabilities = ["SYS_ADMIN", "NET_ADMIN"]
  dind_capabilities      = concat(local.base_dind_capabilities, sort([for c in keys(var.dind_extra_capabilities) : c if !contains(local.base_dind_capabilities, c)]))

  log_router_memory_mib = 128
  # Where dind finds the agent's XFS volume; it makes a fresh random data-root and exec-root in it.
  dind_storage_root = "/var/lib/dind"
  dind_memory_mib   = 2048

  # Shared runner folders (ecs pools): one task-scoped volume each, mounted at the same path in runner and dind.
  shared_mounts = [for k in sort(keys(var.shared_paths)) : { sourceVolume = "shared-${replace(k, "_", "-")}", containerPath = var.shared_paths[k], readOnly = false }]
  socket_mount  = { sourceVolume = "docker-socket", containerPath = var.docker_socket_dir, readOnly = false }

  pool = {
    for name, p in var.pools : name => merge(p, {
      ecs      = p.cluster == "ecs"
      family   = "${var.name_prefix}-${name}"
      log_name = "/${var.name_prefix}/runners/${name}"
    })
  }

  runner_environment = {
    for name, p in local.pool : name => merge(
      {
        RUNNER_ORG_URL      = "${var.github_url}/${var.github_organization}"
        RUNNER_GROUP        = p.runner_group
        RUNNER_LABELS       = join(",", p.labels)
        RUNNER_NAME_PREFIX  = name
        RUNTIME_SYNC_ROOT   = var.runtime_mount_path
        RUNTIME_SYNC_PUSH   = tostring(p.runtime_sync_push)
        RUNNER_TOOL_CACHE   = var.shared_paths.tool_cache
        DAZN_RUNNER_POOL    = name
        DAZN_STOP_TIMEOUT_S = tostring(var.stop_timeout)
      },
      p.ecs ? { DOCKER_HOST = "unix://${var.docker_socket_dir}/docker.sock" } : {},
      var.job_hooks.started == null ? {} : { ACTIONS_RUNNER_HOOK_JOB_STARTED = var.job_hooks.started },
      var.job_hooks.completed == null ? {} : { ACTIONS_RUNNER_HOOK_JOB_COMPLETED = var.job_hooks.completed },
      var.runner_environment,
    )
  }

  awslogs = {
    for name, p in local.pool : name => {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.runner[name].name
        awslogs-region        = local.region
        awslogs-stream-prefix = name
        mode                  = "non-blocking"
        max-buffer-size       = "4m"
      }
    }
  }

  runner_container = {
    for name, p in local.pool : name => {
      name              = "runner"
      image             = p.ecs ? var.images.runner_ecs : var.images.runner_fargate
      essential         = true
      stopTimeout       = var.stop_timeout
      environment       = [for k in sort(keys(local.runner_environment[name])) : { name = k, value = local.runner_environment[name][k] }]
      secrets           = [for k in sort(keys(var.runner_secrets)) : { name = k, valueFrom = var.runner_secrets[k] }]
      mountPoints       = concat([{ sourceVolume = "runtime", containerPath = var.runtime_mount_path, readOnly = false }], p.ecs ? concat(local.shared_mounts, [local.socket_mount]) : [])
      dependsOn         = p.ecs ? [{ containerName = "dind", condition = "HEALTHY" }] : []
      linuxParameters   = { initProcessEnabled = true }
      memoryReservation = p.ecs ? p.memory - var.ec2_memory_headroom_mib - local.dind_memory_mib - local.log_router_memory_mib : null
      logConfiguration  = local.awslogs[name]
    }
  }

  dind_container = {
    for name, p in local.pool : name => {
      name       = "dind"
      image      = var.images.dind
      essential  = true
      privileged = false
      # ECS accepts only no-new-privileges, apparmor:, label: and credentialspec: here; the
      # seccomp and systempaths needs seen on the build machines (infra/images/README.md) are
      # the agent daemon's settings, not the task's.
      dockerSecurityOptions = var.dind_security_options
      linuxParameters = {
        initProcessEnabled = true
        capabilities       = { add = local.dind_capabilities, drop = [] }
      }
      # Names from infra/images/dind/entrypoint.sh.
      environment = [for k, v in {
        DIND_STORAGE_ROOT    = local.dind_storage_root
        DIND_SOCKET_DIR      = var.docker_socket_dir
        DIND_HEALTH_PORT     = tostring(var.dind_health_port)
        DIND_SYSLOG_ADDRESS  = "udp://127.0.0.1:${var.log_syslog_port}"
        DIND_REGISTRY_MIRROR = var.registry_mirror_url
      } : { name = k, value = v }]
      mountPoints       = concat(local.shared_mounts, [local.socket_mount, { sourceVolume = "dind-data", containerPath = local.dind_storage_root, readOnly = false }])
      healthCheck       = { command = var.dind_health_command, interval = 10, timeout = 5, retries = 6, startPeriod = 30 }
      dependsOn         = [{ containerName = "log-router", condition = "START" }]
      stopTimeout       = var.stop_timeout
      memoryReservation = local.dind_memory_mib
      logConfiguration  = local.awslogs[name]
    } if p.ecs
  }

  log_router_container = {
    for name, p in local.pool : name => {
      name      = "log-router"
      image     = var.images.log_router
      essential = false
      environment = [for k, v in {
        SYSLOG_PORT    = tostring(var.log_syslog_port)
        LOG_GROUP_NAME = aws_cloudwatch_log_group.runner[name].name
        LOG_STREAM     = "dind/${name}"
        AWS_REGION     = local.region
      } : { name = k, value = v }]
      memoryReservation = local.log_router_memory_mib
      logConfiguration  = local.awslogs[name]
    } if p.ecs
  }

  container_definitions = {
    # Encoded one by one: the three containers have different object types.
    for name, p in local.pool : name => "[${join(",", concat(
      [jsonencode(local.runner_container[name])],
      p.ecs ? tolist([jsonencode(local.dind_container[name]), jsonencode(local.log_router_container[name])]) : tolist([]),
    ))}]"
  }

  scaling_resource_id = { for name, p in local.pool : name => "service/${var.clusters[p.cluster].name}/${aws_ecs_service.runner[name].name}" }

  task_arn_pattern = { for kind, c in var.clusters : kind => "${replace(c.arn, ":cluster/", ":task/")}/*" }

  runner_schedules = {
    for pair in setproduct(keys(var.pools), ["runners_out", "runners_in"]) : "${pair[0]}/${pair[1]}" => {
      pool  = pair[0]
      event = pair[1]
      size  = pair[1] == "runners_out" ? var.pools[pair[0]].max_runners : var.pools[pair[0]].min_runners
    }
  }
}

resource "aws_cloudwatch_log_group" "runner" {
  for_each = var.pools

  name              = "/${var.name_prefix}/runners/${each.key}"
  retention_in_days = var.log_retention_days
  tags              = merge(var.tags, { Pool = each.key })
}

resource "aws_security_group" "runner" {
  name        = "${var.name_prefix}-${var.name}"
  description = "Runner tasks of ${var.name}: no inbound"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name_prefix}-${var.name}" })
}

resource "aws_vpc_security_group_egress_rule" "runner_all" {
  security_group_id = aws_security_group.runner.id
  description       = "Everything out (GitHub, registries, AWS APIs)"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
  tags              = var.tags
}

# --- IAM ------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "tasks_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "execution" {
  for_each = var.pools

  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # the action has no resource
  }

  dynamic "statement" {
    for_each = length(var.ecr_repository_arns) > 0 ? [1] : []
    content {
      sid       = "PullImages"
      actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
      resources = var.ecr_repository_arns
    }
  }

  statement {
    sid       = "WriteContainerLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.runner[each.key].arn}:*"]
  }

  dynamic "statement" {
    for_each = [for arn in values(var.runner_secrets) : arn if strcontains(arn, ":secretsmanager:")]
    content {
      sid       = "ReadRunnerSecret${statement.key}"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = [for arn in values(var.runner_secrets) : arn if strcontains(arn, ":ssm:")]
    content {
      sid       = "ReadRunnerParameter${statement.key}"
      actions   = ["ssm:GetParameters"]
      resources = [statement.value]
    }
  }
}

data "aws_iam_policy_document" "task" {
  for_each = var.pools

  statement {
    # Job hooks set task scale-in protection through the ECS agent endpoint while a job runs.
    sid       = "ProtectOwnTasksFromScaleIn"
    actions   = ["ecs:UpdateTaskProtection", "ecs:GetTaskProtection"]
    resources = [local.task_arn_pattern[each.value.cluster]]
  }

  statement {
    sid       = "MountRuntimeEfsThroughAccessPoint"
    actions   = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    resources = [var.runtime_file_systems[each.value.arch].file_system_arn]
    condition {
      test     = "StringEquals"
      variable = "elasticfilesystem:AccessPointArn"
      values   = [var.runtime_file_systems[each.value.arch].access_point_arn]
    }
  }

  dynamic "statement" {
    for_each = each.value.cluster == "ecs" ? [1] : []
    content {
      sid       = "LogRouterForwardsDindLogs"
      actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
      resources = ["${aws_cloudwatch_log_group.runner[each.key].arn}:*"]
    }
  }
}

resource "aws_iam_role" "execution" {
  for_each = var.pools

  name               = "${var.name_prefix}-${each.key}-exec"
  description        = "ECS task execution role of runner pool ${each.key}"
  assume_role_policy = data.aws_iam_policy_document.tasks_trust.json
  tags               = merge(var.tags, { Pool = each.key })
}

resource "aws_iam_role_policy" "execution" {
  for_each = var.pools

  name   = "execution"
  role   = aws_iam_role.execution[each.key].id
  policy = data.aws_iam_policy_document.execution[each.key].json
}

resource "aws_iam_role" "task" {
  for_each = var.pools

  name               = "${var.name_prefix}-${each.key}-task"
  description        = "Task role of runner pool ${each.key}: scale-in protection and the runtime EFS only (jobs get cache credentials through OIDC)"
  assume_role_policy = data.aws_iam_policy_document.tasks_trust.json
  tags               = merge(var.tags, { Pool = each.key })
}

resource "aws_iam_role_policy" "task" {
  for_each = var.pools

  name   = "task"
  role   = aws_iam_role.task[each.key].id
  policy = data.aws_iam_policy_document.task[each.key].json
}

# --- Task definitions and services ------------------------------------------------------------------

resource "aws_ecs_task_definition" "runner" {
  for_each = local.pool

  family                   = each.value.family
  network_mode             = "awsvpc"
  requires_compatibilities = [each.value.ecs ? "EC2" : "FARGATE"]
  cpu                      = tostring(each.value.cpu)
  # EC2: the headroom stays free so that tasks_per_instance tasks fit beside the ECS agent.
  memory                = tostring(each.value.ecs ? each.value.memory - var.ec2_memory_headroom_mib : each.value.memory)
  execution_role_arn    = aws_iam_role.execution[each.key].arn
  task_role_arn         = aws_iam_role.task[each.key].arn
  container_definitions = local.container_definitions[each.key]

  dynamic "runtime_platform" {
    for_each = each.value.ecs ? [] : [1]
    content {
      operating_system_family = "LINUX"
      cpu_architecture        = upper(each.value.arch)
    }
  }

  dynamic "ephemeral_storage" {
    for_each = each.value.ecs ? [] : [1]
    content {
      size_in_gib = var.fargate_ephemeral_storage_gib
    }
  }

  dynamic "placement_constraints" {
    for_each = each.value.ecs ? [1] : []
    content {
      type       = "memberOf"
      expression = "attribute:ecs.cpu-architecture == ${each.value.arch}"
    }
  }

  volume {
    name = "runtime"
    efs_volume_configuration {
      file_system_id     = var.runtime_file_systems[each.value.arch].file_system_id
      transit_encryption = "ENABLED"
      authorization_config {
        access_point_id = var.runtime_file_systems[each.value.arch].access_point_id
        iam             = "ENABLED"
      }
    }
  }

  # ecs pools: runner folders shared with dind, the docker socket, and dind's data on the agent's XFS volume.
  dynamic "volume" {
    for_each = each.value.ecs ? toset(concat([for m in local.shared_mounts : m.sourceVolume], ["docker-socket"])) : toset([])
    content {
      name = volume.value
    }
  }

  dynamic "volume" {
    for_each = each.value.ecs ? [1] : []
    content {
      name      = "dind-data"
      host_path = "${var.data_mount_path}/dind" # prepared by the agents' user data
    }
  }

  tags = merge(var.tags, { Pool = each.key })
}

resource "aws_ecs_service" "runner" {
  for_each = local.pool

  name                    = each.value.family
  cluster                 = var.clusters[each.value.cluster].arn
  task_definition         = aws_ecs_task_definition.runner[each.key].arn
  desired_count           = each.value.min_runners
  enable_ecs_managed_tags = true
  propagate_tags          = "SERVICE"
  platform_version        = each.value.ecs ? null : "LATEST"
  # Busy runners are protected from scale-in (job hooks); replacing idle ones in place is fine.
  deployment_minimum_healthy_percent = 0
  deployment_maximum_percent         = 100

  capacity_provider_strategy {
    capacity_provider = each.value.ecs ? var.capacity_providers[each.key] : each.value.capacity
    weight            = 1
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = concat([aws_security_group.runner.id], var.security_group_ids)
    assign_public_ip = false
  }

  tags = merge(var.tags, { Pool = each.key })

  lifecycle {
    ignore_changes = [desired_count] # moved by the office hours schedule
  }
}

# --- Office hours: runners out after the agents in the morning, in before them in the evening -------

resource "aws_appautoscaling_target" "runner" {
  for_each = var.emulator_unsupported_off ? {} : local.pool

  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = local.scaling_resource_id[each.key]
  min_capacity       = each.value.min_runners
  max_capacity       = each.value.max_runners
  tags               = merge(var.tags, { Pool = each.key })

  lifecycle {
    ignore_changes = [min_capacity, max_capacity] # moved by the scheduled actions
  }
}

resource "aws_appautoscaling_scheduled_action" "runner" {
  for_each = local.runner_schedules

  name               = "${each.value.pool}-${replace(each.value.event, "_", "-")}"
  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = local.scaling_resource_id[each.value.pool]
  schedule           = var.schedules[each.value.event].cron
  timezone           = var.time_zone

  scalable_target_action {
    min_capacity = each.value.size
    max_capacity = each.value.size
  }

  # AWS accepts a scheduled action only for a registered scalable target.
  depends_on = [aws_appautoscaling_target.runner]
}
