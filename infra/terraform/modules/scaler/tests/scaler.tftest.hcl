# The scaler module under a mocked provider: the rendered POOLS, the functions' settings and the
# rendered IAM policy (jsonencode in main.tf, so these assertions read the document IAM gets).

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { name = "eu-central-1" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_resource "aws_dynamodb_table" {
    defaults = { arn = "arn:aws:dynamodb:eu-central-1:123456789012:table/dazn-runners-scaler-state" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-central-1:123456789012:log-group:/aws/lambda/fn" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/dazn-runners-scaler" }
  }
  mock_resource "aws_lambda_function" {
    defaults = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:fn" }
  }
  mock_resource "aws_cloudwatch_event_rule" {
    defaults = { arn = "arn:aws:events:eu-central-1:123456789012:rule/fn" }
  }
}

# The real seven pools and office hours, from the runner-pools module's defaults.
run "pools" {
  command = plan
  module {
    source = "../runner-pools"
  }
}

variables {
  github_organization    = "dazn"
  github_app_id          = "123456"
  github_installation_id = "7654321"
  webhook_zip            = "tests/placeholder.zip"
  reconciler_zip         = "tests/placeholder.zip"
  time_zone              = "Europe/Berlin"
  office_hours           = "Mon-Fri 08:00-19:00"
  # What stacks 05 and 06 publish (runner-service module's pools output), for the seven pools.
  tasks = {
    for name, cluster in {
      ecs-x64-spot     = "ecs", ecs-x64-ondemand = "ecs", ecs-arm64-spot = "ecs", ecs-arm64-ondemand = "ecs",
      fargate-x64-spot = "fargate", fargate-x64-ondemand = "fargate", fargate-arm64 = "fargate",
      } : name => {
      cluster_arn         = "arn:aws:ecs:eu-central-1:123456789012:cluster/dazn-runners-${cluster}"
      task_definition_arn = "arn:aws:ecs:eu-central-1:123456789012:task-definition/dazn-runners-${name}:3"
      container_name      = "runner"
      capacity_provider_strategy = [{
        capacity_provider = cluster == "ecs" ? "dazn-runners-${name}" : (endswith(name, "-spot") ? "FARGATE_SPOT" : "FARGATE")
        weight            = 1
        base              = 0
      }]
      launch_type = null
      network = {
        subnets          = ["subnet-0a1b2c3d4e5f60718", "subnet-0b1c2d3e4f5a60718"]
        security_groups  = ["sg-0a1b2c3d4e5f60718", "sg-0b1c2d3e4f5a60718"]
        assign_public_ip = false
      }
      task_role_arn      = "arn:aws:iam::123456789012:role/dazn-runners-${name}-task"
      execution_role_arn = "arn:aws:iam::123456789012:role/dazn-runners-${name}-exec"
    }
  }
}

