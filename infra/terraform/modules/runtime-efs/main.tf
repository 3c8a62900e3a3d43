locals {
  mount_targets = {
    for pair in setproduct(var.architectures, var.subnet_ids) : "${pair[0]}/${pair[1]}" => { arch = pair[0], subnet_id = pair[1] }
  }
}

# Runner tasks carry the client group; the file systems accept NFS only from it.
resource "aws_security_group" "clients" {
  name        = "${var.name_prefix}-runtime-efs-clients"
  description = "Runner tasks that mount the runtime EFS file systems"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name_prefix}-runtime-efs-clients" })
}

resource "aws_security_group" "efs" {
  name        = "${var.name_prefix}-runtime-efs"
  description = "Runtime EFS mount targets: NFS from runner tasks only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name_prefix}-runtime-efs" })
}

resource "aws_vpc_security_group_ingress_rule" "nfs_from_clients" {
  security_group_id            = aws_security_group.efs.id
  description                  = "NFS from runner tasks"
  ip_protocol                  = "tcp"
  from_port                    = 2049
  to_port                      = 2049
  referenced_security_group_id = aws_security_group.clients.id
  tags                         = var.tags
}

resource "aws_vpc_security_group_egress_rule" "clients_to_efs" {
  security_group_id            = aws_security_group.clients.id
  description                  = "NFS to the runtime file systems"
  ip_protocol                  = "tcp"
  from_port                    = 2049
  to_port                      = 2049
  referenced_security_group_id = aws_security_group.efs.id
  tags                         = var.tags
}

resource "aws_efs_file_system" "runtime" {
  for_each = var.architectures

  creation_token   = "${var.name_prefix}-runtime-${each.key}"
  encrypted        = true
  performance_mode = "generalPurpose"
  throughput_mode  = var.throughput_mode

  dynamic "lifecycle_policy" {
    for_each = var.transition_to_ia == null ? [] : [var.transition_to_ia]
    content {
      transition_to_ia = lifecycle_policy.value
    }
  }

  tags = merge(var.tags, { Name = "${var.name_prefix}-runtime-${each.key}", Architecture = each.key })
}

resource "aws_efs_mount_target" "runtime" {
  for_each = local.mount_targets

  file_system_id  = aws_efs_file_system.runtime[each.value.arch].id
  subnet_id       = each.value.subnet_id
  security_groups = [aws_security_group.efs.id]
}

# Two doors into the same folder. The read-write access point is for the tool cache's writers only
# (pools with runtime_sync_push = true); every other runner task mounts through the read-only one, which
# the file system policy below forbids to write whatever the caller's IAM policy says.
resource "aws_efs_access_point" "runtime" {
  for_each = var.architectures

  file_system_id = aws_efs_file_system.runtime[each.key].id

  posix_user {
    uid = var.runner_uid
    gid = var.runner_uid
  }

  root_directory {
    path = var.root_directory
    creation_info {
      owner_uid   = var.runner_uid
      owner_gid   = var.runner_uid
      permissions = "0755"
    }
  }

  tags = merge(var.tags, { Name = "${var.name_prefix}-runtime-${each.key}", Architecture = each.key, Access = "read-write" })
}

resource "aws_efs_access_point" "read_only" {
  for_each = var.architectures

  file_system_id = aws_efs_file_system.runtime[each.key].id

  posix_user {
    uid = var.runner_uid
    gid = var.runner_uid
  }

  root_directory {
    path = var.root_directory
    creation_info {
      owner_uid   = var.runner_uid
      owner_gid   = var.runner_uid
      permissions = "0755"
    }
  }

  tags = merge(var.tags, { Name = "${var.name_prefix}-runtime-${each.key}-read-only", Architecture = each.key, Access = "read-only" })
}

# The file system policy as IAM gets it (jsonencode, so that the mocked-provider tests read this very
# document). It grants nothing: with a file system policy in place EFS allows an action only when an
# identity policy (the runner-service task roles) or this policy allows it, so a client without IAM
# (anonymous NFS, e.g. a user-space NFS client in a job) gets nothing. Its Deny statements hold whatever
# a task role says; EFS enforces only aws:SecureTransport, aws:SourceIp, elasticfilesystem:AccessPointArn
# and elasticfilesystem:AccessedViaMountTarget as conditions here, so the rules are expressed with them.
locals {
  file_system_policy = {
    for arch in var.architectures : arch => {
      Version = "2012-10-17"
      Statement = [
        {
          Sid       = "DenyInsecureTransport"
          Effect    = "Deny"
          Principal = { AWS = "*" }
          Action    = "*"
          Resource  = aws_efs_file_system.runtime[arch].arn
          Condition = { Bool = { "aws:SecureTransport" = "false" } }
        },
        {
          Sid       = "MountTargetsOnly"
          Effect    = "Deny"
          Principal = { AWS = "*" }
          Action    = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite", "elasticfilesystem:ClientRootAccess"]
          Resource  = aws_efs_file_system.runtime[arch].arn
          Condition = { Bool = { "elasticfilesystem:AccessedViaMountTarget" = "false" } }
        },
        {
          Sid       = "MountThroughTheAccessPointsOnly"
          Effect    = "Deny"
          Principal = { AWS = "*" }
          Action    = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite", "elasticfilesystem:ClientRootAccess"]
          Resource  = aws_efs_file_system.runtime[arch].arn
          Condition = { StringNotEquals = { "elasticfilesystem:AccessPointArn" = [aws_efs_access_point.runtime[arch].arn, aws_efs_access_point.read_only[arch].arn] } }
        },
        {
          # A task that mounts through the read-only access point cannot write, even if its role allows it.
          Sid       = "ReadOnlyAccessPointNeverWrites"
          Effect    = "Deny"
          Principal = { AWS = "*" }
          Action    = ["elasticfilesystem:ClientWrite", "elasticfilesystem:ClientRootAccess"]
          Resource  = aws_efs_file_system.runtime[arch].arn
          Condition = { StringEquals = { "elasticfilesystem:AccessPointArn" = aws_efs_access_point.read_only[arch].arn } }
        },
        {
          # The access points map every client to the runner uid; nobody needs NFS root.
          Sid       = "NoRootAccess"
          Effect    = "Deny"
          Principal = { AWS = "*" }
          Action    = "elasticfilesystem:ClientRootAccess"
          Resource  = aws_efs_file_system.runtime[arch].arn
        },
      ]
    }
  }
}

resource "aws_efs_file_system_policy" "runtime" {
  for_each = var.emulator_unsupported_off ? toset([]) : var.architectures

  file_system_id = aws_efs_file_system.runtime[each.key].id
  policy         = jsonencode(local.file_system_policy[each.key])
}
