mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{}" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-central-1" }
  }
  mock_resource "aws_lb" {
    defaults = { dns_name = "mirror-123.elb.eu-central-1.amazonaws.com", arn = "arn:aws:elasticloadbalancing:eu-central-1:123456789012:loadbalancer/net/mirror/1" }
  }
  mock_resource "aws_lb_target_group" {
    defaults = { arn = "arn:aws:elasticloadbalancing:eu-central-1:123456789012:targetgroup/mirror/1" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-central-1:123456789012:log-group:/mirror" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mirror" }
  }
}

variables {
  cluster             = { name = "runners-fargate", arn = "arn:aws:ecs:eu-central-1:123456789012:cluster/runners-fargate" }
  image               = "registry-mirror:1"
  bucket_name         = "dazn-registry-mirror"
  vpc_id              = "vpc-1"
  subnet_ids          = ["subnet-a", "subnet-b"]
  allowed_cidr_blocks = ["10.0.0.0/16"]
}

run "proxies_docker_hub_into_s3_behind_an_internal_load_balancer" {
  command = apply

  assert {
    condition     = output.url == "http://mirror-123.elb.eu-central-1.amazonaws.com:5000"
    error_message = "The mirror URL is the internal load balancer's."
  }
  assert {
    condition     = aws_lb.mirror.internal && aws_lb.mirror.load_balancer_type == "network"
    error_message = "The mirror is reachable from inside the VPC only."
  }
  assert {
    condition = alltrue([for td in aws_ecs_task_definition.mirror : { for e in jsondecode(td.container_definitions)[0].environment : e.name => e.value } == merge(
      { for e in jsondecode(td.container_definitions)[0].environment : e.name => e.value },
      { REGISTRY_PROXY_REMOTEURL = "https://registry-1.docker.io", REGISTRY_STORAGE = "s3", REGISTRY_STORAGE_S3_BUCKET = aws_s3_bucket.layers.id }
    )])
    error_message = "The distribution registry runs in proxy mode for Docker Hub with S3 storage."
  }
  assert {
    condition     = alltrue([for s in aws_ecs_service.mirror : one(s.capacity_provider_strategy).capacity_provider == "FARGATE" && s.cluster == var.cluster.arn])
    error_message = "The mirror runs on Fargate."
  }
  assert {
    condition     = [for r in aws_vpc_security_group_ingress_rule.registry : r.cidr_ipv4] == ["10.0.0.0/16"]
    error_message = "Only the runners' network reaches the registry port."
  }
}

run "one_writer_per_storage_root" {
  command = plan

  assert {
    condition     = length(aws_ecs_service.mirror) == length(var.subnet_ids) && alltrue([for k, s in aws_ecs_service.mirror : s.desired_count == 1 && toset(one(s.network_configuration).subnets) == toset([k])])
    error_message = "One mirror service per subnet, each with exactly one task in its own subnet."
  }
  assert {
    condition     = alltrue([for s in aws_ecs_service.mirror : s.deployment_maximum_percent == 100 && s.deployment_minimum_healthy_percent == 0])
    error_message = "A deployment stops a root's task before starting its successor (maximum 100 %, minimum healthy 0 %): never two writers on one root."
  }
  assert {
    condition     = length(distinct([for td in aws_ecs_task_definition.mirror : { for e in jsondecode(td.container_definitions)[0].environment : e.name => e.value }["REGISTRY_STORAGE_S3_ROOTDIRECTORY"]])) == length(var.subnet_ids)
    error_message = "Every mirror task has its own storage root (its own scheduler-state.json), none shared."
  }
  assert {
    condition     = output.storage_roots == { "subnet-a" = "/docker-hub/subnet-a", "subnet-b" = "/docker-hub/subnet-b" }
    error_message = "The roots are /docker-hub/<subnet>."
  }
  assert {
    condition     = aws_lb_target_group.mirror.health_check[0].path == "/v2/" && aws_lb.mirror.enable_cross_zone_load_balancing
    error_message = "The load balancer checks /v2/ (503 while S3 fails) and sends a zone's clients across while its task is replaced."
  }
}

