variable "name_prefix" {
  description = "Prefix of resource names, e.g. dazn-runners."
  type        = string
  default     = "dazn-runners"
}

variable "alarm_topic_arn" {
  description = "SNS topic every alarm notifies (alarm and OK); null = create <name_prefix>-alarms (subscribe to it: its ARN is the alarm_topic_arn output)."
  type        = string
  default     = null
}

variable "scaler_log_groups" {
  description = "Log groups of the scaler's functions (modules/scaler): its JSON log lines are counted by metric filters."
  type = object({
    webhook    = string
    reconciler = string
  })
}

variable "cluster_arns" {
  description = "ECS clusters of the runners (name => ARN); tasks there that stop with TaskFailedToStart are counted."
  type        = map(string)
}

variable "registry_mirror" {
  description = "The registry mirror's ECS services (one per availability zone, modules/registry-mirror; Container Insights on their cluster): alarm when any runs fewer than min_running tasks. null = no mirror alarm."
  type = object({
    cluster_name  = string
    service_names = list(string)
    min_running   = optional(number, 1)
  })
  default = null
}

variable "cache_bucket_name" {
  description = "The cache bucket (stack 02): S3 request metrics are turned on for it (filter EntireBucket) and its 4xx share and 5xx count alarmed. null = none."
  type        = string
  default     = null
}

variable "cache_bucket_request_metrics" {
  description = "Create the bucket's request metrics configuration (S3 publishes 4xxErrors/5xxErrors only with one; billed as CloudWatch metrics). false where it exists already, or on an emulator without it."
  type        = bool
  default     = true
}

variable "thresholds" {
  description = "When alarms fire. jobs_waiting_minutes: a job the reconciler finds queued without a runner in that many consecutive minutes; task_start_failures: runner tasks that failed to start (ECS TaskFailedToStart plus the scaler's undone starts) per 5 minutes; spot_interruptions: spot interruption warnings per 15 minutes (the account's, EventBridge cannot filter by group); scaler_errors: error lines of the scaler per 5 minutes; cache_4xx_share: share of the bucket's requests answered 4xx per 5 minutes (misses are 404s: keep it high); cache_5xx: 5xx answers per 5 minutes."
  type = object({
    jobs_waiting_minutes = optional(number, 10)
    task_start_failures  = optional(number, 3)
    spot_interruptions   = optional(number, 5)
    scaler_errors        = optional(number, 1)
    cache_4xx_share      = optional(number, 0.5)
    cache_5xx            = optional(number, 10)
  })
  default = {}
}

variable "log_retention_days" {
  description = "Retention of the log group that keeps the matched ECS and spot events, in days."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags merged into every resource's tags."
  type        = map(string)
  default     = {}
}
