mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{}" }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:eu-central-1:123456789012:dazn-runners-alarms" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-central-1:123456789012:log-group:/aws/events/dazn-runners" }
  }
}

variables {
  scaler_log_groups = { webhook = "/aws/lambda/dazn-runners-scaler-webhook", reconciler = "/aws/lambda/dazn-runners-scaler-reconciler" }
  cluster_arns      = { ecs = "arn:aws:ecs:eu-central-1:123456789012:cluster/dazn-runners-ecs", fargate = "arn:aws:ecs:eu-central-1:123456789012:cluster/dazn-runners-fargate" }
  registry_mirror   = { cluster_name = "dazn-runners-fargate", service_names = ["dazn-runners-registry-mirror-subnet-a", "dazn-runners-registry-mirror-subnet-b"] }
  cache_bucket_name = "dazn-cache"
}

run "every_alarm_notifies_the_created_topic" {
  command = apply

  assert {
    condition     = length(output.alarm_names) == 7 && output.alarm_topic_arn == "arn:aws:sns:eu-central-1:123456789012:dazn-runners-alarms"
    error_message = "Seven alarms (jobs waiting, scaler errors, task start failures, spot interruptions, mirror, cache 4xx, cache 5xx) and a topic of their own."
  }
  assert {
    condition = alltrue([for a in concat([aws_cloudwatch_metric_alarm.jobs_waiting, aws_cloudwatch_metric_alarm.scaler_errors, aws_cloudwatch_metric_alarm.task_start_failures, aws_cloudwatch_metric_alarm.spot_interruptions], aws_cloudwatch_metric_alarm.registry_mirror, aws_cloudwatch_metric_alarm.cache_4xx, aws_cloudwatch_metric_alarm.cache_5xx) :
    a.alarm_actions == toset([output.alarm_topic_arn]) && a.ok_actions == toset([output.alarm_topic_arn])])
    error_message = "Every alarm notifies the topic when it fires and when it clears."
  }
}

run "jobs_waiting_counts_the_reconcilers_unserved_jobs_minute_by_minute" {
  command = plan

  assert {
    condition     = aws_cloudwatch_log_metric_filter.scaler["JobsWaiting"].log_group_name == "/aws/lambda/dazn-runners-scaler-reconciler" && aws_cloudwatch_log_metric_filter.scaler["JobsWaiting"].pattern == "{ $.message = \"pending job still without a runner\" }"
    error_message = "The reconciler's log line for a queued job it could not serve is counted."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.jobs_waiting.period == 60 && aws_cloudwatch_metric_alarm.jobs_waiting.evaluation_periods == 10 && aws_cloudwatch_metric_alarm.jobs_waiting.datapoints_to_alarm == 10
    error_message = "Jobs waiting: ten one-minute periods in a row."
  }
}

run "task_failures_and_spot_interruptions_come_from_eventbridge" {
  command = plan

  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.this["task-failed-to-start"].event_pattern).detail.stopCode == ["TaskFailedToStart"] && length(jsondecode(aws_cloudwatch_event_rule.this["task-failed-to-start"].event_pattern).detail.clusterArn) == 2
    error_message = "Tasks of the runner clusters that stop with TaskFailedToStart are matched."
  }
  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.this["spot-interruption"].event_pattern)["detail-type"] == ["EC2 Spot Instance Interruption Warning"]
    error_message = "Spot interruption warnings are matched."
  }
  assert {
    condition     = aws_cloudwatch_log_group.events.retention_in_days == 30 && startswith(aws_cloudwatch_log_group.events.name, "/aws/events/")
    error_message = "The matched events are kept in an /aws/events/ group with retention."
  }
}

run "the_cache_bucket_gets_request_metrics_and_the_mirror_its_alarm" {
  command = plan

  assert {
    condition     = aws_s3_bucket_metric.cache[0].bucket == "dazn-cache" && aws_s3_bucket_metric.cache[0].name == "EntireBucket"
    error_message = "S3 publishes 4xx/5xx only with a request metrics configuration."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.cache_5xx[0].dimensions.FilterId == "EntireBucket" && length([for q in aws_cloudwatch_metric_alarm.registry_mirror[0].metric_query : q if q.id != "running"]) == 2 && aws_cloudwatch_metric_alarm.registry_mirror[0].threshold == 2 && one([for q in aws_cloudwatch_metric_alarm.registry_mirror[0].metric_query : q.expression if q.id == "running"]) == "SUM([FILL(m0, 0), FILL(m1, 0)])" && aws_cloudwatch_metric_alarm.registry_mirror[0].treat_missing_data == "breaching"
    error_message = "The 5xx alarm reads the configuration's metrics; no mirror data is an alarm."
  }
}

run "a_given_topic_is_used_and_none_created" {
  command = plan
  variables {
    alarm_topic_arn   = "arn:aws:sns:eu-central-1:123456789012:platform-team"
    registry_mirror   = null
    cache_bucket_name = null
  }

  assert {
    condition     = length(aws_sns_topic.alarms) == 0 && output.alarm_topic_arn == "arn:aws:sns:eu-central-1:123456789012:platform-team" && length(aws_cloudwatch_metric_alarm.registry_mirror) == 0 && length(aws_s3_bucket_metric.cache) == 0
    error_message = "alarm_topic_arn replaces the module's topic; no mirror or bucket, no alarms for them."
  }
}
