output "file_systems" {
  description = "Runtime EFS per architecture: file system and access point ids and ARNs."
  value       = module.efs.file_systems
}

output "client_security_group_id" {
  description = "Security group the runner tasks carry to mount the file systems."
  value       = module.efs.client_security_group_id
}
