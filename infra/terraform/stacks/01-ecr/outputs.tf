output "repository_urls" {
  description = "Repository URL per image (runner, dind, log-router, registry-mirror)."
  value       = module.ecr.repository_urls
}
