mock_provider "aws" {
  mock_resource "aws_iam_openid_connect_provider" {
    defaults = { arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{}" }
  }
}

variables {
  github_organization = "dazn"
  bucket_arn          = "arn:aws:s3:::dazn-cache"
}

run "trust_requires_the_sts_audience_and_an_organisation_subject" {
  command = apply

  assert {
    condition = alltrue([for k, d in data.aws_iam_policy_document.trust : anytrue([
      for c in d.statement[0].condition : c.test == "StringEquals" && c.variable == "token.actions.githubusercontent.com:aud" && toset(c.values) == toset(["sts.amazonaws.com"])
    ])])
    error_message = "Both roles require aud = sts.amazonaws.com."
  }
  assert {
    condition = anytrue([for c in data.aws_iam_policy_document.trust["cache"].statement[0].condition :
    c.test == "StringLike" && c.variable == "token.actions.githubusercontent.com:sub" && toset(c.values) == toset(["repo:dazn/*"])])
    error_message = "The cache role trusts every repository of the organisation, and only it."
  }
  assert {
    condition = anytrue([for c in data.aws_iam_policy_document.trust["default_branch"].statement[0].condition :
    c.variable == "token.actions.githubusercontent.com:sub" && toset(c.values) == toset(["repo:dazn/*:ref:refs/heads/main", "repo:dazn/*:ref:refs/heads/master"])])
    error_message = "The default-branch role trusts only default-branch refs of the organisation."
  }
  assert {
    condition     = data.aws_iam_policy_document.trust["cache"].statement[0].actions == toset(["sts:AssumeRoleWithWebIdentity"]) && one(data.aws_iam_policy_document.trust["cache"].statement[0].principals).identifiers == toset([aws_iam_openid_connect_provider.github[0].arn])
    error_message = "Only web identity federation through the GitHub OIDC provider."
  }
  assert {
    condition     = aws_iam_openid_connect_provider.github[0].url == "https://token.actions.githubusercontent.com" && aws_iam_openid_connect_provider.github[0].client_id_list == toset(["sts.amazonaws.com"])
    error_message = "The OIDC provider is GitHub's, with audience sts.amazonaws.com."
  }
}

run "access_is_limited_to_the_cache_prefix" {
  command = plan

  assert {
    condition = alltrue([for d in data.aws_iam_policy_document.access : (
      [for s in d.statement : s.resources if s.sid == "ReadWriteCacheEntries"][0] == toset(["arn:aws:s3:::dazn-cache/cache/*"])
      && [for s in d.statement : s.actions if s.sid == "ReadWriteCacheEntries"][0] == toset(["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"])
    )])
    error_message = "Object access (head, get, put, multipart) only under the cache prefix."
  }
  assert {
    condition = alltrue([for d in data.aws_iam_policy_document.access : anytrue([for s in d.statement :
      s.sid == "ListCachePrefix" && s.actions == toset(["s3:ListBucket"]) && try(one(s.condition).variable == "s3:prefix" && toset(one(s.condition).values) == toset(["cache/*"]), false)
    ])])
    error_message = "ListBucket only for keys under the cache prefix."
  }
}

run "non_default_refs_cannot_write_default_branch_scopes" {
  command = plan

  assert {
    condition = anytrue([for s in data.aws_iam_policy_document.access["cache"].statement :
      s.effect == "Deny" && contains(s.actions, "s3:PutObject")
      && contains(s.resources, "arn:aws:s3:::dazn-cache/cache/*/refs%2Fheads%2Fmain/*")
      && contains(s.resources, "arn:aws:s3:::dazn-cache/cache/*/refs/heads/master/*")
    ])
    error_message = "The any-ref role has an explicit deny on writes into default-branch scopes (encoded and raw)."
  }
  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.access["default_branch"].statement : s.effect != "Deny" || !anytrue([for r in s.resources : strcontains(r, "refs")])])
    error_message = "The default-branch role may write default-branch scopes (its only denies are on the isolated layout)."
  }
}

run "custom_patterns_must_stay_in_the_organisation" {
  command = plan
  variables {
    subject_patterns = ["repo:other-org/*"]
  }
  expect_failures = [var.subject_patterns]
}

run "existing_oidc_provider_requires_its_arn" {
  command = plan
  variables {
    create_oidc_provider = false
  }
  expect_failures = [var.oidc_provider_arn]
}

run "kms_key_adds_key_permissions" {
  command = plan
  variables {
    kms_key_arn = "arn:aws:kms:eu-central-1:123456789012:key/k"
  }
  assert {
    condition     = anytrue([for s in data.aws_iam_policy_document.access["cache"].statement : s.sid == "UseBucketKey" && s.resources == toset(["arn:aws:kms:eu-central-1:123456789012:key/k"])])
    error_message = "With SSE-KMS the roles may use the key."
  }
}

run "legacy_roles_keep_out_of_the_isolated_layout" {
  command = plan

  assert {
    condition = alltrue([for d in data.aws_iam_policy_document.access : anytrue([for s in d.statement :
      s.effect == "Deny" && contains(s.actions, "s3:PutObject") && contains(s.actions, "s3:GetObject") && s.resources == toset(["arn:aws:s3:::dazn-cache/cache/repo-*"])
    ])])
    error_message = "Both legacy roles are denied every object of the isolated layout <prefix>/repo-*."
  }
  assert {
    condition = alltrue([for d in data.aws_iam_policy_document.access : anytrue([for s in d.statement :
      s.effect == "Deny" && s.actions == toset(["s3:ListBucket"]) && try(one(s.condition).variable == "s3:prefix" && toset(one(s.condition).values) == toset(["cache/repo-*"]), false)
    ])])
    error_message = "Both legacy roles are denied listings of the isolated layout."
  }
}

run "rejects_an_organisation_named_like_the_isolated_layout" {
  command = plan
  variables {
    github_organization = "repo-1"
  }
  expect_failures = [var.github_organization]
}
