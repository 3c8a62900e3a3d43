data "aws_region" "current" {}

locals {
  region        = data.aws_region.current.name
  function_name = "${var.name_prefix}-cache-broker"
  role_name     = "${var.name_prefix}-cache-isolated"

  # Session tag keys and the value for "no scope": src/matching/isolation.ts (ISOLATION_TAGS, NO_SCOPE).
  tag_repository   = "cache-repo"
  tag_write        = "cache-write"
  tag_read_ref     = "cache-read-ref"
  tag_read_base    = "cache-read-base"
  tag_read_default = "cache-read-default"
  no_scope         = "none"
  tag_keys         = [local.tag_repository, local.tag_write, local.tag_read_ref, local.tag_read_base, local.tag_read_default]

  # A scope tag is ref-<40 hex of sha256(ref)> (scopeSegment): "ref-" and exactly 40 characters.
  # IAM's StringLike has no character classes; `?` is one character, so the length is exact, and the
  # StringNotLike "*/*" below keeps the one tag-value character that would change the key's folder
  # structure (`/`) out. (`*`, `?` and `$` are not allowed in tag values at all.)
  scope_pattern = "ref-${join("", [for _ in range(40) : "?"])}"

  # Policy variables, written $${...} so that Terraform leaves them for IAM to resolve.
  repo_var    = "$${aws:PrincipalTag/${local.tag_repository}}"
  write_var   = "$${aws:PrincipalTag/${local.tag_write}}"
  read_vars   = [for k in [local.tag_read_ref, local.tag_read_base, local.tag_read_default] : "$${aws:PrincipalTag/${k}}"]
  prefix      = trim(var.prefix, "/")
  repo_folder = "${local.prefix}/${local.repo_var}"

  # The isolated cache role's permissions (rendered with jsonencode, so the mocked-provider tests and
  # the policy matrix read the very document IAM gets). The object layout is
  # <prefix>/repo-<repository id>/ref-<hash of the ref>/<version>/<encoded key> (isolation.ts), and
  # every folder name the session may touch is one of its own session tags.
  cache_role_policy = {
    Version = "2012-10-17"
    Statement = concat([
      {
        # ListObjectsV2 is authorised as s3:ListBucket on the bucket; s3:prefix is the request's Prefix,
        # so the session lists only keys under its own repository's three read scopes.
        Sid      = "ListOwnReadScopes"
        Effect   = "Allow"
        Action   = ["s3:ListBucket"]
        Resource = [var.bucket_arn]
        Condition = {
          StringLike = { "s3:prefix" = [for v in local.read_vars : "${local.repo_folder}/${v}/*"] }
        }
      },
      {
        # GetObject (ranged parts included) and HeadObject are both authorised by s3:GetObject.
        Sid      = "ReadOwnReadScopes"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = [for v in local.read_vars : "${var.bucket_arn}/${local.repo_folder}/${v}/*"]
      },
      {
        # The last-access record a restore leaves on the entry it used (src/manage/access.ts): the
        # entry's tags only, never its content, in the same read scopes, read-only triggers included
        # (GitHub's read-only cache still counts their use).
        Sid      = "RecordUseInOwnReadScopes"
        Effect   = "Allow"
        Action   = ["s3:GetObjectTagging", "s3:PutObjectTagging"]
        Resource = [for v in local.read_vars : "${var.bucket_arn}/${local.repo_folder}/${v}/*"]
      },
      {
        # PutObject (If-None-Match included), CreateMultipartUpload, UploadPart and
        # CompleteMultipartUpload are authorised by s3:PutObject; AbortMultipartUpload by its own action.
        # Only the session's own ref, and only when its trigger may write (cache-write is not "none").
        Sid      = "WriteOwnScope"
        Effect   = "Allow"
        Action   = ["s3:PutObject", "s3:AbortMultipartUpload"]
        Resource = ["${var.bucket_arn}/${local.repo_folder}/${local.write_var}/*"]
        Condition = {
          StringLike = { "aws:PrincipalTag/${local.tag_write}" = [local.scope_pattern] }
        }
      },
      {
        # A read scope that does not exist is the tag value "none": the folder <repo>/none/ is never
        # written (WriteOwnScope needs ref-…), and this deny keeps it so even if an allow is widened.
        Sid      = "NothingInTheNoScopeFolder"
        Effect   = "Deny"
        Action   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:GetObjectTagging", "s3:PutObjectTagging"]
        Resource = ["${var.bucket_arn}/${local.repo_folder}/${local.no_scope}/*"]
      },
      {
        Sid      = "ListNothingInTheNoScopeFolder"
        Effect   = "Deny"
        Action   = ["s3:ListBucket"]
        Resource = [var.bucket_arn]
        Condition = {
          StringLike = { "s3:prefix" = ["${local.repo_folder}/${local.no_scope}*"] }
        }
      },
      ], var.kms_key_arn == null ? [] : [{
        Sid      = "UseBucketKey"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource = [var.kms_key_arn]
    }])
  }

  # Who may become the cache role: the broker's execution role, and only with the five session tags,
  # each well-formed, and no other tag key. AssumeRole and TagSession are evaluated separately (a
  # request with tags needs both); the conditions sit on one statement for both actions, as in IAM's
  # session-tag examples, so an AssumeRole without tags fails the aws:RequestTag conditions too.
  cache_role_trust_policy = {
    Version = "2012-10-17"
    Statement = [{
      Sid       = "OnlyTheBrokerWithTheIsolationTags"
      Effect    = "Allow"
      Principal = { AWS = aws_iam_role.broker.arn }
      Action    = ["sts:AssumeRole", "sts:TagSession"]
      Condition = {
        StringLike = {
          "aws:RequestTag/${local.tag_repository}"   = ["repo-*"]
          "aws:RequestTag/${local.tag_write}"        = [local.scope_pattern, local.no_scope]
          "aws:RequestTag/${local.tag_read_ref}"     = [local.scope_pattern]
          "aws:RequestTag/${local.tag_read_base}"    = [local.scope_pattern, local.no_scope]
          "aws:RequestTag/${local.tag_read_default}" = [local.scope_pattern, local.no_scope]
        }
        StringNotLike               = { for k in local.tag_keys : "aws:RequestTag/${k}" => ["*/*"] }
        "ForAllValues:StringEquals" = { "aws:TagKeys" = local.tag_keys }
        # Tags that would follow the session into a further AssumeRole: none.
        Null = { "sts:TransitiveTagKeys" = "true" }
      }
      }, {
      # The broker records <owner>@<repo> as the source identity: CloudTrail names it on every S3
      # call the session makes, and the session cannot change it.
      Sid       = "TheBrokerRecordsTheRepository"
      Effect    = "Allow"
      Principal = { AWS = aws_iam_role.broker.arn }
      Action    = ["sts:SetSourceIdentity"]
      Condition = {
        StringLike = { "sts:SourceIdentity" = ["?*@?*"] }
      }
    }]
  }

  # The broker's own permissions.
  broker_policy = {
    Version = "2012-10-17"
    Statement = concat([
      {
        Sid      = "AssumeTheCacheRoleWithTags"
        Effect   = "Allow"
        Action   = ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]
        Resource = [aws_iam_role.cache.arn]
      },
      {
        # The log group is Terraform's (with retention): no logs:CreateLogGroup.
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["${aws_cloudwatch_log_group.broker.arn}:*"]
      },
      ], var.github_app_secret_arn == null ? [] : [{
        Sid      = "ReadTheGitHubAppKey"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue"]
        Resource = [var.github_app_secret_arn]
    }])
  }

  # broker/INTERFACE.md's environment.
  environment = merge(
    {
      CACHE_ROLE_ARN   = aws_iam_role.cache.arn
      ALLOWED_OWNERS   = join(",", var.allowed_owners)
      BROKER_AUDIENCE  = var.audience
      OIDC_ISSUER      = var.oidc_issuer
      DEFAULT_BRANCHES = join(",", var.default_branch_names)
      SESSION_SECONDS  = tostring(var.session_seconds)
      GITHUB_API_URL   = var.github_api_url
    },
    var.github_app_secret_arn == null ? {} : {
      GITHUB_APP_SECRET_ARN = var.github_app_secret_arn
      GITHUB_APP_ID         = var.github_app_id
    },
  )
}

