variable "name_prefix" {
  description = "Prefix of resource names, e.g. dazn-runners."
  type        = string
  default     = "dazn-runners"
}

variable "cluster" {
  description = "Fargate cluster that runs the mirror: { name, arn }."
  type        = object({ name = string, arn = string })
}

variable "image" {
  description = "Image of the registry mirror (the distribution registry, infra/images/registry-mirror)."
  type        = string
}

variable "ecr_repository_arns" {
  description = "ECR repositories the mirror task pulls from (execution role permission)."
  type        = list(string)
  default     = []
}

variable "bucket_name" {
  description = "Name of the S3 bucket storing the mirrored layers."
  type        = string
}

variable "cache_ttl_days" {
  description = "Days the mirror keeps what it fetched from Docker Hub: the registry's proxy.ttl (REGISTRY_PROXY_TTL, in hours); the bucket expires objects one day later, as a backstop. Whole days, 1 to 365."
  type        = number
  default     = 7

  validation {
    condition     = floor(var.cache_ttl_days) == var.cache_ttl_days && var.cache_ttl_days >= 1 && var.cache_ttl_days <= 365
    error_message = "cache_ttl_days must be a whole number of days from 1 to 365 (it is both the proxy's TTL and, plus one day, the bucket's expiry)."
  }
}

variable "vpc_id" {
  description = "VPC of the mirror."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the mirror tasks and its internal load balancer, one per availability zone: each gets one mirror task with its own storage root."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 1 && length(distinct(var.subnet_ids)) == length(var.subnet_ids)
    error_message = "subnet_ids must name at least one subnet, each once (one mirror task per subnet)."
  }
}

variable "allowed_cidr_blocks" {
  description = "CIDR blocks allowed to pull through the mirror (the runners' VPC)."
  type        = list(string)
}

variable "port" {
  description = "Port of the registry."
  type        = number
  default     = 5000
}

variable "cpu" {
  description = "CPU units of a mirror task."
  type        = number
  default     = 1024
}

variable "memory" {
  description = "Memory (MiB) of a mirror task."
  type        = number
  default     = 2048
}

variable "dockerhub_credentials_secret_arn" {
  description = "ARN of a Secrets Manager secret holding JSON {\"username\": ..., \"password\": <access token>} of a Docker Hub account (anonymous pulls are limited to 10 an hour per IP address); ECS reads it at task start, its value never enters Terraform's state. null = anonymous."
  type        = string
  default     = null

  validation {
    condition     = var.dockerhub_credentials_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.dockerhub_credentials_secret_arn))
    error_message = "dockerhub_credentials_secret_arn must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>), or null for anonymous pulls."
  }
}

variable "force_destroy" {
  description = "Allow destroying the layer bucket with objects in it (throw-away environments)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags merged into every resource's tags."
  type        = map(string)
  default     = {}
}
