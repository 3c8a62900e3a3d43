output "webhook_url" {
  description = "The function URL to enter as the GitHub App's webhook URL (events: Workflow job)."
  value       = aws_lambda_function_url.webhook.function_url
}

output "function_names" {
  description = "Names of the webhook and reconciler functions."
  value       = { webhook = aws_lambda_function.webhook.function_name, reconciler = aws_lambda_function.reconciler.function_name }
}

output "app_key_secret_arn" {
  description = "Secrets Manager secret for the GitHub App's PEM private key (created empty; put its value, README)."
  value       = aws_secretsmanager_secret.app_key.arn
}

output "webhook_secret_arn" {
  description = "Secrets Manager secret for the webhook secret (created empty; put its value and enter the same in the App, README)."
  value       = aws_secretsmanager_secret.webhook_secret.arn
}

output "state_table" {
  description = "DynamoDB table of the scaler's state (STATE_TABLE)."
  value       = aws_dynamodb_table.state.name
}

output "role_arn" {
  description = "The functions' IAM role."
  value       = aws_iam_role.scaler.arn
}

output "pools_json" {
  description = "The POOLS document (scaler/INTERFACE.md) as JSON, in routing order; the functions get it as is or gzipped and base64-encoded (pools_encoding)."
  value       = local.pools_json
}

output "pools_encoding" {
  description = "How the functions' POOLS is written: json or gzip-base64."
  value       = local.pools_encoded == local.pools_json ? "json" : "gzip-base64"
}

output "environment_bytes" {
  description = "Size of the functions' environment in bytes (Lambda's limit: 4096)."
  value       = local.environment_bytes
}
