data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  region  = data.aws_region.current.name
  account = data.aws_caller_identity.current.account_id
  # The scaler's JIT configurations (scaler/INTERFACE.md): one SecureString per runner under the prefix.
  jit_parameter_arn_pattern = "arn:aws:ssm:${local.region}:${local.account}:parameter${var.jit_parameter_prefix}/*"

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

  # The shared tool cache (runtime EFS): only its writers (runtime_sync_push = true, pools that run
  # trusted workflows only) mount it read-write; every other pool mounts it read-only through the
  # read-only access point, with a task role that lacks elasticfilesystem:ClientWrite. A job runs as the
  # same user as the exit trap's push, so the push's own checks cannot stop it: EFS and IAM do
  # (runtime-sync/README.md, "What a job can and cannot do to the shared tool cache").
  tool_cache = {
    for name, p in var.pools : name => {
      write            = p.runtime_sync_push
      access_point_id  = p.runtime_sync_push ? var.runtime_file_systems[p.arch].access_point_id : var.runtime_file_systems[p.arch].read_only_access_point_id
      access_point_arn = p.runtime_sync_push ? var.runtime_file_systems[p.arch].access_point_arn : var.runtime_file_systems[p.arch].read_only_access_point_arn
      actions          = p.runtime_sync_push ? ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"] : ["elasticfilesystem:ClientMount"]
    }
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
        RUNTIME_SYNC_LAYOUT = var.runtime_sync_layout
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
      name        = "runner"
      image       = p.ecs ? var.images.runner_ecs : var.images.runner_fargate
      essential   = true
      stopTimeout = var.stop_timeout
      environment = [for k in sort(keys(local.runner_environment[name])) : { name = k, value = local.runner_environment[name][k] }]
      mountPoints = concat([{ sourceVolume = "runtime", containerPath = var.runtime_mount_path, readOnly = !local.tool_cache[name].write }], p.ecs ? concat(local.shared_mounts, [local.socket_mount]) : [])
      dependsOn   = p.ecs ? [{ containerName = "dind", condition = "HEALTHY" }] : []
      # No ECS docker-init as PID 1: it would keep the task's starting environment (readable by the
      # job in /proc/1/environ); the image's own PID 1 scrubs it (infra/images/runner).
      linuxParameters   = { initProcessEnabled = false }
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
      # ECS accepts only no-new-privileges, apparmor:, label: and credentialspec: here. What nested
      # containers need beyond that comes from elsewhere: seccomp from the agents' default profile
      # (infra/images/agent-host/seccomp.json, daemon.json's seccomp-profile), and the masked
      # /proc and /sys from the unmasked copies dind's entrypoint mounts (infra/images/README.md).
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
        # the folders the authorization plugin lets jobs bind-mount: the runner's shared paths
        DIND_AUTHZ_ALLOWED_ROOTS = join(":", sort(values(var.shared_paths)))
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

  task_arn_pattern = { for kind, c in var.clusters : kind => "${replace(c.arn, ":cluster/", ":task/")}/*" }

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
}

# The task role's policy as Terraform renders it (jsonencode, not aws_iam_policy_document), so that
# the mocked-provider tests read the very document IAM gets.
locals {
  task_policy = {
    for name, p in var.pools : name => {
      Version = "2012-10-17"
      Statement = concat(
        [
          {
            # Job hooks set task scale-in protection through the ECS agent endpoint while a job runs.
            Sid      = "ProtectOwnTasksFromScaleIn"
            Effect   = "Allow"
            Action   = ["ecs:GetTaskProtection", "ecs:UpdateTaskProtection"]
            Resource = [local.task_arn_pattern[p.cluster]]
          },
          {
            # The entrypoint reads its runner's JIT configuration once and deletes it (single use).
            # Only the scaler's prefix; the SecureString is decrypted with the AWS managed key
            # alias/aws/ssm, whose key policy allows it through SSM for principals of the account, so
            # no kms statement is needed.
            Sid      = "ReadAndDeleteOwnJitConfiguration"
            Effect   = "Allow"
            Action   = ["ssm:DeleteParameter", "ssm:GetParameter"]
            Resource = [local.jit_parameter_arn_pattern]
          },
          {
            # Readers: ClientMount alone, through the read-only access point; writers: also ClientWrite,
            # through the read-write one.
            Sid      = local.tool_cache[name].write ? "MountRuntimeEfsReadWrite" : "MountRuntimeEfsReadOnly"
            Effect   = "Allow"
            Action   = local.tool_cache[name].actions
            Resource = [var.runtime_file_systems[p.arch].file_system_arn]
            Condition = {
              StringEquals = { "elasticfilesystem:AccessPointArn" = local.tool_cache[name].access_point_arn }
            }
          },
        ],
        p.cluster == "ecs" ? [{
          Sid      = "LogRouterForwardsDindLogs"
          Effect   = "Allow"
          Action   = ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
          Resource = ["${aws_cloudwatch_log_group.runner[name].arn}:*"]
        }] : [],
      )
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
  description        = "Task role of runner pool ${each.key}: scale-in protection, its JIT configuration and the runtime EFS only (jobs get cache credentials through OIDC)"
  assume_role_policy = data.aws_iam_policy_document.tasks_trust.json
  tags               = merge(var.tags, { Pool = each.key })
}

resource "aws_iam_role_policy" "task" {
  for_each = var.pools

  name   = "task"
  role   = aws_iam_role.task[each.key].id
  policy = jsonencode(local.task_policy[each.key])
}

# --- Task definitions (tasks are started by the scaler with RunTask: no service) ------------------------------------------------------------------

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
  # A replaced revision stays ACTIVE: the scaler keeps starting runners with the revision in its POOLS
  # (ECS refuses RunTask with an INACTIVE one) until stack 07 is applied with the new one.
  skip_destroy = true

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
        access_point_id = local.tool_cache[each.key].access_point_id
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
