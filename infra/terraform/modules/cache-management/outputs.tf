output "reader_role_arn" {
  description = "Role for dazn-cache list and usage (null when nobody may assume it)."
  value       = try(aws_iam_role.this["reader"].arn, null)
}

output "pruner_role_arn" {
  description = "Role for dazn-cache delete and prune and the prune/ step (null when nobody may assume it)."
  value       = try(aws_iam_role.this["pruner"].arn, null)
}
