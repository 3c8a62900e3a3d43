output "repository_urls" {
  description = "Repository URL per image name (push/pull address without tag)."
  value       = { for k, r in aws_ecr_repository.this : k => r.repository_url }
}

output "repository_arns" {
  description = "Repository ARN per image name (for pull permissions)."
  value       = { for k, r in aws_ecr_repository.this : k => r.arn }
}

output "repository_names" {
  description = "Full repository name per image name (<name_prefix>/<image>)."
  value       = { for k, r in aws_ecr_repository.this : k => r.name }
}
