output "repository_urls" {
  description = "Repository URL per image (runner, dind, log-router, registry-mirror)."
  value       = module.ecr.repository_urls
}

output "images_push_role_arn" {
  description = "The push role's ARN: the value of the repository secret IMAGES_PUSH_ROLE_ARN (null without images_push_role)."
  value       = try(module.images_push_role[0].role_arn, null)
}

output "github_oidc_provider_arn" {
  description = "The GitHub OIDC provider the push role trusts (null without images_push_role); stack 02 takes it as oidc_provider_arn, with create_oidc_provider = false, if it needs one."
  value       = try(module.images_push_role[0].oidc_provider_arn, null)
}
