locals {
  arches_needing_ami = toset([for p in var.pools : p.arch if !contains(keys(var.ami_ids), p.arch)])
  ami_ssm_parameter = {
    x86_64 = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
    arm64  = "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"
  }
  ami_ids = merge({ for a, p in data.aws_ssm_parameter.ami : a => nonsensitive(p.value) }, var.ami_ids)

  user_data_template = coalesce(var.user_data_template_path, "${path.module}/templates/user-data.sh.tftpl")
  data_device_name   = "/dev/xvdb"

  # The pool's own type first (on-demand's first choice), then the same-size alternatives of its
  # architecture for spot pools.
  instance_types = { for name, p in var.pools : name => p.spot ? distinct(concat([p.instance_type], var.spot_instance_types[p.arch])) : [p.instance_type] }
}

data "aws_ssm_parameter" "ami" {
  for_each = local.arches_needing_ami
  name     = local.ami_ssm_parameter[each.key]
}

resource "aws_ecs_cluster" "this" {
  name = var.cluster_name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  tags = merge(var.tags, { Cluster = var.cluster_name })
}

# --- Agent identity --------------------------------------------------------------------------

data "aws_iam_policy_document" "agent_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "agent" {
  name               = "${var.name_prefix}-ecs-agent"
  description        = "ECS container agents of ${var.cluster_name}"
  assume_role_policy = data.aws_iam_policy_document.agent_trust.json
  tags               = var.tags
}

# AWS's managed policy for container instances, not a hand-written one: it follows the agent's needs
# as ECS adds them, and its ecs:UpdateContainerInstancesState is on "*", which spot draining needs
# (ECS_ENABLE_SPOT_INSTANCE_DRAINING: the agent sets its own container instance to DRAINING, and that
# action's resource is the container-instance ARN, arn:aws:ecs:<region>:<account>:container-instance/
# <cluster>/<id>; the earlier hand-written policy allowed it on the cluster ARN only, so draining was
# denied). What it allows besides (ecs:CreateCluster, logs to any group, ECR pulls from any repository
# in the account) reaches the agent only: tasks use their own roles and cannot reach the instance's
# credentials (IMDS hop limit 1, ECS_AWSVPC_BLOCK_IMDS).
resource "aws_iam_role_policy_attachment" "agent_ecs" {
  role       = aws_iam_role.agent.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
}

data "aws_partition" "current" {}

resource "aws_iam_role_policy_attachment" "agent" {
  for_each = toset(var.agent_managed_policy_arns)

  role       = aws_iam_role.agent.name
  policy_arn = each.value
}

resource "aws_iam_instance_profile" "agent" {
  name = "${var.name_prefix}-ecs-agent"
  role = aws_iam_role.agent.name
  tags = var.tags
}

resource "aws_security_group" "agent" {
  name        = "${var.name_prefix}-ecs-agents"
  description = "ECS agents: no inbound, outbound to AWS APIs, GitHub and the registry mirror"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name_prefix}-ecs-agents" })
}

resource "aws_vpc_security_group_egress_rule" "agent_all" {
  security_group_id = aws_security_group.agent.id
  description       = "Everything out (ECS, ECR, GitHub, registry mirror)"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
  tags              = var.tags
}

# --- One launch template, auto scaling group and capacity provider per pool --------------------

