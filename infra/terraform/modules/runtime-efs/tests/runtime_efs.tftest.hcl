mock_provider "aws" {}

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
  command = apply

  assert {
    condition = alltrue([for arch, p in local.file_system_policy : toset([for s in p.Statement : s.Sid if s.Effect == "Deny"]) == toset([
      "DenyInsecureTransport", "MountTargetsOnly", "MountThroughTheAccessPointsOnly", "ReadOnlyAccessPointNeverWrites", "NoRootAccess",
    ])])
    error_message = "Each file system denies non-TLS clients, mounts outside the mount targets and the access points, writes through the read-only access point and root access."
  }
  assert {
    condition     = aws_efs_file_system_policy.runtime["arm64"].policy == jsonencode(local.file_system_policy["arm64"])
    error_message = "The policy IAM gets is the document the tests read."
  }
}

# Tool cache poisoning (issue 14): nothing in the file system policy lets a client write; only the
# writers' task roles may (runner-service), and never through the read-only access point.
run "file_system_policy_grants_nothing_and_the_read_only_access_point_never_writes" {
  command = apply

  assert {
    condition     = alltrue([for p in local.file_system_policy : length([for s in p.Statement : s if s.Effect != "Deny"]) == 0])
    error_message = "The file system policy must not allow anything (an Allow for * would let anonymous NFS clients in, e.g. a job's user-space NFS client)."
  }
  assert {
    condition = alltrue([for arch, p in local.file_system_policy : anytrue([for s in p.Statement :
      try(contains(s.Action, "elasticfilesystem:ClientWrite") && s.Condition.StringEquals["elasticfilesystem:AccessPointArn"] == aws_efs_access_point.read_only[arch].arn, false)
    ])])
    error_message = "ClientWrite is denied to every principal that mounts through the read-only access point."
  }
  assert {
    condition     = alltrue([for arch in var.architectures : aws_efs_access_point.read_only[arch].id != aws_efs_access_point.runtime[arch].id && one(aws_efs_access_point.read_only[arch].root_directory).path == one(aws_efs_access_point.runtime[arch].root_directory).path])
    error_message = "Each architecture has a read-only and a read-write access point on the same folder."
  }
  assert {
    condition     = output.file_systems["x86_64"].read_only_access_point_arn == aws_efs_access_point.read_only["x86_64"].arn && output.file_systems["x86_64"].access_point_arn == aws_efs_access_point.runtime["x86_64"].arn
    error_message = "The output names both access points."
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

# The arm64 file system policy, with the ARNs of runner-service's tests, is the document that
# runtime-sync/test/efs-policy.test.ts evaluates with the IAM simulator (@cloud-copilot/iam-simulate)
# together with the task roles' statements: this assertion keeps the fixture equal to what Terraform renders.
run "file_system_policy_is_the_simulated_document" {
  command   = apply
  state_key = "simulated" # a fresh state, so that the overridden ARNs are the ones created
  variables {
    architectures = ["arm64"]
  }
  override_resource {
    target = aws_efs_file_system.runtime
    values = { arn = "arn:aws:elasticfilesystem:eu-central-1:123456789012:file-system/fs-arm" }
  }
  override_resource {
    target = aws_efs_access_point.runtime
    values = { arn = "arn:aws:elasticfilesystem:eu-central-1:123456789012:access-point/fsap-arm" }
  }
  override_resource {
    target = aws_efs_access_point.read_only
    values = { arn = "arn:aws:elasticfilesystem:eu-central-1:123456789012:access-point/fsap-arm-ro" }
  }

  assert {
    condition     = jsondecode(aws_efs_file_system_policy.runtime["arm64"].policy) == jsondecode(file("tests/fixtures/file-system-policy.arm64.json"))
    error_message = "tests/fixtures/file-system-policy.arm64.json must be the rendered policy (update it, and rerun runtime-sync/test/efs-policy.test.ts)."
  }
}
