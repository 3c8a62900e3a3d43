output "cluster_name" {
  description = "Name of the Fargate cluster."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the Fargate cluster."
  value       = aws_ecs_cluster.this.arn
}

output "capacity_providers" {
  description = "Capacity providers of the cluster (FARGATE, FARGATE_SPOT)."
  value       = aws_ecs_cluster_capacity_providers.this.capacity_providers
}
