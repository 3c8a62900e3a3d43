# The broker module with the mocked provider. The run "render" is also what the policy matrix
# (infra/terraform/test/policy-matrix.test.ts) evaluates: test.sh reads its outputs from
# `terraform test -json -verbose`, so the matrix checks the documents this module renders.

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { name = "eu-central-1" }
  }
}

override_resource {
  target = aws_iam_role.broker
  values = { arn = "arn:aws:iam::123456789012:role/dazn-runners-cache-broker", id = "dazn-runners-cache-broker" }
}

override_resource {
  target = aws_iam_role.cache
  values = { arn = "arn:aws:iam::123456789012:role/dazn-runners-cache-isolated", id = "dazn-runners-cache-isolated" }
}

override_resource {
  target = aws_cloudwatch_log_group.broker
  values = { arn = "arn:aws:logs:eu-central-1:123456789012:log-group:/aws/lambda/dazn-runners-cache-broker" }
}

override_resource {
  target = aws_lambda_function_url.broker
  values = { function_url = "https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-central-1.on.aws/" }
}

variables {
  allowed_owners = ["dazn"]
  bucket_arn     = "arn:aws:s3:::dazn-cache"
  broker_zip     = "tests/placeholder.zip"
}

run "render" {
  command = apply

  assert {
    condition     = alltrue([for s in jsondecode(output.cache_role_trust_policy).Statement : s.Principal == { AWS = "arn:aws:iam::123456789012:role/dazn-runners-cache-broker" }])
    error_message = "The cache role trusts the broker's execution role and nobody else."
  }
  assert {
    condition     = flatten([for s in jsondecode(output.cache_role_trust_policy).Statement : s.Action]) == ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]
    error_message = "The broker assumes the cache role with tags and a source identity."
  }
  assert {
    condition     = toset(keys(jsondecode(output.cache_role_trust_policy).Statement[0].Condition.StringLike)) == toset([for k in ["cache-repo", "cache-write", "cache-read-ref", "cache-read-base", "cache-read-default"] : "aws:RequestTag/${k}"])
    error_message = "Every one of the five session tags must be present (StringLike fails on a missing key)."
  }
  assert {
    condition     = jsondecode(output.cache_role_trust_policy).Statement[0].Condition["ForAllValues:StringEquals"]["aws:TagKeys"] == ["cache-repo", "cache-write", "cache-read-ref", "cache-read-base", "cache-read-default"]
    error_message = "No other tag key than the five."
  }
  assert {
    condition     = jsondecode(output.broker_policy).Statement[0].Resource == ["arn:aws:iam::123456789012:role/dazn-runners-cache-isolated"] && length(jsondecode(output.broker_policy).Statement) == 2
    error_message = "The broker may assume the cache role only, and without an App secret it reads no secret."
  }
  assert {
    condition     = alltrue([for s in jsondecode(output.cache_role_policy).Statement : alltrue([for r in s.Resource : startswith(r, "arn:aws:s3:::dazn-cache")])])
    error_message = "The cache role reaches the cache bucket only."
  }
  assert {
    condition     = aws_lambda_function_url.broker.authorization_type == "NONE" && aws_lambda_function.broker.handler == "index.handler" && aws_lambda_function.broker.timeout == 15
    error_message = "The broker is index.handler behind a function URL that the job token authenticates (auth NONE), 15 s timeout."
  }
  assert {
    condition = aws_lambda_function.broker.environment[0].variables == tomap({
      CACHE_ROLE_ARN   = "arn:aws:iam::123456789012:role/dazn-runners-cache-isolated"
      ALLOWED_OWNERS   = "dazn"
      BROKER_AUDIENCE  = "dazn-cache"
      OIDC_ISSUER      = "https://token.actions.githubusercontent.com"
      DEFAULT_BRANCHES = "main,master"
      SESSION_SECONDS  = "3600"
      GITHUB_API_URL   = "https://api.github.com"
    })
    error_message = "The broker's environment is broker/INTERFACE.md's."
  }
  assert {
    condition     = aws_iam_role.cache.max_session_duration == 3600 && aws_cloudwatch_log_group.broker.retention_in_days == 30
    error_message = "One-hour sessions (role chaining's limit); logs with retention."
  }
  assert {
    condition     = output.broker_url == "https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-central-1.on.aws/" && output.audience == "dazn-cache"
    error_message = "The stack passes on the URL and the audience."
  }
}

run "app_secret_is_read_only_when_given" {
  command = plan

  variables {
    github_app_id         = "123456"
    github_app_secret_arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:dazn-runners/scaler/github-app-private-key-AbCdEf"
  }

  assert {
    condition = anytrue([for s in jsondecode(output.broker_policy).Statement :
    s.Action == ["secretsmanager:GetSecretValue"] && s.Resource == ["arn:aws:secretsmanager:eu-central-1:123456789012:secret:dazn-runners/scaler/github-app-private-key-AbCdEf"]])
    error_message = "GetSecretValue on the App secret only."
  }
  assert {
    condition     = output.environment.GITHUB_APP_SECRET_ARN == "arn:aws:secretsmanager:eu-central-1:123456789012:secret:dazn-runners/scaler/github-app-private-key-AbCdEf" && output.environment.GITHUB_APP_ID == "123456"
    error_message = "The App's id and secret reach the broker's environment."
  }
}

run "kms_key_adds_its_statement" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition     = anytrue([for s in jsondecode(output.cache_role_policy).Statement : s.Sid == "UseBucketKey" && s.Resource == ["arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]])
    error_message = "SSE-KMS: Decrypt and GenerateDataKey on the bucket's key."
  }
}

run "rejects_sessions_longer_than_role_chaining_allows" {
  command = plan
  variables {
    session_seconds = 7200
  }
  expect_failures = [var.session_seconds]
}

run "rejects_the_sts_audience" {
  command = plan
  variables {
    audience = "sts.amazonaws.com"
  }
  expect_failures = [var.audience]
}

run "rejects_an_app_secret_without_the_app_id" {
  command = plan
  variables {
    github_app_secret_arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:x-AbCdEf"
  }
  expect_failures = [var.github_app_secret_arn]
}

run "rejects_tags_that_would_stand_in_for_session_tags" {
  command = plan
  variables {
    tags = { "Cache-Repo" = "repo-1" }
  }
  expect_failures = [var.tags]
}

run "rejects_a_prefix_with_wildcards" {
  command = plan
  variables {
    prefix = "cache/*"
  }
  expect_failures = [var.prefix]
}

run "rejects_a_missing_bundle" {
  command = plan
  variables {
    broker_zip = "tests/no-such-broker.zip"
  }
  expect_failures = [var.broker_zip]
}
