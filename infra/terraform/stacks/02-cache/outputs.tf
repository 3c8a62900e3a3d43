output "bucket_name" {
  description = "Cache bucket (the action's `bucket`)."
  value       = module.bucket.bucket_name
}

output "cache_role_arn" {
  description = "Role for any ref (the action's `role-to-assume`)."
  value       = module.roles.cache_role_arn
}

output "default_branch_role_arn" {
  description = "Role for default-branch refs (the action's `default-branch-role`)."
  value       = module.roles.default_branch_role_arn
}

output "cache_reader_role_arn" {
  description = "Role for dazn-cache list and usage (null unless cache_reader_* names someone)."
  value       = module.management.reader_role_arn
}

output "cache_pruner_role_arn" {
  description = "Role for dazn-cache delete and prune and the prune/ step (null unless cache_pruner_* names someone)."
  value       = module.management.pruner_role_arn
}
