output "pools" {
  description = "Per pool, what the scaler needs to start one of its tasks (the task part of a POOLS entry, scaler/INTERFACE.md): cluster_arn, task_definition_arn, container_name, capacity_provider_strategy, launch_type, network, task_role_arn, execution_role_arn, log_group."
  value = {
    for k, p in local.pool : k => {
      cluster_arn         = var.clusters[p.cluster].arn
      task_definition_arn = aws_ecs_task_definition.runner[k].arn
      container_name      = "runner"
      # A capacity provider strategy, never a launch type: ECS on EC2 tasks started with their
      # capacity provider make managed scaling add agents for them.
      capacity_provider_strategy = [{
        capacity_provider = p.ecs ? var.capacity_providers[k] : p.capacity
        weight            = 1
        base              = 0
      }]
      launch_type = null
      # Every task definition uses awsvpc networking.
      network = {
        subnets          = var.subnet_ids
        security_groups  = concat([aws_security_group.runner.id], var.security_group_ids)
        assign_public_ip = false
      }
      task_role_arn      = aws_iam_role.task[k].arn
      execution_role_arn = aws_iam_role.execution[k].arn
      log_group          = aws_cloudwatch_log_group.runner[k].name
    }
  }
}

output "task_role_arns" {
  description = "Task role ARN per pool."
  value       = { for k, r in aws_iam_role.task : k => r.arn }
}

output "security_group_id" {
  description = "Security group of the runner tasks."
  value       = aws_security_group.runner.id
}

output "dind_capabilities" {
  description = "Capabilities added to the dind container, in order (SYS_ADMIN, NET_ADMIN, then the extras)."
  value       = local.dind_capabilities
}