# --- The isolated cache role ---------------------------------------------------------------------

resource "aws_iam_role" "cache" {
  name               = local.role_name
  description        = "GitHub Actions cache, isolated: assumed by the cache broker only, with session tags naming the job's repository and scopes"
  assume_role_policy = jsonencode(local.cache_role_trust_policy)
  # The broker runs with its execution role's credentials, so its AssumeRole is role chaining, which
  # AWS limits to one hour whatever this says; 3600 keeps the two in agreement.
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_role_policy" "cache" {
  name   = "cache-bucket-isolated"
  role   = aws_iam_role.cache.id
  policy = jsonencode(local.cache_role_policy)
}

# --- The broker ------------------------------------------------------------------------------------

resource "aws_iam_role" "broker" {
  name        = "${var.name_prefix}-cache-broker"
  description = "The cache broker function: assumes the isolated cache role with session tags"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "broker" {
  name   = "cache-broker"
  role   = aws_iam_role.broker.id
  policy = jsonencode(local.broker_policy)
}

resource "aws_cloudwatch_log_group" "broker" {
  # The name Lambda writes to by default.
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_lambda_function" "broker" {
  function_name    = local.function_name
  description      = "Cache credential broker: verifies a job's GitHub OIDC token and returns the isolated cache role's credentials, tagged with its repository and scopes"
  role             = aws_iam_role.broker.arn
  runtime          = var.lambda_runtime
  architectures    = [var.lambda_architecture]
  handler          = "index.handler"
  filename         = var.broker_zip
  source_code_hash = filebase64sha256(var.broker_zip)
  timeout          = var.timeout_seconds
  memory_size      = var.memory_mib

  environment {
    variables = local.environment
  }

  tags = var.tags

  depends_on = [aws_cloudwatch_log_group.broker, aws_iam_role_policy.broker]
}

# The broker's public HTTPS endpoint. No AWS authentication: a job has no AWS credentials yet (that
# is what it asks for). It authenticates with its GitHub OIDC token, whose signature, issuer,
# audience, expiry and claims the function verifies before it calls STS.
resource "aws_lambda_function_url" "broker" {
  function_name      = aws_lambda_function.broker.function_name
  authorization_type = "NONE"
}

resource "aws_lambda_permission" "broker_url" {
  statement_id           = "JobsThroughTheFunctionUrl"
  action                 = "lambda:InvokeFunctionUrl"
  function_name          = aws_lambda_function.broker.function_name
  principal              = "*"
  function_url_auth_type = "NONE"
}

# Since October 2025 a new function URL also needs lambda:InvokeFunction for its callers; the aws
# provider 5.x cannot add the lambda:InvokedViaFunctionUrl condition (see modules/scaler). A direct
# invocation carries no valid job token either and is refused the same way.
resource "aws_lambda_permission" "broker_invoke" {
  statement_id  = "JobsInvokeTheFunction"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.broker.function_name
  principal     = "*"
}