resource "aws_launch_template" "agent" {
  for_each = var.pools

  name        = "${var.name_prefix}-${each.key}"
  description = "ECS agent of pool ${each.key} (${each.value.arch}, ${each.value.capacity})"
  image_id    = local.ami_ids[each.value.arch]
  # The instance types (and spot or on-demand) come from the group's mixed instances policy.
  update_default_version = true
  vpc_security_group_ids = [aws_security_group.agent.id]
  ebs_optimized          = true

  iam_instance_profile {
    arn = aws_iam_instance_profile.agent.arn
  }

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1 # runner tasks (awsvpc) cannot reach the agent's credentials
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size           = var.root_volume_gib
      volume_type           = "gp3"
      encrypted             = true
      delete_on_termination = true
    }
  }

  # The shared XFS volume of the agent's runner tasks (dind data roots, work folders).
  block_device_mappings {
    device_name = local.data_device_name
    ebs {
      volume_size           = each.value.data_volume_gib
      volume_type           = "gp3"
      encrypted             = true
      delete_on_termination = true
    }
  }

  user_data = base64encode(templatefile(local.user_data_template, {
    # The variables of infra/images/agent-host/user-data.sh.tftpl ...
    cluster_name        = aws_ecs_cluster.this.name
    registry_mirror_url = var.registry_mirror_url
    ebs_device_name     = local.data_device_name
    mount_point         = var.data_mount_path
    # ... and what a template may use besides.
    pool_name              = each.key
    arch                   = each.value.arch
    spot                   = each.value.spot
    container_stop_timeout = var.container_stop_timeout
    tasks_per_instance     = each.value.tasks_per_instance
  }))

  tag_specifications {
    resource_type = "instance"
    tags          = merge(var.tags, { Name = "${var.name_prefix}-${each.key}", Pool = each.key })
  }

  tag_specifications {
    resource_type = "volume"
    tags          = merge(var.tags, { Pool = each.key })
  }

  tags = merge(var.tags, { Pool = each.key })
}

resource "aws_autoscaling_group" "agent" {
  for_each = var.pools

  name                = "${var.name_prefix}-${each.key}"
  vpc_zone_identifier = var.subnet_ids
  # The capacity provider's managed scaling moves desired_capacity between 0 and max_agents from the
  # tasks the scaler starts (RunTask with this capacity provider): no agent without runner tasks.
  min_size              = 0
  max_size              = each.value.max_agents
  desired_capacity      = 0
  capacity_rebalance    = each.value.spot
  protect_from_scale_in = true # the capacity provider's managed termination protection releases idle agents
  health_check_type     = "EC2"
  # Do not block apply on instances booting: the capacity provider moves the size.
  wait_for_capacity_timeout = "0"
  default_cooldown          = 60
  # Agents are protected from scale-in, so a destroy waits for them forever unless told otherwise.
  force_delete = var.force_delete_agents

  # Several instance types of the same size (8 vCPU, 32 GiB: tasks_per_instance holds for each), so a
  # spot pool finds capacity when one type's spot pool is empty; on-demand pools use their own type.
  mixed_instances_policy {
    instances_distribution {
      on_demand_base_capacity                  = each.value.spot ? var.spot_on_demand_base_capacity : 0
      on_demand_percentage_above_base_capacity = each.value.spot ? 0 : 100
      spot_allocation_strategy                 = "price-capacity-optimized"
      on_demand_allocation_strategy            = "prioritized"
    }

    launch_template {
      launch_template_specification {
        launch_template_id = aws_launch_template.agent[each.key].id
        version            = "$Latest"
      }

      dynamic "override" {
        for_each = local.instance_types[each.key]
        content {
          instance_type = override.value
        }
      }
    }
  }

  instance_refresh {
    strategy = "Rolling"
    preferences {
      min_healthy_percentage = 50
    }
  }

  tag {
    key                 = "AmazonECSManaged"
    value               = "true"
    propagate_at_launch = true
  }

  dynamic "tag" {
    for_each = merge(var.tags, { Pool = each.key })
    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = true
    }
  }

  lifecycle {
    # Managed scaling moves the desired capacity; min and max stay Terraform's.
    ignore_changes = [desired_capacity]
  }
}

resource "aws_ecs_capacity_provider" "agent" {
  for_each = var.pools

  name = "${var.name_prefix}-${each.key}"

  auto_scaling_group_provider {
    auto_scaling_group_arn         = aws_autoscaling_group.agent[each.key].arn
    managed_termination_protection = "ENABLED"
    managed_draining               = "ENABLED"

    managed_scaling {
      status                    = "ENABLED"
      target_capacity           = var.target_capacity
      minimum_scaling_step_size = 1
      maximum_scaling_step_size = max(1, each.value.max_agents)
    }
  }

  tags = merge(var.tags, { Pool = each.key })
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = [for cp in aws_ecs_capacity_provider.agent : cp.name]
}
