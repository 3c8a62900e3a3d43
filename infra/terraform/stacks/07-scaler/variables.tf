variable "github_organization" {
  description = "GitHub organisation the runners register into; the GitHub App is installed on it."
  type        = string
}

variable "github_app_id" {
  description = "The GitHub App's numeric App ID (App settings, \"App ID\")."
  type        = string
}

variable "github_installation_id" {
  description = "The App's installation ID on the organisation (the number at the end of the installation's settings URL)."
  type        = string
}

variable "github_api_url" {
  description = "GitHub REST API: https://api.github.com, or https://<host>/api/v3 for GitHub Enterprise Server."
  type        = string
  default     = "https://api.github.com"
}

variable "webhook_zip" {
  description = "The webhook function's zip; null = scaler/dist/webhook.zip of this repository (bash scaler/build.sh && bash scaler/package.sh)."
  type        = string
  default     = null
}

variable "reconciler_zip" {
  description = "The reconciler function's zip; null = scaler/dist/reconciler.zip of this repository."
  type        = string
  default     = null
}

variable "routing_order" {
  description = "Pool names in routing order (a job goes to the first pool whose labels include all of its labels); null = the pools map's order, sorted by name."
  type        = list(string)
  default     = null
}

variable "max_runners" {
  description = "Most runners over all pools at once; null = the sum of the pools' max_runners."
  type        = number
  default     = null
}

variable "jit_parameter_prefix" {
  description = "SSM path of the runners' JIT configurations; the same as stacks 05 and 06 (their jit_parameter_prefix)."
  type        = string
  default     = "/dazn-runners/jit"
}

variable "runner_name_prefix" {
  description = "Prefix of runner names; the scaler stops and deletes only runners and tasks named <prefix>-..."
  type        = string
  default     = "dazn"
}

variable "runner_start_timeout_seconds" {
  description = "Seconds a runner may take to come online before it is treated as failed."
  type        = number
  default     = 600
}

variable "runner_idle_timeout_seconds" {
  description = "Seconds an online runner beyond the warm minimum may wait for a job before it is removed."
  type        = number
  default     = 900
}

variable "lambda_runtime" {
  description = "Node.js runtime of the functions (nodejs20.x or nodejs22.x)."
  type        = string
  default     = "nodejs22.x"
}

variable "log_retention_days" {
  description = "Retention of the functions' log groups in days."
  type        = number
  default     = 30
}

variable "secret_recovery_window_days" {
  description = "Days a deleted secret can be restored (0 = at once: throw-away environments and tests only)."
  type        = number
  default     = 7
}

variable "pools_encoding" {
  description = "How POOLS reaches the functions: auto (JSON when the environment fits Lambda's 4 KB, else gzip-base64), json, gzip-base64."
  type        = string
  default     = "auto"
}

variable "alarm_topic_arn" {
  description = "SNS topic the platform alarms notify (modules/platform-alarms); null = create <name_prefix>-alarms (output alarm_topic_arn: subscribe to it)."
  type        = string
  default     = null
}

variable "alarm_thresholds" {
  description = "When the platform alarms fire (modules/platform-alarms variable thresholds); {} = its defaults."
  type        = any
  default     = {}
}

variable "registry_mirror_service" {
  description = "ECS service name of the registry mirror in the Fargate cluster, for its alarm; null = the services stack 04 publishes (one per zone), \"\" = no mirror alarm."
  type        = string
  default     = null
}

variable "emulator_unsupported_off" {
  description = "Leave out what the local AWS emulator (moto) cannot create: the cache bucket's S3 request metrics configuration. Tests only."
  type        = bool
  default     = false
}
