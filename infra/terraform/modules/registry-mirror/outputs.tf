output "url" {
  description = "Registry mirror URL for dockerd's registry-mirrors, plain HTTP inside the VPC (dockerd uses a mirror's http:// scheme as given; no insecure-registries entry is needed)."
  value       = "http://${aws_lb.mirror.dns_name}:${var.port}"
}

output "bucket_name" {
  description = "Bucket holding the mirrored layers."
  value       = aws_s3_bucket.layers.id
}

output "security_group_id" {
  description = "Security group of the mirror tasks."
  value       = aws_security_group.mirror.id
}

output "storage_roots" {
  description = "Storage root in the bucket per mirror task (subnet => root): one writer per root."
  value       = { for subnet, replica in local.replicas : subnet => replica.root }
}

output "cache_ttl" {
  description = "The proxy's TTL (REGISTRY_PROXY_TTL) and the bucket's expiry in days, both from cache_ttl_days."
  value       = { proxy_ttl = local.proxy_ttl, bucket_expiry_days = local.bucket_expiry_days }
}

output "dockerhub_credentials_secret_arn" {
  description = "The Secrets Manager secret the mirror tasks read their Docker Hub credentials from; null = anonymous pulls."
  value       = var.dockerhub_credentials_secret_arn
}

output "service_names" {
  description = "The mirror's ECS services, one per subnet (for the platform alarms)."
  value       = [for subnet in sort(keys(aws_ecs_service.mirror)) : aws_ecs_service.mirror[subnet].name]
}
