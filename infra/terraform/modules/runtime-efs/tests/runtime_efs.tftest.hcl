mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{}" }
  }
}

variables {
  vpc_id     = "vpc-1"
  subnet_ids = ["subnet-a", "subnet-b", "subnet-c"]
}

run "one_encrypted_file_system_per_architecture_with_a_mount_target_per_subnet" {
  command = plan

  assert {
    condition     = toset(keys(aws_efs_file_system.runtime)) == toset(["x86_64", "arm64"]) && alltrue([for f in aws_efs_file_system.runtime : f.encrypted])
    error_message = "One encrypted file system per architecture."
  }
  assert {
    condition     = length(aws_efs_mount_target.runtime) == 6 && aws_efs_mount_target.runtime["arm64/subnet-b"].subnet_id == "subnet-b"
    error_message = "A mount target per architecture and subnet."
  }
  assert {
    condition     = one(aws_efs_access_point.runtime["arm64"].posix_user).uid == 1001 && one(aws_efs_access_point.runtime["x86_64"].root_directory).path == "/runtime-sync"
    error_message = "Access points enforce the runner user and the runtime-sync root."
  }
  assert {
    condition     = aws_vpc_security_group_ingress_rule.nfs_from_clients.from_port == 2049 && aws_vpc_security_group_ingress_rule.nfs_from_clients.to_port == 2049
    error_message = "Mount targets accept NFS (2049) only."
  }
}

run "file_system_policy_requires_tls_and_the_access_point" {
  command = plan

  assert {
    condition     = alltrue([for d in data.aws_iam_policy_document.file_system : toset([for s in d.statement : s.sid if s.effect == "Deny"]) == toset(["DenyInsecureTransport", "MountThroughTheAccessPointOnly"])])
    error_message = "Each file system denies non-TLS clients and mounts that bypass the access point."
  }
}

run "one_architecture_only" {
  command = plan
  variables {
    architectures = ["arm64"]
  }
  assert {
    condition     = keys(aws_efs_file_system.runtime) == ["arm64"] && length(aws_efs_mount_target.runtime) == 3
    error_message = "Architectures are a set; each gets its own file system."
  }
}

run "rejects_an_unknown_architecture" {
  command = plan
  variables {
    architectures = ["amd64"]
  }
  expect_failures = [var.architectures]
}
