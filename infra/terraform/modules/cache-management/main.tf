# Roles for managing the cache (the dazn-cache command and the prune/ step), apart from the roles
# jobs use: the reader lists entries and reads their last-access tag (usage, list), never their
# content; the pruner may also delete them (delete, prune). Neither can write an entry.
locals {
  issuer       = "token.actions.githubusercontent.com"
  entries_arn  = "${var.bucket_arn}/${var.prefix}/*"
  subjects     = { reader = var.reader_subjects, pruner = var.pruner_subjects }
  principals   = { reader = var.reader_principals, pruner = var.pruner_principals }
  delete_roles = { reader = false, pruner = true }
  roles = {
    for role in ["reader", "pruner"] : role => role
    if length(local.principals[role]) > 0 || (var.oidc_provider_arn != null && length(local.subjects[role]) > 0)
  }
}

data "aws_iam_policy_document" "trust" {
  for_each = local.roles

  dynamic "statement" {
    for_each = var.oidc_provider_arn != null && length(local.subjects[each.key]) > 0 ? [1] : []
    content {
      sid     = "GitHubActionsOidc"
      effect  = "Allow"
      actions = ["sts:AssumeRoleWithWebIdentity"]
      principals {
        type        = "Federated"
        identifiers = [var.oidc_provider_arn]
      }
      condition {
        test     = "StringEquals"
        variable = "${local.issuer}:aud"
        values   = ["sts.amazonaws.com"]
      }
      condition {
        test     = "StringLike"
        variable = "${local.issuer}:sub"
        values   = local.subjects[each.key]
      }
    }
  }

  dynamic "statement" {
    for_each = length(local.principals[each.key]) > 0 ? [1] : []
    content {
      sid     = "PlatformTeam"
      effect  = "Allow"
      actions = ["sts:AssumeRole"]
      principals {
        type        = "AWS"
        identifiers = local.principals[each.key]
      }
    }
  }
}

data "aws_iam_policy_document" "access" {
  for_each = local.roles

  statement {
    sid       = "ListCacheEntries"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.prefix}/*"]
    }
  }

  statement {
    # HeadObject (the rest of a long key, in the metadata) needs s3:GetObject; it is the one read of
    # an entry's object the tool makes, so the reader gets it, and nothing reads bodies.
    sid       = "ReadEntryTagsAndMetadata"
    effect    = "Allow"
    actions   = ["s3:GetObjectTagging", "s3:GetObject"]
    resources = [local.entries_arn]
  }

  dynamic "statement" {
    for_each = local.delete_roles[each.key] ? [1] : []
    content {
      sid       = "DeleteCacheEntries"
      effect    = "Allow"
      actions   = ["s3:DeleteObject"]
      resources = [local.entries_arn]
    }
  }
}

resource "aws_iam_role" "this" {
  for_each = local.roles

  name               = "${var.name_prefix}-cache-${each.key}"
  description        = each.key == "reader" ? "dazn-cache list and usage: lists cache entries and their last use" : "dazn-cache delete and prune: deletes cache entries"
  assume_role_policy = data.aws_iam_policy_document.trust[each.key].json
  tags               = merge(var.tags, { Role = "cache-${each.key}" })
}

resource "aws_iam_role_policy" "access" {
  for_each = local.roles

  name   = "cache-management"
  role   = aws_iam_role.this[each.key].id
  policy = data.aws_iam_policy_document.access[each.key].json
}
