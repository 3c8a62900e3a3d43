output "repository_prefix" {
  description = "Prefix of the ECR repository names (<repository_prefix>/<image>), from the definition."
  value       = local.definition.repository_prefix
}

output "repositories" {
  description = "The image names, one ECR repository each (runner, dind, log-router, registry-mirror)."
  value       = toset(keys(local.definition.images))
}

output "refs" {
  description = "Image reference per key (runner-ecs, runner-fargate, dind, log-router, registry-mirror) = <repository url>:<tag><suffix>, what publish.sh --refs prints; {} without repository_urls or tag."
  value       = local.refs
}

output "platforms" {
  description = "The platforms every image is built for (linux/amd64, linux/arm64)."
  value       = local.definition.platforms
}
