output "values" {
  description = "Output name => decoded value."
  # Plain String parameters: the data source marks every value sensitive, these are not.
  value = { for k, p in data.aws_ssm_parameter.output : k => jsondecode(nonsensitive(p.value)) }
}
