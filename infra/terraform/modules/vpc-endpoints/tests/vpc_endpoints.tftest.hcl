mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { name = "eu-central-1" }
  }
}

variables {
  vpc_id              = "vpc-1"
  subnet_ids          = ["subnet-a", "subnet-b"]
  route_table_ids     = ["rtb-a", "rtb-b"]
  allowed_cidr_blocks = ["10.42.0.0/16"]
}

run "creates_the_s3_gateway_and_the_interface_endpoints" {
  command = apply

  assert {
    condition     = aws_vpc_endpoint.s3[0].vpc_endpoint_type == "Gateway" && aws_vpc_endpoint.s3[0].service_name == "com.amazonaws.eu-central-1.s3" && toset(aws_vpc_endpoint.s3[0].route_table_ids) == toset(["rtb-a", "rtb-b"])
    error_message = "S3 through a gateway endpoint on the subnets' route tables."
  }
  assert {
    condition     = toset(keys(aws_vpc_endpoint.interface)) == toset(["ecr.api", "ecr.dkr", "logs", "sts", "ssm", "secretsmanager", "ecs", "ecs-agent", "ecs-telemetry"])
    error_message = "Interface endpoints for ECR, logs, STS, SSM, Secrets Manager and the ECS agent."
  }
  assert {
    condition     = alltrue([for e in aws_vpc_endpoint.interface : e.vpc_endpoint_type == "Interface" && e.private_dns_enabled && startswith(e.service_name, "com.amazonaws.eu-central-1.") && toset(e.subnet_ids) == toset(["subnet-a", "subnet-b"])])
    error_message = "Interface endpoints with private DNS in every runner subnet."
  }
  assert {
    condition     = [for r in aws_vpc_security_group_ingress_rule.endpoints_https : [r.from_port, r.to_port, r.cidr_ipv4]] == [[443, 443, "10.42.0.0/16"]]
    error_message = "Only HTTPS from the VPC reaches the endpoints."
  }
}

run "creates_nothing_when_switched_off" {
  command = plan
  variables {
    enabled = false
  }

  assert {
    condition     = length(aws_vpc_endpoint.s3) == 0 && length(aws_vpc_endpoint.interface) == 0 && length(aws_security_group.endpoints) == 0
    error_message = "enabled = false creates no endpoint."
  }
}

run "refuses_s3_as_an_interface_service" {
  command = plan
  variables {
    interface_services = ["s3"]
  }
  expect_failures = [var.interface_services]
}
