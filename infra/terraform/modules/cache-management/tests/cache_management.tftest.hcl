mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{}" }
  }
}

variables {
  bucket_arn        = "arn:aws:s3:::dazn-cache"
  prefix            = "cache"
  oidc_provider_arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
  pruner_subjects   = ["repo:dazn/platform:ref:refs/heads/main"]
  reader_principals = ["arn:aws:iam::123456789012:role/platform-team"]
}

run "reader_lists_and_reads_tags_but_cannot_delete_or_write" {
  command = plan

  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.access["reader"].statement : !contains(s.actions, "s3:DeleteObject") && !contains(s.actions, "s3:PutObject")])
    error_message = "The reader role neither deletes nor writes entries."
  }
  assert {
    condition     = anytrue([for s in data.aws_iam_policy_document.access["reader"].statement : contains(s.actions, "s3:GetObjectTagging") && s.resources == toset(["arn:aws:s3:::dazn-cache/cache/*"])])
    error_message = "The reader reads the last-access tags of the cache's entries only."
  }
}

run "pruner_deletes_only_under_the_cache_prefix" {
  command = plan

  assert {
    condition     = anytrue([for s in data.aws_iam_policy_document.access["pruner"].statement : s.actions == toset(["s3:DeleteObject"]) && s.resources == toset(["arn:aws:s3:::dazn-cache/cache/*"])])
    error_message = "The pruner deletes entries under the cache prefix, nothing else."
  }
  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.access["pruner"].statement : !contains(s.actions, "s3:PutObject")])
    error_message = "The pruner cannot write entries (no cache poisoning from the management roles)."
  }
  assert {
    condition = anytrue([for s in data.aws_iam_policy_document.trust["pruner"].statement : anytrue([
      for c in s.condition : c.variable == "token.actions.githubusercontent.com:sub" && toset(c.values) == toset(["repo:dazn/platform:ref:refs/heads/main"])
    ])])
    error_message = "Only the named workflow's subject assumes the pruner through OIDC."
  }
}

run "no_role_without_someone_to_assume_it" {
  command = plan

  variables {
    pruner_subjects   = []
    reader_principals = []
  }

  assert {
    condition     = length(aws_iam_role.this) == 0
    error_message = "Without subjects or principals no management role is created."
  }
}
