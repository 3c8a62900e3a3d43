output "file_systems" {
  description = "Per architecture: file_system_id, file_system_arn, access_point_id and access_point_arn (read-write: the tool cache's writers), read_only_access_point_id and read_only_access_point_arn (every other runner task), for the runner task's EFS volume and its IAM policy."
  value = {
    for arch in var.architectures : arch => {
      file_system_id   = aws_efs_file_system.runtime[arch].id
      file_system_arn  = aws_efs_file_system.runtime[arch].arn
      access_point_id  = aws_efs_access_point.runtime[arch].id
      access_point_arn = aws_efs_access_point.runtime[arch].arn
      # Runner tasks of pools that must not write the tool cache (all but its writers) mount through this.
      read_only_access_point_id  = aws_efs_access_point.read_only[arch].id
      read_only_access_point_arn = aws_efs_access_point.read_only[arch].arn
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
