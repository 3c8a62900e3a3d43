locals {
  topic_arn = coalesce(var.alarm_topic_arn, one(aws_sns_topic.alarms[*].arn))
  namespace = "${var.name_prefix}/scaler"

  # The scaler's JSON log lines (scaler/src/log.ts: {"level", "message", ...}) that mean trouble.
  log_metrics = {
    JobsWaiting = {
      log_group = var.scaler_log_groups.reconciler
      pattern   = "{ $.message = \"pending job still without a runner\" }"
    }
    RunnerStartsUndone = {
      log_group = var.scaler_log_groups.reconciler
      pattern   = "{ $.message = \"runner start undone\" }"
    }
    WebhookRunnerStartsUndone = {
      log_group = var.scaler_log_groups.webhook
      pattern   = "{ $.message = \"runner start undone\" }"
    }
    ReconcilerErrors = {
      log_group = var.scaler_log_groups.reconciler
      pattern   = "{ $.level = \"error\" }"
    }
    WebhookErrors = {
      log_group = var.scaler_log_groups.webhook
      pattern   = "{ $.level = \"error\" }"
    }
  }

  events = {
    task-failed-to-start = {
      description = "Runner tasks that stopped before they started (image pull, capacity, configuration)"
      pattern = {
        source        = ["aws.ecs"]
        "detail-type" = ["ECS Task State Change"]
        detail = {
          clusterArn = values(var.cluster_arns)
          lastStatus = ["STOPPED"]
          stopCode   = ["TaskFailedToStart"]
        }
      }
    }
    spot-interruption = {
      description = "EC2 spot interruption warnings (two minutes before; the agents drain)"
      pattern = {
        source        = ["aws.ec2"]
        "detail-type" = ["EC2 Spot Instance Interruption Warning"]
      }
    }
  }
}

resource "aws_sns_topic" "alarms" {
  count = var.alarm_topic_arn == null ? 1 : 0

  name = "${var.name_prefix}-alarms"
  tags = var.tags
}

# --- The scaler's logs ------------------------------------------------------------------------------

resource "aws_cloudwatch_log_metric_filter" "scaler" {
  for_each = local.log_metrics

  name           = "${var.name_prefix}-${each.key}"
  log_group_name = each.value.log_group
  pattern        = each.value.pattern

  metric_transformation {
    name          = each.key
    namespace     = local.namespace
    value         = "1"
    default_value = "0"
  }
}

# The reconciler runs every minute and logs each queued job it could not serve: a job waiting N
# minutes is N breaching one-minute periods in a row.
resource "aws_cloudwatch_metric_alarm" "jobs_waiting" {
  alarm_name          = "${var.name_prefix}-jobs-waiting"
  alarm_description   = "A job has been queued without a runner for ${var.thresholds.jobs_waiting_minutes} minutes (the reconciler's \"pending job still without a runner\"): no capacity, runners that never come online (runner version older than GitHub accepts: exit 7 in the runner logs), or RunTask refused."
  namespace           = local.namespace
  metric_name         = "JobsWaiting"
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = var.thresholds.jobs_waiting_minutes
  datapoints_to_alarm = var.thresholds.jobs_waiting_minutes
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [local.topic_arn]
  ok_actions          = [local.topic_arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "scaler_errors" {
  alarm_name          = "${var.name_prefix}-scaler-errors"
  alarm_description   = "The scaler logged errors (level error): state table, GitHub or ECS failures. See the functions' log groups."
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = var.thresholds.scaler_errors
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [local.topic_arn]
  ok_actions          = [local.topic_arn]
  tags                = var.tags

  metric_query {
    id          = "errors"
    expression  = "reconciler + webhook"
    label       = "scaler error lines"
    return_data = true
  }
  metric_query {
    id = "reconciler"
    metric {
      namespace   = local.namespace
      metric_name = "ReconcilerErrors"
      stat        = "Sum"
      period      = 300
    }
  }
  metric_query {
    id = "webhook"
    metric {
      namespace   = local.namespace
      metric_name = "WebhookErrors"
      stat        = "Sum"
      period      = 300
    }
  }
}

# --- ECS and EC2 events ------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "events" {
  # EventBridge writes only to groups under /aws/events/.
  name              = "/aws/events/${var.name_prefix}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

data "aws_iam_policy_document" "events_to_logs" {
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.events.arn}:*"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com", "delivery.logs.amazonaws.com"]
    }
  }
}

resource "aws_cloudwatch_log_resource_policy" "events" {
  policy_name     = "${var.name_prefix}-events"
  policy_document = data.aws_iam_policy_document.events_to_logs.json
}

resource "aws_cloudwatch_event_rule" "this" {
  for_each = local.events

  name          = "${var.name_prefix}-${each.key}"
  description   = each.value.description
  event_pattern = jsonencode(each.value.pattern)
  tags          = var.tags
}

# The matched events are kept for the investigation (which task, which stop reason, which instance).
resource "aws_cloudwatch_event_target" "logs" {
  for_each = local.events

  rule = aws_cloudwatch_event_rule.this[each.key].name
  arn  = aws_cloudwatch_log_group.events.arn
}

