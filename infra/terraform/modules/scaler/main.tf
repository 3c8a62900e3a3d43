data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  region  = data.aws_region.current.name
  account = data.aws_caller_identity.current.account_id

  webhook_name    = "${var.name_prefix}-scaler-webhook"
  reconciler_name = "${var.name_prefix}-scaler-reconciler"
  order           = coalesce(var.routing_order, keys(var.pools))

  # POOLS (scaler/INTERFACE.md): one entry per pool, in routing order, the shape fixed there.
  pools_document = [for name in local.order : {
    name        = name
    labels      = var.pools[name].github_labels
    runnerGroup = var.pools[name].runner_group
    cluster     = var.tasks[name].cluster_arn
    # The revision Terraform registered: a new one reaches the scaler with this stack's next apply.
    taskDefinition = var.tasks[name].task_definition_arn
    containerName  = var.tasks[name].container_name
    capacityProviderStrategy = [for s in var.tasks[name].capacity_provider_strategy : {
      capacityProvider = s.capacity_provider
      weight           = s.weight
      base             = s.base
    }]
    launchType = var.tasks[name].launch_type
    network = var.tasks[name].network == null ? null : {
      subnets        = var.tasks[name].network.subnets
      securityGroups = var.tasks[name].network.security_groups
      assignPublicIp = var.tasks[name].network.assign_public_ip
    }
    maxRunners   = var.pools[name].max_runners
    warm         = { officeHours = var.pools[name].warm.office_hours, otherHours = var.pools[name].warm.other_hours }
    fallbackPool = var.pools[name].fallback_pool
  }]
  pools_json = jsonencode(local.pools_document)
  # Lambda refuses environments over 4 KB (names and values together, in bytes), and seven pools'
  # JSON alone is about 4.7 KB. The JSON gzipped and base64-encoded is about a quarter of that; a
  # reader tells the two apart by the first character ("[" or "H", gzip's magic in base64).
  pools_gzip_base64 = base64gzip(local.pools_json)
  other_env_bytes   = sum([for k, v in local.other_environment : length(k) + length(v)])
  pools_encoded = (var.pools_encoding == "json" || (var.pools_encoding == "auto" && length("POOLS") + length(local.pools_json) + local.other_env_bytes <= local.lambda_environment_limit)
  ? local.pools_json : local.pools_gzip_base64)
  lambda_environment_limit = 4096

  environment = merge(local.other_environment, { POOLS = local.pools_encoded })
  other_environment = {
    GITHUB_API_URL               = var.github_api_url
    GITHUB_ORG                   = var.github_organization
    GITHUB_APP_ID                = var.github_app_id
    GITHUB_INSTALLATION_ID       = var.github_installation_id
    GITHUB_APP_KEY_SECRET_ARN    = aws_secretsmanager_secret.app_key.arn
    WEBHOOK_SECRET_ARN           = aws_secretsmanager_secret.webhook_secret.arn
    STATE_TABLE                  = aws_dynamodb_table.state.name
    JIT_PARAMETER_PREFIX         = var.jit_parameter_prefix
    RUNNER_NAME_PREFIX           = var.runner_name_prefix
    MAX_RUNNERS                  = tostring(coalesce(var.max_runners, sum([for p in var.pools : p.max_runners])))
    OFFICE_HOURS                 = var.office_hours
    TIME_ZONE                    = var.time_zone
    RUNNER_START_TIMEOUT_SECONDS = tostring(var.runner_start_timeout_seconds)
    RUNNER_IDLE_TIMEOUT_SECONDS  = tostring(var.runner_idle_timeout_seconds)
  }
  environment_bytes = sum([for k, v in local.environment : length(k) + length(v)])

  cluster_arns        = distinct([for name in local.order : var.tasks[name].cluster_arn])
  task_definition_arn = distinct([for name in local.order : var.tasks[name].task_definition_arn])
  # Task ARNs are arn:...:task/<cluster name>/<id>.
  task_arn_patterns = [for c in local.cluster_arns : "${replace(c, ":cluster/", ":task/")}/*"]
  passed_roles      = distinct(flatten([for name in local.order : [var.tasks[name].task_role_arn, var.tasks[name].execution_role_arn]]))
  jit_parameters    = "arn:aws:ssm:${local.region}:${local.account}:parameter${var.jit_parameter_prefix}/*"

  # The functions' policy as Terraform renders it (jsonencode, not aws_iam_policy_document), so that
  # the mocked-provider tests read the very document IAM gets.
  policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "StartRunnerTasksOfThePoolsOnly"
        Effect   = "Allow"
        Action   = ["ecs:RunTask"]
        Resource = local.task_definition_arn
        Condition = {
          ArnEquals = { "ecs:cluster" = local.cluster_arns }
        }
      },
      {
        # RunTask with tags (dazn:pool, dazn:runner-name) and ECS managed tags needs TagResource on
        # the new task, only as part of RunTask.
        Sid      = "TagTheTasksItStarts"
        Effect   = "Allow"
        Action   = ["ecs:TagResource"]
        Resource = local.task_arn_patterns
        Condition = {
          StringEquals = { "ecs:CreateAction" = "RunTask" }
        }
      },
      {
        Sid      = "WatchAndStopTasksOfThePoolsClusters"
        Effect   = "Allow"
        Action   = ["ecs:DescribeTasks", "ecs:StopTask"]
        Resource = local.task_arn_patterns
        Condition = {
          ArnEquals = { "ecs:cluster" = local.cluster_arns }
        }
      },
      {
        # The reconciler matches tasks to runners by their dazn:runner-name tag.
        Sid      = "ReadTagsOfTasksOfThePoolsClusters"
        Effect   = "Allow"
        Action   = ["ecs:ListTagsForResource"]
        Resource = local.task_arn_patterns
      },
      {
        # ListTasks is authorised on no task ARN (it names none); the cluster condition limits it.
        Sid      = "ListTasksOfThePoolsClusters"
        Effect   = "Allow"
        Action   = ["ecs:ListTasks"]
        Resource = ["*"]
        Condition = {
          ArnEquals = { "ecs:cluster" = local.cluster_arns }
        }
      },
      {
        Sid      = "PassThePoolsTaskRolesToEcsOnly"
        Effect   = "Allow"
        Action   = ["iam:PassRole"]
        Resource = local.passed_roles
        Condition = {
          StringEquals = { "iam:PassedToService" = "ecs-tasks.amazonaws.com" }
        }
      },
      {
        # One SecureString per runner (AWS managed key alias/aws/ssm: its key policy allows
        # encryption through SSM for principals of the account, so no kms statement). Tags at
        # creation need AddTagsToResource.
        Sid      = "WriteAndCleanJitConfigurations"
        Effect   = "Allow"
        Action   = ["ssm:AddTagsToResource", "ssm:DeleteParameter", "ssm:GetParameter", "ssm:PutParameter"]
        Resource = [local.jit_parameters]
      },
      {
        Sid      = "OwnStateTable"
        Effect   = "Allow"
        Action   = ["dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:UpdateItem"]
        Resource = [aws_dynamodb_table.state.arn]
      },
      {
        Sid      = "ReadAppKeyAndWebhookSecret"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue"]
        Resource = [aws_secretsmanager_secret.app_key.arn, aws_secretsmanager_secret.webhook_secret.arn]
      },
      {
        # The log groups are Terraform's (with retention): no logs:CreateLogGroup.
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = [for g in aws_cloudwatch_log_group.function : "${g.arn}:*"]
      },
    ]
  }
}

