output "url" {
  description = "Registry mirror URL for dockerd's registry-mirrors (plain HTTP inside the VPC: agents and dind also list its host under insecure-registries)."
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
