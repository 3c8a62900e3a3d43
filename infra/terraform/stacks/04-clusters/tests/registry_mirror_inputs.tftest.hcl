# Stack 04 passes the registry mirror's inputs through (plan only, mocked AWS; the other stacks'
# published values come from override_module). Fails when the stack stops passing the Docker Hub
# credentials secret, which would leave every mirror pull anonymous (10 an hour per IP address).
mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{}" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-central-1" }
  }
  mock_data "aws_vpc" {
    defaults = { cidr_block = "10.42.0.0/16" }
  }
}

override_module {
  target = module.ecr
  outputs = {
    values = {
      repository_urls = { runner = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/dazn-runners/runner", dind = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/dazn-runners/dind", log-router = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/dazn-runners/log-router", registry-mirror = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/dazn-runners/registry-mirror" }
      repository_arns = { runner = "arn:aws:ecr:eu-central-1:123456789012:repository/dazn-runners/runner", dind = "arn:aws:ecr:eu-central-1:123456789012:repository/dazn-runners/dind", log-router = "arn:aws:ecr:eu-central-1:123456789012:repository/dazn-runners/log-router", registry-mirror = "arn:aws:ecr:eu-central-1:123456789012:repository/dazn-runners/registry-mirror" }
    }
  }
}

override_module {
  target = module.network
  outputs = {
    values = { vpc_id = "vpc-1", subnet_ids = ["subnet-a", "subnet-b"] }
  }
}

override_module {
  target = module.ecs
  outputs = {
    cluster_name            = "dazn-runners-ecs"
    cluster_arn             = "arn:aws:ecs:eu-central-1:123456789012:cluster/dazn-runners-ecs"
    capacity_providers      = {}
    data_mount_path         = "/mnt/runners"
    auto_scaling_groups     = {}
    agent_security_group_id = "sg-agents"
  }
}

variables {
  mirror_bucket_name = "dazn-registry-mirror-test"
  image_tag          = "0123456789ab"
}

run "passes_the_docker_hub_credentials_secret_to_the_mirror" {
  command = plan

  variables {
    dockerhub_credentials_secret_arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:dockerhub-mirror-AbCdEf"
  }

  assert {
    condition     = module.registry_mirror.dockerhub_credentials_secret_arn == var.dockerhub_credentials_secret_arn
    error_message = "Stack 04 must pass dockerhub_credentials_secret_arn to the registry-mirror module (else the mirror pulls anonymously)."
  }
}

run "passes_the_cache_ttl_to_the_mirror" {
  command = plan

  variables {
    mirror_cache_ttl_days = 5
  }

  assert {
    condition     = module.registry_mirror.cache_ttl == { proxy_ttl = "120h", bucket_expiry_days = 6 }
    error_message = "Stack 04 must pass mirror_cache_ttl_days to the module (proxy TTL and bucket expiry)."
  }
  assert {
    condition     = module.registry_mirror.dockerhub_credentials_secret_arn == null
    error_message = "Without the input the mirror is anonymous."
  }
}
