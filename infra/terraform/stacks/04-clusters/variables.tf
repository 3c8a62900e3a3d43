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
  description = "Tag of the registry-mirror image publish.sh pushed: the commit, 12 hex digits (infra/images/images.json). No default: the repositories are IMMUTABLE, there is no moving tag."
  type        = string
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

variable "vpc_endpoints_enabled" {
  description = "Create the S3 gateway endpoint and the interface endpoints of vpc_endpoint_interface_services (modules/vpc-endpoints: cost reasoning in its README); false where the VPC has them already."
  type        = bool
  default     = true
}

variable "vpc_endpoint_interface_services" {
  description = "AWS services reached through interface endpoints; [] keeps only the (free) S3 gateway endpoint."
  type        = list(string)
  default     = ["ecr.api", "ecr.dkr", "logs", "sts", "ssm", "secretsmanager", "ecs", "ecs-agent", "ecs-telemetry"]
}

variable "spot_instance_types" {
  description = "Instance types a spot pool may use besides its own, per architecture (x86_64, arm64), each with the pool type's vCPU and memory; null = modules/ecs-ec2-capacity's default."
  type        = map(list(string))
  default     = null
}

variable "spot_on_demand_base_capacity" {
  description = "On-demand agents each spot pool starts before any spot agent (0 = spot only)."
  type        = number
  default     = 0
}
