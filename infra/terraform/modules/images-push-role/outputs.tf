output "role_arn" {
  description = "ARN of the push role: the value of the repository secret IMAGES_PUSH_ROLE_ARN."
  value       = aws_iam_role.this.arn
}

output "oidc_provider_arn" {
  description = "ARN of the GitHub OIDC provider the role trusts (created here, or oidc_provider_arn)."
  value       = local.oidc_provider_arn
}

output "subject" {
  description = "The one `sub` the trust accepts: repo:<github_repository>:ref:refs/heads/<branch>."
  value       = local.subject
}

output "trust_policy" {
  description = "The role's trust policy (JSON)."
  value       = local.trust_policy
}

output "permission_policy" {
  description = "The role's permission policy (JSON)."
  value       = local.permission_policy
}
