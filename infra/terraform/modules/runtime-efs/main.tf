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

  tags = merge(var.tags, { Name = "${var.name_prefix}-runtime-${each.key}", Architecture = each.key })
}

data "aws_iam_policy_document" "file_system" {
  for_each = var.architectures

  # With a file system policy, EFS grants only what the policy allows.
  statement {
    sid       = "AllowMountThroughMountTargets"
    effect    = "Allow"
    actions   = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    resources = [aws_efs_file_system.runtime[each.key].arn]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "elasticfilesystem:AccessedViaMountTarget"
      values   = ["true"]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["*"]
    resources = [aws_efs_file_system.runtime[each.key].arn]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  statement {
    sid       = "MountThroughTheAccessPointOnly"
    effect    = "Deny"
    actions   = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite", "elasticfilesystem:ClientRootAccess"]
    resources = [aws_efs_file_system.runtime[each.key].arn]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "StringNotEquals"
      variable = "elasticfilesystem:AccessPointArn"
      values   = [aws_efs_access_point.runtime[each.key].arn]
    }
  }
}

resource "aws_efs_file_system_policy" "runtime" {
  for_each = var.emulator_unsupported_off ? toset([]) : var.architectures

  file_system_id = aws_efs_file_system.runtime[each.key].id
  policy         = data.aws_iam_policy_document.file_system[each.key].json
}