run "pools_json_has_the_interface_shape_in_map_order" {
  command = apply
  variables {
    pools = run.pools.pools
  }

  assert {
    condition     = [for p in jsondecode(output.pools_json) : p.name] == ["ecs-arm64-ondemand", "ecs-arm64-spot", "ecs-x64-ondemand", "ecs-x64-spot", "fargate-arm64", "fargate-x64-ondemand", "fargate-x64-spot"]
    error_message = "POOLS lists every pool once, in the map's (sorted) order."
  }
  assert {
    condition = alltrue([for p in jsondecode(output.pools_json) : toset(keys(p)) == toset([
      "name", "labels", "runnerGroup", "cluster", "taskDefinition", "containerName", "capacityProviderStrategy",
      "launchType", "network", "maxRunners", "warm", "fallbackPool",
    ])])
    error_message = "Every POOLS entry has exactly the attributes of scaler/INTERFACE.md."
  }
  assert {
    condition = jsondecode(output.pools_json)[3] == {
      name                     = "ecs-x64-spot"
      labels                   = ["self-hosted", "linux", "X64", "ecs-x64-spot", "x86_64", "spot", "ecs"]
      runnerGroup              = "ecs"
      cluster                  = "arn:aws:ecs:eu-central-1:123456789012:cluster/dazn-runners-ecs"
      taskDefinition           = "arn:aws:ecs:eu-central-1:123456789012:task-definition/dazn-runners-ecs-x64-spot:3"
      containerName            = "runner"
      capacityProviderStrategy = [{ capacityProvider = "dazn-runners-ecs-x64-spot", weight = 1, base = 0 }]
      launchType               = null
      network                  = { subnets = ["subnet-0a1b2c3d4e5f60718", "subnet-0b1c2d3e4f5a60718"], securityGroups = ["sg-0a1b2c3d4e5f60718", "sg-0b1c2d3e4f5a60718"], assignPublicIp = false }
      maxRunners               = 30
      warm                     = { officeHours = 6, otherHours = 0 }
      fallbackPool             = "ecs-x64-ondemand"
    }
    error_message = "A POOLS entry carries the pool's labels, group, task, strategy, network, maximum, warm minimums and fallback as INTERFACE.md writes them."
  }
  assert {
    condition     = jsondecode(output.pools_json)[4].fallbackPool == null && jsondecode(output.pools_json)[4].capacityProviderStrategy[0].capacityProvider == "FARGATE"
    error_message = "A pool without fallback has fallbackPool null; Fargate pools use FARGATE / FARGATE_SPOT."
  }
  assert {
    condition     = length(output.pools_json) > 4096 && output.pools_encoding == "gzip-base64"
    error_message = "Seven pools' JSON alone is over Lambda's 4 KB environment limit, so auto gzips it."
  }
  assert {
    condition = (aws_lambda_function.webhook.environment[0].variables.POOLS == base64gzip(output.pools_json)
      && aws_lambda_function.reconciler.environment[0].variables.POOLS == base64gzip(output.pools_json)
    && startswith(aws_lambda_function.webhook.environment[0].variables.POOLS, "H4sI"))
    error_message = "Both functions get POOLS, gzipped and base64-encoded (starts with gzip's magic)."
  }
  assert {
    condition     = output.environment_bytes <= 4096
    error_message = "The seven pools' environment fits Lambda's 4 KB."
  }
}

run "functions_get_the_interface_settings" {
  command = apply
  variables {
    pools = run.pools.pools
  }

  assert {
    condition = toset(keys(aws_lambda_function.webhook.environment[0].variables)) == toset([
      "POOLS", "GITHUB_API_URL", "GITHUB_ORG", "GITHUB_APP_ID", "GITHUB_INSTALLATION_ID", "GITHUB_APP_KEY_SECRET_ARN",
      "WEBHOOK_SECRET_ARN", "STATE_TABLE", "JIT_PARAMETER_PREFIX", "RUNNER_NAME_PREFIX", "MAX_RUNNERS", "OFFICE_HOURS",
      "TIME_ZONE", "RUNNER_START_TIMEOUT_SECONDS", "RUNNER_IDLE_TIMEOUT_SECONDS",
    ])
    error_message = "The functions' environment has the names of scaler/INTERFACE.md, nothing else."
  }
  assert {
    condition = (aws_lambda_function.webhook.environment[0].variables.MAX_RUNNERS == "100"
      && aws_lambda_function.webhook.environment[0].variables.JIT_PARAMETER_PREFIX == "/dazn-runners/jit"
      && aws_lambda_function.webhook.environment[0].variables.GITHUB_API_URL == "https://api.github.com"
      && aws_lambda_function.webhook.environment[0].variables.STATE_TABLE == aws_dynamodb_table.state.name
      && aws_lambda_function.webhook.environment[0].variables.GITHUB_APP_KEY_SECRET_ARN == aws_secretsmanager_secret.app_key.arn
    && aws_lambda_function.webhook.environment[0].variables.OFFICE_HOURS == "Mon-Fri 08:00-19:00")
    error_message = "Global maximum = sum of the pools' maxima; prefix, API, table and secrets as created."
  }
  assert {
    condition     = !anytrue([for k, v in aws_lambda_function.webhook.environment[0].variables : can(regex("BEGIN .*PRIVATE KEY", v))])
    error_message = "The environment names secrets, never holds them."
  }
  assert {
    condition     = aws_lambda_function.webhook.timeout <= 10 && aws_lambda_function.reconciler.timeout <= 60 && aws_lambda_function.reconciler.reserved_concurrent_executions == 1
    error_message = "Webhook answers within GitHub's 10 s; one reconciler at a time, within its minute."
  }
  assert {
    condition = alltrue([for f in [aws_lambda_function.webhook, aws_lambda_function.reconciler] :
    f.handler == "index.handler" && startswith(f.runtime, "nodejs") && f.source_code_hash == filebase64sha256("tests/placeholder.zip")])
    error_message = "Node.js handlers index.handler, redeployed when the zip changes."
  }
  assert {
    condition     = aws_lambda_function_url.webhook.authorization_type == "NONE" && aws_lambda_permission.webhook_url.function_url_auth_type == "NONE" && aws_lambda_permission.webhook_url.action == "lambda:InvokeFunctionUrl"
    error_message = "The webhook URL is public (GitHub signs its deliveries)."
  }
  assert {
    condition     = aws_cloudwatch_event_rule.reconciler.schedule_expression == "rate(1 minute)" && aws_cloudwatch_event_target.reconciler.arn == aws_lambda_function.reconciler.arn && aws_lambda_permission.reconciler_schedule.principal == "events.amazonaws.com" && aws_lambda_permission.reconciler_schedule.source_arn == aws_cloudwatch_event_rule.reconciler.arn
    error_message = "EventBridge runs the reconciler every minute, and only that rule may invoke it."
  }
  assert {
    condition     = aws_dynamodb_table.state.hash_key == "pk" && one(aws_dynamodb_table.state.attribute).type == "S" && aws_dynamodb_table.state.billing_mode == "PAY_PER_REQUEST" && one(aws_dynamodb_table.state.ttl).enabled
    error_message = "State table: hash key pk (string), on demand, with TTL."
  }
  assert {
    condition     = alltrue([for g in aws_cloudwatch_log_group.function : g.retention_in_days == 30]) && toset(keys(aws_cloudwatch_log_group.function)) == toset(["dazn-runners-scaler-webhook", "dazn-runners-scaler-reconciler"])
    error_message = "Each function logs to its own group, with retention."
  }
}

