output "parameter_names" {
  description = "Output name => SSM parameter name."
  value       = { for k, p in aws_ssm_parameter.output : k => p.name }
}
