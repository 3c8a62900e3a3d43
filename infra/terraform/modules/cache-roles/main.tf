locals {
  issuer   = "token.actions.githubusercontent.com"
  audience = "sts.amazonaws.com"

  oidc_provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : var.oidc_provider_arn

  any_ref_subjects = coalesce(var.subject_patterns, ["repo:${var.github_organization}/*"])
  default_branch_subjects = flatten([
    for repo in var.repository_patterns : [
      for branch in var.default_branch_names : "repo:${var.github_organization}/${repo}:ref:refs/heads/${branch}"
    ]
  ])

  # The action stores entries at <prefix>/<owner>/<repo>/<encoded scope ref>/<version>/<encoded key>.
  # The scope ref is URI-encoded (refs%2Fheads%2Fmain); the raw and lower-case-hex forms are denied too so
  # that the deny does not depend on one encoder's choices.
  default_branch_scopes = distinct(flatten([
    for branch in var.default_branch_names : [
      "refs/heads/${branch}",
      replace("refs/heads/${branch}", "/", "%2F"),
      replace("refs/heads/${branch}", "/", "%2f"),
    ]
  ]))
  entries_arn = "${var.bucket_arn}/${var.prefix}/*"

  roles = {
    cache          = { name = "${var.name_prefix}-cache", subjects = local.any_ref_subjects, protect_default = true }
    default_branch = { name = "${var.name_prefix}-cache-default-branch", subjects = local.default_branch_subjects, protect_default = false }
  }
}

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 1 : 0

  url            = "https://${local.issuer}"
  client_id_list = [local.audience]
  # IAM no longer checks thumbprints for this issuer (it trusts its certificate authority); the value is kept
  # because the API still requires one.
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1"]
  tags            = var.tags
}

data "aws_iam_policy_document" "trust" {
  for_each = local.roles

  statement {
    sid     = "GitHubActionsOidc"
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:aud"
      values   = [local.audience]
    }
    condition {
      test     = "StringLike"
      variable = "${local.issuer}:sub"
      values   = each.value.subjects
    }
  }
}

data "aws_iam_policy_document" "access" {
  for_each = local.roles

  statement {
    sid       = "ListCachePrefix"
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
    # HeadObject is authorised by s3:GetObject; CreateMultipartUpload, UploadPart and
    # CompleteMultipartUpload by s3:PutObject.
    sid    = "ReadWriteCacheEntries"
    effect = "Allow"
    actions = [
      "s3:GetObject",
      "s3:PutObject",
      "s3:AbortMultipartUpload",
      "s3:ListMultipartUploadParts",
    ]
    resources = [local.entries_arn]
  }

  dynamic "statement" {
    for_each = each.value.protect_default ? [1] : []
    content {
      sid       = "DenyWritesIntoDefaultBranchScopes"
      effect    = "Deny"
      actions   = ["s3:PutObject", "s3:DeleteObject"]
      resources = [for scope in local.default_branch_scopes : "${var.bucket_arn}/${var.prefix}/*/${scope}/*"]
    }
  }

  # The isolated layout (<prefix>/repo-<id>/ref-<hash>/, modules/cache-broker) belongs to the broker's
  # role: these roles, which any repository of the organisation can assume, must neither plant entries
  # there nor read them, or the isolation would be undone beside it.
  statement {
    sid       = "KeepOutOfTheIsolatedLayout"
    effect    = "Deny"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:DeleteObject"]
    resources = ["${var.bucket_arn}/${var.prefix}/repo-*"]
  }

  statement {
    sid       = "ListNothingOfTheIsolatedLayout"
    effect    = "Deny"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.prefix}/repo-*"]
    }
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "UseBucketKey"
      effect    = "Allow"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role" "this" {
  for_each = local.roles

  name                 = each.value.name
  description          = each.key == "cache" ? "GitHub Actions cache, any ref of ${var.github_organization}; cannot write default-branch scopes" : "GitHub Actions cache, default branches of ${var.github_organization}"
  assume_role_policy   = data.aws_iam_policy_document.trust[each.key].json
  max_session_duration = var.max_session_duration
  tags                 = merge(var.tags, { Role = each.key })
}

resource "aws_iam_role_policy" "access" {
  for_each = local.roles

  name   = "cache-bucket-access"
  role   = aws_iam_role.this[each.key].id
  policy = data.aws_iam_policy_document.access[each.key].json
}
