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

variable "layer_expiration_days" {
  description = "Days after which stored blobs expire (the mirror fetches them again from Docker Hub when needed)."
  type        = number
  default     = 30
}

variable "vpc_id" {
  description = "VPC of the mirror."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the mirror tasks and its internal load balancer."
  type        = list(string)
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

variable "desired_count" {
  description = "Mirror tasks (2 = one per availability zone for availability)."
  type        = number
  default     = 2
}

variable "dockerhub_credentials_secret_arn" {
  description = "Secrets Manager secret with JSON {username, password} of a Docker Hub account (higher pull limits); null = anonymous."
  type        = string
  default     = null
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
