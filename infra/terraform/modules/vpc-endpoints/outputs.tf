output "s3_endpoint_id" {
  description = "ID of the S3 gateway endpoint; null when disabled."
  value       = one(aws_vpc_endpoint.s3[*].id)
}

output "interface_endpoint_ids" {
  description = "Interface endpoint ID per service; {} when disabled."
  value       = { for s, e in aws_vpc_endpoint.interface : s => e.id }
}

output "security_group_id" {
  description = "Security group of the interface endpoints; null when disabled."
  value       = one(aws_security_group.endpoints[*].id)
}
