output "file_systems" {
  description = "Per architecture: file_system_id, file_system_arn, access_point_id, access_point_arn (for the runner task's EFS volume and its IAM policy)."
  value = {
    for arch in var.architectures : arch => {
      file_system_id   = aws_efs_file_system.runtime[arch].id
      file_system_arn  = aws_efs_file_system.runtime[arch].arn
      access_point_id  = aws_efs_access_point.runtime[arch].id
      access_point_arn = aws_efs_access_point.runtime[arch].arn
    }
  }
}

output "client_security_group_id" {
  description = "Security group to attach to runner tasks so that they may mount the file systems."
  value       = aws_security_group.clients.id
}

output "efs_security_group_id" {
  description = "Security group of the mount targets."
  value       = aws_security_group.efs.id
}