resource "aws_cloudwatch_metric_alarm" "task_start_failures" {
  alarm_name          = "${var.name_prefix}-task-start-failures"
  alarm_description   = "Runner tasks failed to start: ECS TaskFailedToStart (image missing from ECR, no capacity, bad task definition; the events are in /aws/events/${var.name_prefix}) plus the scaler's undone starts (RunTask refused or the task never came online)."
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = var.thresholds.task_start_failures
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [local.topic_arn]
  ok_actions          = [local.topic_arn]
  tags                = var.tags

  metric_query {
    id          = "failures"
    expression  = "ecs + reconciler + webhook"
    label       = "runner start failures"
    return_data = true
  }
  metric_query {
    id = "ecs"
    metric {
      namespace   = "AWS/Events"
      metric_name = "TriggeredRules"
      dimensions  = { RuleName = aws_cloudwatch_event_rule.this["task-failed-to-start"].name }
      stat        = "Sum"
      period      = 300
    }
  }
  metric_query {
    id = "reconciler"
    metric {
      namespace   = local.namespace
      metric_name = "RunnerStartsUndone"
      stat        = "Sum"
      period      = 300
    }
  }
  metric_query {
    id = "webhook"
    metric {
      namespace   = local.namespace
      metric_name = "WebhookRunnerStartsUndone"
      stat        = "Sum"
      period      = 300
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "spot_interruptions" {
  alarm_name          = "${var.name_prefix}-spot-interruptions"
  alarm_description   = "Many spot interruption warnings: the spot pools lose agents (their jobs are retried by GitHub only if the workflow allows). Consider more spot_instance_types or an on-demand base (stack 04)."
  namespace           = "AWS/Events"
  metric_name         = "TriggeredRules"
  dimensions          = { RuleName = aws_cloudwatch_event_rule.this["spot-interruption"].name }
  statistic           = "Sum"
  period              = 900
  evaluation_periods  = 1
  threshold           = var.thresholds.spot_interruptions
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [local.topic_arn]
  ok_actions          = [local.topic_arn]
  tags                = var.tags
}

# --- The registry mirror --------------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "registry_mirror" {
  count = var.registry_mirror == null ? 0 : 1

  alarm_name        = "${var.name_prefix}-registry-mirror-unhealthy"
  alarm_description = "A registry mirror service ran fewer than ${var.registry_mirror.min_running} task(s) for 3 minutes (its health check fails or it cannot start): that zone's agents and dind fall back to Docker Hub, anonymous and rate-limited."
  # One service per zone: the sum of their running tasks, each missing series counted as 0 (the
  # service or Container Insights is gone: as bad as no task), must reach services × min_running.
  dynamic "metric_query" {
    for_each = var.registry_mirror.service_names
    content {
      id = "m${metric_query.key}"
      metric {
        namespace   = "ECS/ContainerInsights"
        metric_name = "RunningTaskCount"
        dimensions  = { ClusterName = var.registry_mirror.cluster_name, ServiceName = metric_query.value }
        stat        = "Minimum"
        period      = 60
      }
    }
  }
  metric_query {
    id          = "running"
    expression  = "SUM([${join(", ", [for i, _ in var.registry_mirror.service_names : "FILL(m${i}, 0)"])}])"
    label       = "registry mirror tasks running"
    return_data = true
  }
  evaluation_periods  = 3
  threshold           = length(var.registry_mirror.service_names) * var.registry_mirror.min_running
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = [local.topic_arn]
  ok_actions          = [local.topic_arn]
  tags                = var.tags
}

# --- The cache bucket -------------------------------------------------------------------------------------

resource "aws_s3_bucket_metric" "cache" {
  count = var.cache_bucket_name != null && var.cache_bucket_request_metrics ? 1 : 0

  bucket = var.cache_bucket_name
  name   = "EntireBucket"
}

resource "aws_cloudwatch_metric_alarm" "cache_4xx" {
  count = var.cache_bucket_name == null ? 0 : 1

  alarm_name          = "${var.name_prefix}-cache-4xx"
  alarm_description   = "More than ${var.thresholds.cache_4xx_share * 100} % of the cache bucket's requests answered 4xx for 10 minutes: 403s (the cache roles or the bucket policy), not the 404s of cache misses alone."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.thresholds.cache_4xx_share
  evaluation_periods  = 2
  treat_missing_data  = "notBreaching"
  alarm_actions       = [local.topic_arn]
  ok_actions          = [local.topic_arn]
  tags                = var.tags

  metric_query {
    id          = "share"
    expression  = "IF(requests > 0, errors / requests, 0)"
    label       = "4xx share"
    return_data = true
  }
  metric_query {
    id = "errors"
    metric {
      namespace   = "AWS/S3"
      metric_name = "4xxErrors"
      dimensions  = { BucketName = var.cache_bucket_name, FilterId = "EntireBucket" }
      stat        = "Sum"
      period      = 300
    }
  }
  metric_query {
    id = "requests"
    metric {
      namespace   = "AWS/S3"
      metric_name = "AllRequests"
      dimensions  = { BucketName = var.cache_bucket_name, FilterId = "EntireBucket" }
      stat        = "Sum"
      period      = 300
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "cache_5xx" {
  count = var.cache_bucket_name == null ? 0 : 1

  alarm_name          = "${var.name_prefix}-cache-5xx"
  alarm_description   = "The cache bucket answered 5xx (S3 503 SlowDown: too many requests on one prefix, or an S3 outage); the cache action retries and then warns."
  namespace           = "AWS/S3"
  metric_name         = "5xxErrors"
  dimensions          = { BucketName = var.cache_bucket_name, FilterId = "EntireBucket" }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = var.thresholds.cache_5xx
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [local.topic_arn]
  ok_actions          = [local.topic_arn]
  tags                = var.tags
}