# --- State and secrets --------------------------------------------------------------------------

resource "aws_dynamodb_table" "state" {
  name         = "${var.name_prefix}-scaler-state"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }

  ttl {
    attribute_name = var.state_ttl_attribute
    enabled        = true
  }

  tags = var.tags
}

# Created empty: the operator puts the values (README), so they are never in Terraform's state.
resource "aws_secretsmanager_secret" "app_key" {
  name                    = "${var.name_prefix}/scaler/github-app-private-key"
  description             = "PEM private key of the GitHub App the scaler uses (GITHUB_APP_KEY_SECRET_ARN); put by the operator"
  recovery_window_in_days = var.secret_recovery_window_days
  tags                    = var.tags
}

resource "aws_secretsmanager_secret" "webhook_secret" {
  name                    = "${var.name_prefix}/scaler/github-webhook-secret"
  description             = "The GitHub App's webhook secret (WEBHOOK_SECRET_ARN); put by the operator, the same value as in the App's settings"
  recovery_window_in_days = var.secret_recovery_window_days
  tags                    = var.tags
}

# --- Identity -----------------------------------------------------------------------------------

resource "aws_iam_role" "scaler" {
  name        = "${var.name_prefix}-scaler"
  description = "The scaler's webhook and reconciler functions: start, tag, watch and stop the pools' runner tasks, their JIT configurations, own state and secrets"
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

resource "aws_iam_role_policy" "scaler" {
  name   = "scaler"
  role   = aws_iam_role.scaler.id
  policy = jsonencode(local.policy)
}

# --- Functions ----------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "function" {
  for_each = toset([local.webhook_name, local.reconciler_name])

  # The name Lambda writes to by default.
  name              = "/aws/lambda/${each.key}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_lambda_function" "webhook" {
  function_name    = local.webhook_name
  description      = "GitHub workflow_job webhook: verifies the delivery and starts one runner per queued job"
  role             = aws_iam_role.scaler.arn
  runtime          = var.lambda_runtime
  architectures    = [var.lambda_architecture]
  handler          = "index.handler"
  filename         = var.webhook_zip
  source_code_hash = filebase64sha256(var.webhook_zip)
  timeout          = var.webhook_timeout_seconds
  memory_size      = var.webhook_memory_mib

  environment {
    variables = local.environment
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = local.environment_bytes <= local.lambda_environment_limit
      error_message = "The scaler's environment (POOLS and the rest) is ${local.environment_bytes} bytes; Lambda accepts at most 4096. Use pools_encoding = \"auto\" (gzip when needed), or fewer pools, subnets or security groups."
    }
  }

  depends_on = [aws_cloudwatch_log_group.function, aws_iam_role_policy.scaler]
}