run "the_policy_grants_the_pools_tasks_roles_and_the_jit_prefix_only" {
  command = apply
  variables {
    pools = run.pools.pools
  }

  assert {
    # jsonencode on both sides: compares the documents, not Terraform's list and tuple types.
    condition = jsonencode(one([for s in jsondecode(aws_iam_role_policy.scaler.policy).Statement : s if contains(s.Action, "ecs:RunTask")])) == jsonencode({
      Sid      = "StartRunnerTasksOfThePoolsOnly"
      Effect   = "Allow"
      Action   = ["ecs:RunTask"]
      Resource = sort([for t in var.tasks : t.task_definition_arn])
      Condition = { ArnEquals = { "ecs:cluster" = [
        "arn:aws:ecs:eu-central-1:123456789012:cluster/dazn-runners-ecs",
        "arn:aws:ecs:eu-central-1:123456789012:cluster/dazn-runners-fargate",
      ] } }
    })
    error_message = "RunTask only on the pools' task definitions (their revision), only in the pools' clusters."
  }
  assert {
    condition = jsonencode(one([for s in jsondecode(aws_iam_role_policy.scaler.policy).Statement : s if contains(s.Action, "iam:PassRole")])) == jsonencode({
      Sid       = "PassThePoolsTaskRolesToEcsOnly"
      Effect    = "Allow"
      Action    = ["iam:PassRole"]
      Resource  = flatten([for name in sort(keys(var.tasks)) : [var.tasks[name].task_role_arn, var.tasks[name].execution_role_arn]])
      Condition = { StringEquals = { "iam:PassedToService" = "ecs-tasks.amazonaws.com" } }
    })
    error_message = "PassRole only of the pools' task and execution roles, only to ECS tasks."
  }
  assert {
    condition = (flatten([for s in jsondecode(aws_iam_role_policy.scaler.policy).Statement : s.Resource if anytrue([for a in s.Action : startswith(a, "ssm:")])])
    == ["arn:aws:ssm:eu-central-1:123456789012:parameter/dazn-runners/jit/*"])
    error_message = "SSM only on the JIT prefix."
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.scaler.policy).Statement : s if contains(s.Action, "ecs:TagResource")]).Condition == { StringEquals = { "ecs:CreateAction" = "RunTask" } } && alltrue([
      for s in jsondecode(aws_iam_role_policy.scaler.policy).Statement : s.Condition.ArnEquals["ecs:cluster"] == ["arn:aws:ecs:eu-central-1:123456789012:cluster/dazn-runners-ecs", "arn:aws:ecs:eu-central-1:123456789012:cluster/dazn-runners-fargate"]
      if anytrue([for a in s.Action : contains(["ecs:StopTask", "ecs:DescribeTasks", "ecs:ListTasks"], a)])
    ])
    error_message = "Tags only when RunTask creates the task; stop, describe and list only in the pools' clusters."
  }
  assert {
    condition = (one([for s in jsondecode(aws_iam_role_policy.scaler.policy).Statement : s.Resource if contains(s.Action, "secretsmanager:GetSecretValue")]) == [aws_secretsmanager_secret.app_key.arn, aws_secretsmanager_secret.webhook_secret.arn]
    && one([for s in jsondecode(aws_iam_role_policy.scaler.policy).Statement : s.Resource if contains(s.Action, "dynamodb:PutItem")]) == [aws_dynamodb_table.state.arn])
    error_message = "Secrets Manager on its two secrets, DynamoDB on its own table."
  }
  assert {
    condition = !anytrue([for s in jsondecode(aws_iam_role_policy.scaler.policy).Statement : anytrue([for a in s.Action : strcontains(a, "*") || startswith(a, "kms:") || contains(["iam:CreateRole", "ecs:RegisterTaskDefinition", "ecs:UpdateService"], a)])
    || (contains(s.Resource, "*") && s.Action != ["ecs:ListTasks"])])
    error_message = "No wildcard action, no KMS, no task definition or service rights; only ListTasks (cluster-conditioned) takes Resource *."
  }
  assert {
    condition     = jsondecode(aws_iam_role.scaler.assume_role_policy).Statement[0].Principal.Service == "lambda.amazonaws.com"
    error_message = "Only Lambda assumes the scaler's role."
  }
}

