output "webhook_url" {
  description = "Enter as the GitHub App's webhook URL (subscribe to Workflow job events)."
  value       = module.scaler.webhook_url
}

output "app_key_secret_arn" {
  description = "Secret to put the GitHub App's private key (PEM) into."
  value       = module.scaler.app_key_secret_arn
}

output "webhook_secret_arn" {
  description = "Secret to put the webhook secret into (the same value as in the App's settings)."
  value       = module.scaler.webhook_secret_arn
}

output "function_names" {
  description = "The webhook and reconciler functions (their logs: /aws/lambda/<name>)."
  value       = module.scaler.function_names
}

output "state_table" {
  description = "The scaler's DynamoDB table."
  value       = module.scaler.state_table
}

output "pools_json" {
  description = "The POOLS document the functions get, in routing order."
  value       = module.scaler.pools_json
}

output "alarm_topic_arn" {
  description = "SNS topic of the platform alarms: subscribe the team's e-mail, chat or paging to it."
  value       = module.alarms.alarm_topic_arn
}