resource "aws_lambda_function" "reconciler" {
  function_name    = local.reconciler_name
  description      = "Every minute: lost deliveries, warm minimums, idle and failed runners, offline registrations"
  role             = aws_iam_role.scaler.arn
  runtime          = var.lambda_runtime
  architectures    = [var.lambda_architecture]
  handler          = "index.handler"
  filename         = var.reconciler_zip
  source_code_hash = filebase64sha256(var.reconciler_zip)
  timeout          = var.reconciler_timeout_seconds
  memory_size      = var.reconciler_memory_mib
  # One reconciler at a time: two would both see the same idle runner or missing warm runner.
  reserved_concurrent_executions = 1

  environment {
    variables = local.environment
  }

  tags = var.tags

  depends_on = [aws_cloudwatch_log_group.function, aws_iam_role_policy.scaler]
}

# The webhook's public HTTPS endpoint. No AWS authentication: GitHub cannot sign with AWS
# credentials; it signs each delivery with the webhook secret, which the function verifies.
resource "aws_lambda_function_url" "webhook" {
  function_name      = aws_lambda_function.webhook.function_name
  authorization_type = "NONE"
}

resource "aws_lambda_permission" "webhook_url" {
  statement_id           = "GitHubDeliveriesThroughTheFunctionUrl"
  action                 = "lambda:InvokeFunctionUrl"
  function_name          = aws_lambda_function.webhook.function_name
  principal              = "*"
  function_url_auth_type = "NONE"
}

# Since October 2025 a new function URL also needs lambda:InvokeFunction for its callers. The aws
# provider 5.x cannot add the lambda:InvokedViaFunctionUrl condition (6.x: invoked_via_function_url),
# so this grant lets any AWS principal invoke the function directly too; such an event carries no
# valid GitHub signature and is refused by the handler like a forged delivery.
resource "aws_lambda_permission" "webhook_invoke" {
  statement_id  = "GitHubDeliveriesInvokeTheFunction"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.webhook.function_name
  principal     = "*"
}

# --- Reconciler schedule --------------------------------------------------------------------------

resource "aws_cloudwatch_event_rule" "reconciler" {
  name                = local.reconciler_name
  description         = "Runs the scaler's reconciler"
  schedule_expression = var.reconciler_schedule
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "reconciler" {
  rule      = aws_cloudwatch_event_rule.reconciler.name
  target_id = "reconciler"
  arn       = aws_lambda_function.reconciler.arn

  # A missed run is not retried: the next one comes within the minute.
  retry_policy {
    maximum_retry_attempts       = 0
    maximum_event_age_in_seconds = 60
  }
}

resource "aws_lambda_permission" "reconciler_schedule" {
  statement_id  = "EventBridgeSchedule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.reconciler.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.reconciler.arn
}

# EventBridge invokes asynchronously; Lambda would retry a failed or throttled (reserved concurrency
# 1) run for up to 6 hours. A run older than a minute is superseded by the next one.
resource "aws_lambda_function_event_invoke_config" "reconciler" {
  function_name                = aws_lambda_function.reconciler.function_name
  maximum_retry_attempts       = 0
  maximum_event_age_in_seconds = 60
}
