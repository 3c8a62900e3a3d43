output "alarm_topic_arn" {
  description = "The SNS topic the alarms notify (subscribe e-mail, chat or paging to it)."
  value       = local.topic_arn
}

output "alarm_names" {
  description = "Names of the alarms."
  value = concat(
    [aws_cloudwatch_metric_alarm.jobs_waiting.alarm_name, aws_cloudwatch_metric_alarm.scaler_errors.alarm_name,
    aws_cloudwatch_metric_alarm.task_start_failures.alarm_name, aws_cloudwatch_metric_alarm.spot_interruptions.alarm_name],
    aws_cloudwatch_metric_alarm.registry_mirror[*].alarm_name, aws_cloudwatch_metric_alarm.cache_4xx[*].alarm_name,
    aws_cloudwatch_metric_alarm.cache_5xx[*].alarm_name,
  )
}

output "events_log_group" {
  description = "Log group of the matched ECS task failures and spot interruption warnings."
  value       = aws_cloudwatch_log_group.events.name
}
