variable "pools" {
  description = "The runner pools map (one entry per pool); null = the spec's seven pools. Type, defaults and validation: modules/runner-pools (variable pools). Stacks 05, 06 and 07 read the result from this stack."
  type        = any
  default     = null
}

variable "time_zone" {
  description = "IANA time zone of the office hours; null = Europe/Berlin."
  type        = string
  default     = null
}

variable "office_hours_start" {
  description = "HH:MM at which office hours start, Monday to Friday (the pools' warm.office_hours apply); null = 08:00."
  type        = string
  default     = null
}

variable "office_hours_end" {
  description = "HH:MM at which office hours end, Monday to Friday (warm.other_hours apply until the next start); null = 19:00."
  type        = string
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

variable "mirror_cache_ttl_days" {
  description = "Days the registry mirror keeps what it fetched (its proxy TTL); its bucket expires objects one day later. Module registry-mirror, cache_ttl_days."
  type        = number
  default     = 7
}

variable "dockerhub_credentials_secret_arn" {
  description = "ARN of the Secrets Manager secret with the Docker Hub account the mirror pulls as: JSON {\"username\": ..., \"password\": <access token>}, put there outside Terraform. null = anonymous pulls (10 an hour per IP address, shared by every mirror task behind the NAT)."
  type        = string
  default     = null
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
