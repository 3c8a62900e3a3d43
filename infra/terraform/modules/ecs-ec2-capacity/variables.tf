variable "name_prefix" {
  description = "Prefix of resource names (launch templates, auto scaling groups, capacity providers, IAM), e.g. dazn-runners. Must not start with aws, ecs or fargate (capacity provider rule)."
  type        = string
  default     = "dazn-runners"

  validation {
    condition     = !can(regex("^(aws|ecs|fargate)", lower(var.name_prefix)))
    error_message = "name_prefix must not start with aws, ecs or fargate: capacity provider names may not."
  }
}

variable "cluster_name" {
  description = "Name of the ECS on EC2 cluster to create."
  type        = string
}

variable "pools" {
  description = "ECS on EC2 pools, as normalised by the runner-pools module (its ecs_pools output): arch, capacity, instance_type, data_volume_gib, spot, max_agents, tasks_per_instance."
  type = map(object({
    arch               = string
    capacity           = string
    instance_type      = string
    data_volume_gib    = number
    spot               = bool
    max_agents         = number
    tasks_per_instance = number
  }))
}

variable "vpc_id" {
  description = "VPC of the agents."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the agents (several availability zones, so that spot capacity is found)."
  type        = list(string)
}

variable "ami_ids" {
  description = "AMI per architecture (x86_64, arm64); a missing one is read from the public SSM parameter of the ECS-optimized Amazon Linux 2023 AMI."
  type        = map(string)
  default     = {}
}

variable "user_data_template_path" {
  description = "Path of the agents' user data template (infra/images/agent-host/user-data.sh.tftpl); null = this module's minimal template. Variables given: cluster_name, registry_mirror_url, ebs_device_name, mount_point, and pool_name, arch, spot, container_stop_timeout, tasks_per_instance."
  type        = string
  default     = null
}

variable "registry_mirror_url" {
  description = "URL of the Docker Hub pull-through cache (registry-mirror module) that agents and dind use."
  type        = string
}

variable "data_mount_path" {
  description = "Where the agents mount their extra XFS volume (template variable mount_point); the runner tasks' dind containers use <data_mount_path>/dind."
  type        = string
  default     = "/mnt/runners"
}

variable "root_volume_gib" {
  description = "Size of the agents' root volume in GiB."
  type        = number
  default     = 40
}

variable "container_stop_timeout" {
  description = "Seconds the ECS agent waits after SIGTERM before killing a container (ECS_CONTAINER_STOP_TIMEOUT); the runner task definitions set the same per container."
  type        = number
  default     = 120
}

variable "spot_instance_types" {
  description = "Instance types a spot pool may use besides its own instance_type, per architecture (x86_64, arm64): same vCPU and memory as the pool's type, since tasks_per_instance assumes it. Several types = several spot capacity pools, so fewer interruptions and fewer times without capacity."
  type        = map(list(string))
  nullable    = false # null = this default (stack 04 passes null when not set)
  default = {
    x86_64 = ["m5.2xlarge", "m5a.2xlarge", "m6i.2xlarge", "m6a.2xlarge", "m7i.2xlarge"]
    arm64  = ["m6g.2xlarge", "m7g.2xlarge", "m8g.2xlarge"]
  }
}

variable "spot_on_demand_base_capacity" {
  description = "On-demand agents each spot pool starts before any spot agent (0 = spot only; the scaler's fallback pool covers spot shortages)."
  type        = number
  default     = 0

  validation {
    condition     = var.spot_on_demand_base_capacity >= 0 && floor(var.spot_on_demand_base_capacity) == var.spot_on_demand_base_capacity
    error_message = "spot_on_demand_base_capacity must be a whole number >= 0."
  }
}

variable "agent_managed_policy_arns" {
  description = "Managed policies attached to the agents besides AmazonEC2ContainerServiceforEC2Role, e.g. arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore for Session Manager access."
  type        = list(string)
  default     = []
}

variable "target_capacity" {
  description = "Managed scaling's target utilisation in percent of the agents' capacity: 100 = agents only for the tasks placed or waiting (no spare agent); lower keeps spare agents for faster starts."
  type        = number
  default     = 100

  validation {
    condition     = var.target_capacity >= 1 && var.target_capacity <= 100 && floor(var.target_capacity) == var.target_capacity
    error_message = "target_capacity must be a whole percentage from 1 to 100."
  }
}

variable "tags" {
  description = "Tags merged into every resource's tags."
  type        = map(string)
  default     = {}
}

variable "force_delete_agents" {
  description = "Delete the auto scaling groups without waiting for their scale-in protected agents to drain (throw-away environments and the emulator test only)."
  type        = bool
  default     = false
}
