variable "enabled" {
  description = "Create the endpoints (true, recommended: traffic to S3 and the AWS APIs stays off the NAT gateway); false = none, e.g. where the VPC already has them."
  type        = bool
  default     = true
}

variable "name_prefix" {
  description = "Prefix of resource names, e.g. dazn-runners."
  type        = string
  default     = "dazn-runners"
}

variable "vpc_id" {
  description = "VPC of the runners and agents."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the runners (one interface endpoint network interface per subnet; at most one subnet per availability zone)."
  type        = list(string)
}

variable "route_table_ids" {
  description = "Route tables of those subnets, which get the S3 gateway endpoint's route."
  type        = list(string)
}

variable "allowed_cidr_blocks" {
  description = "Who may reach the interface endpoints on 443: the VPC's CIDR block(s)."
  type        = list(string)
}

variable "interface_services" {
  description = "AWS services reached through interface endpoints (com.amazonaws.<region>.<service>), what runners, agents, the mirror and the log router call: ECR (api, dkr), CloudWatch Logs, STS (the cache roles), SSM (JIT configurations), Secrets Manager (the mirror's Docker Hub credentials), ECS (the agents: ecs, ecs-agent, ecs-telemetry)."
  type        = list(string)
  default     = ["ecr.api", "ecr.dkr", "logs", "sts", "ssm", "secretsmanager", "ecs", "ecs-agent", "ecs-telemetry"]

  validation {
    condition     = alltrue([for s in var.interface_services : can(regex("^[a-z0-9][a-z0-9.-]*$", s)) && s != "s3"])
    error_message = "interface_services: service names such as ecr.api (lower case); s3 is the gateway endpoint, always created."
  }
}

variable "tags" {
  description = "Tags merged into every resource's tags."
  type        = map(string)
  default     = {}
}
