output "bucket_name" {
  description = "Cache bucket (the action's `bucket`)."
  value       = module.bucket.bucket_name
}

output "broker_url" {
  description = "The credential broker's function URL (the action's `broker-url` / DAZN_CACHE_BROKER_URL)."
  value       = module.broker.broker_url
}

output "broker_audience" {
  description = "The audience of the job token the broker accepts (the action's `broker-audience` / DAZN_CACHE_BROKER_AUDIENCE)."
  value       = module.broker.audience
}

output "isolated_cache_role_arn" {
  description = "The isolated cache role the broker assumes with session tags (nobody else can assume it)."
  value       = module.broker.cache_role_arn
}

output "broker_function_name" {
  description = "Name of the broker function (its logs: /aws/lambda/<name>)."
  value       = module.broker.function_name
}

output "cache_role_arn" {
  description = "Legacy any-ref OIDC role (the action's `role-to-assume`); null unless legacy_oidc_roles."
  value       = var.legacy_oidc_roles ? module.roles[0].cache_role_arn : null
}

output "default_branch_role_arn" {
  description = "Legacy default-branch OIDC role (the action's `default-branch-role`); null unless legacy_oidc_roles."
  value       = var.legacy_oidc_roles ? module.roles[0].default_branch_role_arn : null
}

output "cache_reader_role_arn" {
  description = "Role for dazn-cache list and usage (null unless cache_reader_* names someone)."
  value       = module.management.reader_role_arn
}

output "cache_pruner_role_arn" {
  description = "Role for dazn-cache delete and prune and the prune/ step (null unless cache_pruner_* names someone)."
  value       = module.management.pruner_role_arn
}
