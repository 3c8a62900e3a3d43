variable "pools" {
  description = "The runner pools map (one entry per pool); null = the spec's seven pools. Type, defaults and validation: modules/runner-pools (variable pools). Stacks 05 and 06 read the result from this stack."
  type        = any
  default     = null
}

variable "time_zone" {
  description = "IANA time zone of the office hours schedule; null = Europe/Berlin."
  type        = string
  default     = null
}

variable "office_hours_start" {
  description = "HH:MM at which the runners scale out, Monday to Friday; null = 08:00."
  type        = string
  default     = null
}

variable "office_hours_end" {
  description = "HH:MM at which the runners scale in, Monday to Friday; null = 19:00."
  type        = string
  default     = null
}

variable "agents_lead_minutes" {
  description = "Minutes the agents scale out before the runners; null = 15."
  type        = number
  default     = null
}

variable "agents_lag_minutes" {
  description = "Minutes the agents scale in after the runners; null = 15."
  type        = number
  default     = null
}

variable "image_tag" {
  description = "Tag of the registry-mirror image in ECR."
  type        = string
  default     = "latest"
}

variable "mirror_bucket_name" {
  description = "Bucket of the registry mirror's layers (globally unique)."
  type        = string
}

variable "ami_ids" {
  description = "AMI per architecture (x86_64, arm64) for the agents; a missing one = the current ECS-optimized Amazon Linux 2023 AMI."
  type        = map(string)
  default     = {}
}

variable "agent_user_data_template" {
  description = "Agents' user data template; null = infra/images/agent-host/user-data.sh.tftpl when present, else the ecs-ec2-capacity module's minimal one."
  type        = string
  default     = null
}

variable "force_destroy" {
  description = "Allow destroying the mirror's bucket with layers in it, and the agents' auto scaling groups without draining (throw-away environments only)."
  type        = bool
  default     = false
}