run "a_few_pools_get_plain_json" {
  command = apply
  variables {
    pools = run.pools.fargate_pools
  }
  assert {
    condition     = output.pools_encoding == "json" && aws_lambda_function.webhook.environment[0].variables.POOLS == output.pools_json && startswith(output.pools_json, "[")
    error_message = "When the JSON fits, POOLS is the JSON array of INTERFACE.md as is."
  }
}

run "routing_order_reorders_pools" {
  command = apply
  variables {
    pools         = run.pools.pools
    routing_order = ["ecs-x64-spot", "ecs-x64-ondemand", "ecs-arm64-spot", "ecs-arm64-ondemand", "fargate-x64-spot", "fargate-x64-ondemand", "fargate-arm64"]
  }
  assert {
    condition     = jsonencode([for p in jsondecode(output.pools_json) : p.name]) == jsonencode(var.routing_order)
    error_message = "POOLS follows routing_order."
  }
}

run "rejects_a_routing_order_that_misses_a_pool" {
  command = plan
  variables {
    pools         = run.pools.pools
    routing_order = ["ecs-x64-spot"]
  }
  expect_failures = [var.routing_order]
}

run "rejects_a_pool_without_its_task" {
  command = plan
  variables {
    pools = merge(run.pools.pools, { extra = run.pools.pools["fargate-arm64"] })
  }
  expect_failures = [var.tasks]
}

run "rejects_a_webhook_timeout_beyond_githubs_10_seconds" {
  command = plan
  variables {
    pools                   = run.pools.pools
    webhook_timeout_seconds = 15
  }
  expect_failures = [var.webhook_timeout_seconds]
}

run "refuses_an_environment_lambda_would_refuse" {
  command = plan
  variables {
    pools          = run.pools.pools
    pools_encoding = "json"
    tasks          = { for k, t in var.tasks : k => merge(t, { network = merge(t.network, { subnets = [for i in range(16) : "subnet-0a1b2c3d4e5f607${format("%02d", i)}"] }) }) }
  }
  expect_failures = [aws_lambda_function.webhook]
}

run "rejects_a_non_numeric_app_id" {
  command = plan
  variables {
    pools         = run.pools.pools
    github_app_id = "Iv1.0123456789abcdef"
  }
  expect_failures = [var.github_app_id]
}
