output "cluster_name" {
  description = "Name of the ECS on EC2 cluster."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the ECS on EC2 cluster."
  value       = aws_ecs_cluster.this.arn
}

output "capacity_providers" {
  description = "Capacity provider name per pool (the strategy the scaler starts the pool's tasks with)."
  value       = { for k, cp in aws_ecs_capacity_provider.agent : k => cp.name }
}

output "auto_scaling_groups" {
  description = "Auto scaling group name per pool."
  value       = { for k, g in aws_autoscaling_group.agent : k => g.name }
}

output "agent_security_group_id" {
  description = "Security group of the agents."
  value       = aws_security_group.agent.id
}

output "data_mount_path" {
  description = "Where agents mount their XFS volume (the runner tasks bind-mount it into dind)."
  value       = var.data_mount_path
}