# The proxy's TTL and the bucket's expiry, read back from what the plan holds: the bucket deletes an
# object exactly one day after the registry itself forgets it, whatever cache_ttl_days is.
run "proxy_ttl_and_bucket_expiry_come_from_one_number" {
  command = plan

  variables {
    cache_ttl_days = 3
  }

  assert {
    condition     = alltrue([for td in aws_ecs_task_definition.mirror : { for e in jsondecode(td.container_definitions)[0].environment : e.name => e.value }["REGISTRY_PROXY_TTL"] == "72h"])
    error_message = "cache_ttl_days = 3 is the proxy's TTL of 72h in every task."
  }
  assert {
    condition     = aws_s3_bucket_lifecycle_configuration.layers.rule[0].expiration[0].days == 4 && aws_s3_bucket_lifecycle_configuration.layers.rule[0].filter[0].prefix == ""
    error_message = "The bucket expires every object one day after the proxy's TTL (4 days for 3)."
  }
}

run "the_default_ttl_is_distributions_seven_days_and_the_expiry_eight" {
  command = plan

  assert {
    condition = alltrue([for td in aws_ecs_task_definition.mirror :
      tonumber(trimsuffix({ for e in jsondecode(td.container_definitions)[0].environment : e.name => e.value }["REGISTRY_PROXY_TTL"], "h")) / 24 + 1 == aws_s3_bucket_lifecycle_configuration.layers.rule[0].expiration[0].days
    ])
    error_message = "The bucket's expiry is the proxy's TTL (hours / 24) plus one day."
  }
  assert {
    condition     = output.cache_ttl == { proxy_ttl = "168h", bucket_expiry_days = 8 }
    error_message = "Default: 168h, distribution's own default, and 8 days."
  }
}

run "docker_hub_credentials_come_from_the_secret_at_task_start" {
  command = plan

  variables {
    dockerhub_credentials_secret_arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:ecr-dockerhub-AbCdEf"
  }

  assert {
    condition = alltrue([for td in aws_ecs_task_definition.mirror : jsondecode(td.container_definitions)[0].secrets == [
      { name = "REGISTRY_PROXY_USERNAME", valueFrom = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:ecr-dockerhub-AbCdEf:username::" },
      { name = "REGISTRY_PROXY_PASSWORD", valueFrom = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:ecr-dockerhub-AbCdEf:password::" },
    ]])
    error_message = "Every mirror task takes REGISTRY_PROXY_USERNAME and _PASSWORD from the secret's JSON keys."
  }
  assert {
    condition     = alltrue([for td in aws_ecs_task_definition.mirror : length([for e in jsondecode(td.container_definitions)[0].environment : e if strcontains(e.name, "PROXY_USERNAME") || strcontains(e.name, "PROXY_PASSWORD")]) == 0])
    error_message = "No credential in the plain environment."
  }
  assert {
    condition     = contains([for s in data.aws_iam_policy_document.execution.statement : s.sid], "ReadDockerHubCredentials")
    error_message = "The execution role may read the secret."
  }
}

run "anonymous_without_a_secret" {
  command = plan

  assert {
    condition     = alltrue([for td in aws_ecs_task_definition.mirror : jsondecode(td.container_definitions)[0].secrets == []]) && output.dockerhub_credentials_secret_arn == null
    error_message = "Without a secret the tasks pull anonymously."
  }
}

run "rejects_a_ttl_that_is_not_whole_days" {
  command = plan

  variables {
    cache_ttl_days = 1.5
  }

  expect_failures = [var.cache_ttl_days]
}

run "rejects_a_zero_ttl" {
  command = plan

  variables {
    cache_ttl_days = 0
  }

  expect_failures = [var.cache_ttl_days]
}

run "rejects_a_credentials_input_that_is_not_a_secret_arn" {
  command = plan

  variables {
    dockerhub_credentials_secret_arn = "my-dockerhub-password"
  }

  expect_failures = [var.dockerhub_credentials_secret_arn]
}
