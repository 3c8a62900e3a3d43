module "ecr" {
  source = "../../modules/stack-inputs"

  ssm_prefix = var.ssm_prefix
  stack      = "01-ecr"
  names      = ["repository_urls", "repository_arns"]
}

module "network" {
  source = "../../modules/stack-inputs"

  ssm_prefix = var.ssm_prefix
  stack      = "03-runtime-efs"
  names      = ["vpc_id", "subnet_ids"]
}

locals {
  vpc_id          = module.network.values.vpc_id
  subnet_ids      = module.network.values.subnet_ids
  images_template = "${path.module}/../../../images/agent-host/user-data.sh.tftpl"
  user_data_template = coalesce(var.agent_user_data_template,
  fileexists(local.images_template) ? local.images_template : "${path.module}/../../modules/ecs-ec2-capacity/templates/user-data.sh.tftpl")
}

# The references of infra/images/images.json, the definition publish.sh pushes from.
module "images" {
  source = "../../modules/image-names"

  repository_urls = module.ecr.values.repository_urls
  tag             = var.image_tag
}

data "aws_vpc" "runners" {
  id = local.vpc_id
}

module "pools" {
  source = "../../modules/runner-pools"

  pools              = var.pools
  time_zone          = var.time_zone
  office_hours_start = var.office_hours_start
  office_hours_end   = var.office_hours_end
}

module "fargate" {
  source = "../../modules/fargate-cluster"

  name = "${var.name_prefix}-fargate"
  tags = var.tags
}

module "registry_mirror" {
  source = "../../modules/registry-mirror"

  name_prefix         = var.name_prefix
  cluster             = { name = module.fargate.cluster_name, arn = module.fargate.cluster_arn }
  image               = module.images.refs["registry-mirror"]
  ecr_repository_arns = [module.ecr.values.repository_arns["registry-mirror"]]
  bucket_name         = var.mirror_bucket_name
  cache_ttl_days      = var.mirror_cache_ttl_days
  force_destroy       = var.force_destroy
  vpc_id              = local.vpc_id
  subnet_ids          = local.subnet_ids
  allowed_cidr_blocks = [data.aws_vpc.runners.cidr_block]
  tags                = var.tags

  # Docker Hub credentials by reference: ECS reads the secret at task start, so the password never
  # enters this stack's state (anonymous pulls: 10 an hour per IP address, the NAT's address).
  dockerhub_credentials_secret_arn = var.dockerhub_credentials_secret_arn
}

# S3 (gateway) and the AWS APIs the runners reach (interface endpoints) without the NAT gateway:
# modules/vpc-endpoints/README.md has the cost reasoning.
data "aws_route_tables" "runners" {
  vpc_id = local.vpc_id
}

module "vpc_endpoints" {
  source = "../../modules/vpc-endpoints"

  enabled             = var.vpc_endpoints_enabled
  name_prefix         = var.name_prefix
  vpc_id              = local.vpc_id
  subnet_ids          = local.subnet_ids
  route_table_ids     = data.aws_route_tables.runners.ids
  allowed_cidr_blocks = [data.aws_vpc.runners.cidr_block]
  interface_services  = var.vpc_endpoint_interface_services
  tags                = var.tags
}

module "ecs" {
  source = "../../modules/ecs-ec2-capacity"

  name_prefix                  = var.name_prefix
  force_delete_agents          = var.force_destroy
  cluster_name                 = "${var.name_prefix}-ecs"
  pools                        = module.pools.ecs_pools
  vpc_id                       = local.vpc_id
  subnet_ids                   = local.subnet_ids
  ami_ids                      = var.ami_ids
  user_data_template_path      = local.user_data_template
  registry_mirror_url          = module.registry_mirror.url
  spot_instance_types          = var.spot_instance_types
  spot_on_demand_base_capacity = var.spot_on_demand_base_capacity
  tags                         = var.tags
}

module "outputs" {
  source = "../../modules/stack-outputs"

  ssm_prefix = var.ssm_prefix
  stack      = "04-clusters"
  values = {
    ecs_pools     = module.pools.ecs_pools
    fargate_pools = module.pools.fargate_pools
    office_hours  = module.pools.office_hours
    time_zone     = module.pools.time_zone
    clusters = {
      ecs     = { name = module.ecs.cluster_name, arn = module.ecs.cluster_arn }
      fargate = { name = module.fargate.cluster_name, arn = module.fargate.cluster_arn }
    }
    capacity_providers  = module.ecs.capacity_providers
    registry_mirror_url = module.registry_mirror.url
    # the mirror's services, one per zone, for stack 07's alarm
    registry_mirror_services = module.registry_mirror.service_names
    data_mount_path          = module.ecs.data_mount_path
  }
  tags = var.tags
}
