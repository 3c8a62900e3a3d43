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
    condition = { for e in jsondecode(aws_ecs_task_definition.mirror.container_definitions)[0].environment : e.name => e.value } == merge(
      { for e in jsondecode(aws_ecs_task_definition.mirror.container_definitions)[0].environment : e.name => e.value },
      { REGISTRY_PROXY_REMOTEURL = "https://registry-1.docker.io", REGISTRY_STORAGE = "s3", REGISTRY_STORAGE_S3_BUCKET = aws_s3_bucket.layers.id }
    )
    error_message = "The distribution registry runs in proxy mode for Docker Hub with S3 storage."
  }
  assert {
    condition     = one(aws_ecs_service.mirror.capacity_provider_strategy).capacity_provider == "FARGATE" && aws_ecs_service.mirror.cluster == var.cluster.arn
    error_message = "The mirror runs on Fargate."
  }
  assert {
    condition     = [for r in aws_vpc_security_group_ingress_rule.registry : r.cidr_ipv4] == ["10.0.0.0/16"]
    error_message = "Only the runners' network reaches the registry port."
  }
}
