output "cache_role_arn" {
  description = "Role for jobs on any ref of the organisation (the action's `role-to-assume` / DAZN_CACHE_ROLE_ARN); it cannot write default-branch scopes."
  value       = aws_iam_role.this["cache"].arn
}

output "default_branch_role_arn" {
  description = "Role for jobs on a default branch (the action's `default-branch-role` / DAZN_CACHE_DEFAULT_BRANCH_ROLE_ARN)."
  value       = aws_iam_role.this["default_branch"].arn
}

output "oidc_provider_arn" {
  description = "ARN of the GitHub OIDC provider the roles trust."
  value       = local.oidc_provider_arn
}

output "default_branch_scopes" {
  description = "Scope segments (encoded refs) that only the default-branch role may write."
  value       = local.default_branch_scopes
}
