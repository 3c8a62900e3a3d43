output "broker_url" {
  description = "The broker's function URL (DAZN_CACHE_BROKER_URL): POST with `Authorization: Bearer <job OIDC token>`."
  value       = aws_lambda_function_url.broker.function_url
}

output "audience" {
  description = "The audience the action requests its job token for (DAZN_CACHE_BROKER_AUDIENCE)."
  value       = var.audience
}

output "cache_role_arn" {
  description = "The isolated cache role (CACHE_ROLE_ARN of the broker); only the broker's role can assume it."
  value       = aws_iam_role.cache.arn
}

output "broker_role_arn" {
  description = "The broker function's execution role, the only principal the cache role trusts."
  value       = aws_iam_role.broker.arn
}

output "function_name" {
  description = "Name of the broker function."
  value       = aws_lambda_function.broker.function_name
}

output "cache_role_policy" {
  description = "The isolated cache role's permission policy as IAM gets it (JSON), for the policy matrix test."
  value       = jsonencode(local.cache_role_policy)
}

output "cache_role_trust_policy" {
  description = "The isolated cache role's trust policy as IAM gets it (JSON), for the policy matrix test."
  value       = jsonencode(local.cache_role_trust_policy)
}

output "broker_policy" {
  description = "The broker role's permission policy as IAM gets it (JSON), for the policy matrix test."
  value       = jsonencode(local.broker_policy)
}

output "environment" {
  description = "The broker function's environment (broker/INTERFACE.md)."
  value       = local.environment
}

output "layout" {
  description = "Where the isolated entries live: the bucket ARN and the key prefix (<prefix>/repo-<id>/ref-<hash>/...)."
  value       = { bucket_arn = var.bucket_arn, prefix = local.prefix }
}
