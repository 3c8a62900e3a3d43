mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{}" }
  }
  mock_data "aws_ssm_parameter" {
    defaults = { value = "ami-0123456789abcdef0" }
  }
  mock_resource "aws_autoscaling_group" {
    defaults = { arn = "arn:aws:autoscaling:eu-central-1:123456789012:autoScalingGroup:uuid:autoScalingGroupName/x" }
  }
  mock_resource "aws_launch_template" {
    defaults = { id = "lt-0123456789abcdef0" }
  }
  mock_resource "aws_iam_instance_profile" {
    defaults = { arn = "arn:aws:iam::123456789012:instance-profile/agent" }
  }
}

# The real pool map and schedule, from the runner-pools module's defaults.
run "pools" {
  command = plan
  module {
    source = "../runner-pools"
  }
}

variables {
  cluster_name        = "runners-ecs"
  vpc_id              = "vpc-1"
  subnet_ids          = ["subnet-a", "subnet-b"]
  registry_mirror_url = "http://mirror.internal:5000"
}

run "four_pools_give_four_agent_groups_and_capacity_providers" {
  command = apply
  variables {
    pools = run.pools.ecs_pools
  }

  assert {
    condition     = length(aws_launch_template.agent) == 4 && length(aws_autoscaling_group.agent) == 4 && length(aws_ecs_capacity_provider.agent) == 4
    error_message = "One launch template, auto scaling group and capacity provider per ECS pool."
  }
  assert {
    condition     = [for o in one(one(aws_autoscaling_group.agent["ecs-x64-spot"].mixed_instances_policy).launch_template).override : o.instance_type] == ["t3.2xlarge", "m5.2xlarge", "m5a.2xlarge", "m6i.2xlarge", "m6a.2xlarge", "m7i.2xlarge"]
    error_message = "A spot pool offers its own type first, then the same-size alternatives of its architecture."
  }
  assert {
    condition     = [for o in one(one(aws_autoscaling_group.agent["ecs-arm64-ondemand"].mixed_instances_policy).launch_template).override : o.instance_type] == ["t4g.2xlarge"]
    error_message = "An on-demand pool uses its own type (Graviton for arm64)."
  }
  assert {
    condition = (one(one(aws_autoscaling_group.agent["ecs-arm64-spot"].mixed_instances_policy).instances_distribution).on_demand_percentage_above_base_capacity == 0
      && one(one(aws_autoscaling_group.agent["ecs-arm64-spot"].mixed_instances_policy).instances_distribution).on_demand_base_capacity == 0
      && one(one(aws_autoscaling_group.agent["ecs-arm64-spot"].mixed_instances_policy).instances_distribution).spot_allocation_strategy == "price-capacity-optimized"
    && one(one(aws_autoscaling_group.agent["ecs-arm64-ondemand"].mixed_instances_policy).instances_distribution).on_demand_percentage_above_base_capacity == 100)
    error_message = "Spot pools are all spot (price-capacity-optimized); on-demand pools all on-demand."
  }
  assert {
    condition     = alltrue([for lt in aws_launch_template.agent : length(lt.instance_market_options) == 0 && lt.instance_type == null])
    error_message = "Launch templates set no market options or type: a mixed instances policy refuses them."
  }
  assert {
    condition     = aws_iam_role_policy_attachment.agent_ecs.policy_arn == "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
    error_message = "Agents use AWS's managed container instance policy (its UpdateContainerInstancesState on * lets spot draining act on the container-instance ARN)."
  }
  assert {
    condition     = alltrue([for lt in aws_launch_template.agent : anytrue([for b in lt.block_device_mappings : b.device_name == "/dev/xvdb" && one(b.ebs).volume_size == 120])])
    error_message = "Every agent gets the extra 120 GB volume."
  }
  assert {
    condition     = alltrue([for lt in aws_launch_template.agent : one(lt.metadata_options).http_tokens == "required" && one(lt.metadata_options).http_put_response_hop_limit == 1])
    error_message = "IMDSv2 only, unreachable from the tasks."
  }
  assert {
    condition     = strcontains(base64decode(aws_launch_template.agent["ecs-x64-spot"].user_data), "ECS_ENABLE_SPOT_INSTANCE_DRAINING=true") && strcontains(base64decode(aws_launch_template.agent["ecs-x64-spot"].user_data), "http://mirror.internal:5000")
    error_message = "User data drains spot agents and names the registry mirror."
  }
  assert {
    condition     = alltrue([for cp in aws_ecs_capacity_provider.agent : one(cp.auto_scaling_group_provider).managed_termination_protection == "ENABLED"])
    error_message = "Agents running tasks are protected from scale-in."
  }
  assert {
    condition     = toset(aws_ecs_cluster_capacity_providers.this.capacity_providers) == toset([for cp in aws_ecs_capacity_provider.agent : cp.name])
    error_message = "The cluster offers every pool's capacity provider."
  }
}

run "agents_follow_the_tasks_through_managed_scaling" {
  command = plan
  variables {
    pools = run.pools.ecs_pools
  }

  assert {
    condition = alltrue([for cp in aws_ecs_capacity_provider.agent :
      one(one(cp.auto_scaling_group_provider).managed_scaling).status == "ENABLED"
      && one(one(cp.auto_scaling_group_provider).managed_scaling).target_capacity == 100
    ])
    error_message = "Every capacity provider scales its agents (managed scaling, target capacity 100 %)."
  }
  assert {
    condition     = alltrue([for g in aws_autoscaling_group.agent : g.min_size == 0 && g.desired_capacity == 0 && g.max_size > g.min_size])
    error_message = "Agent groups start empty and may grow: min 0, never pinned to max (managed scaling could not act)."
  }
  assert {
    condition     = aws_autoscaling_group.agent["ecs-x64-spot"].max_size == 15 && aws_autoscaling_group.agent["ecs-arm64-ondemand"].max_size == 5
    error_message = "At most ceil(max_runners / tasks per agent) agents: 30 / 2 = 15, 10 / 2 = 5."
  }
  assert {
    condition = alltrue([for k, g in aws_autoscaling_group.agent : g.protect_from_scale_in
    && one(aws_ecs_capacity_provider.agent[k].auto_scaling_group_provider).managed_termination_protection == "ENABLED"])
    error_message = "Agents are scale-in protected and the capacity provider releases only those without tasks."
  }
}

run "rejects_a_target_capacity_above_100" {
  command = plan
  variables {
    pools           = run.pools.ecs_pools
    target_capacity = 120
  }
  expect_failures = [var.target_capacity]
}

run "rejects_a_reserved_name_prefix" {
  command = plan
  variables {
    name_prefix = "ecs-runners"
    pools       = run.pools.ecs_pools
  }
  expect_failures = [var.name_prefix]
}

run "spot_pools_may_start_an_on_demand_base" {
  command = plan
  variables {
    pools                        = run.pools.ecs_pools
    spot_on_demand_base_capacity = 1
  }

  assert {
    condition     = one(one(aws_autoscaling_group.agent["ecs-x64-spot"].mixed_instances_policy).instances_distribution).on_demand_base_capacity == 1 && one(one(aws_autoscaling_group.agent["ecs-x64-ondemand"].mixed_instances_policy).instances_distribution).on_demand_base_capacity == 0
    error_message = "The on-demand base applies to spot pools."
  }
}
