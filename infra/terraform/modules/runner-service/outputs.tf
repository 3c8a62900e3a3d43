output "services" {
  description = "Per pool: service name, cluster kind, capacity provider, task definition ARN, log group."
  value = {
    for k, s in aws_ecs_service.runner : k => {
      name                = s.name
      cluster             = local.pool[k].cluster
      capacity_provider   = one(s.capacity_provider_strategy).capacity_provider
      task_definition_arn = aws_ecs_task_definition.runner[k].arn
      log_group           = aws_cloudwatch_log_group.runner[k].name
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
