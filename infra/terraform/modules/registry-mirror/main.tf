data "aws_region" "current" {}

locals {
  name = "${var.name_prefix}-registry-mirror"

  # One writer per storage root: the proxy keeps its expiry schedule in <root>/scheduler-state.json
  # and each process rewrites the whole file from its own memory, so two registries on one root
  # undo each other's schedules (distribution issues #3251 and #4594; "never designed as a
  # distributed cache"). Each subnet (one per availability zone) gets one task with its own root.
  replicas = { for subnet in var.subnet_ids : subnet => { root = "/docker-hub/${subnet}" } }

  # The proxy's time to live and the bucket's expiry come from one number, so they cannot drift:
  # the registry forgets (deletes) what it cached cache_ttl_days after fetching it; the bucket
  # deletes any object one day later, as a backstop for what the registry's scheduler leaks (a
  # blob another repository still links, a lost schedule). The registry keeps no descriptor cache
  # (config.yml), so an object the backstop removed is fetched again instead of served as missing.
  proxy_ttl           = "${var.cache_ttl_days * 24}h"
  bucket_expiry_days  = var.cache_ttl_days + 1
  upload_cleanup_days = 1

  environment = {
    REGISTRY_HTTP_ADDR                    = "0.0.0.0:${var.port}"
    REGISTRY_PROXY_REMOTEURL              = "https://registry-1.docker.io"
    REGISTRY_PROXY_TTL                    = local.proxy_ttl
    REGISTRY_STORAGE                      = "s3"
    REGISTRY_STORAGE_S3_BUCKET            = aws_s3_bucket.layers.id
    REGISTRY_STORAGE_S3_REGION            = data.aws_region.current.name
    REGISTRY_STORAGE_S3_ENCRYPT           = "true"
    REGISTRY_STORAGE_REDIRECT_DISABLE     = "true"
    REGISTRY_STORAGE_DELETE_ENABLED       = "true"
    REGISTRY_HEALTH_STORAGEDRIVER_ENABLED = "true"
  }
  # ECS reads the secret's JSON keys at task start into the registry's environment; the values are
  # never in Terraform's state, the task definition or a log.
  secrets = var.dockerhub_credentials_secret_arn == null ? [] : [
    { name = "REGISTRY_PROXY_USERNAME", valueFrom = "${var.dockerhub_credentials_secret_arn}:username::" },
    { name = "REGISTRY_PROXY_PASSWORD", valueFrom = "${var.dockerhub_credentials_secret_arn}:password::" },
  ]
}

# --- Layer storage ----------------------------------------------------------------------------------

resource "aws_s3_bucket" "layers" {
  bucket        = var.bucket_name
  force_destroy = var.force_destroy
  tags          = merge(var.tags, { Purpose = "docker-hub-mirror" })
}

resource "aws_s3_bucket_public_access_block" "layers" {
  bucket                  = aws_s3_bucket.layers.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "layers" {
  bucket = aws_s3_bucket.layers.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "layers" {
  bucket = aws_s3_bucket.layers.id

  rule {
    id     = "expire-mirrored-layers"
    status = "Enabled"
    filter {
      prefix = ""
    }
    expiration {
      days = local.bucket_expiry_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = local.upload_cleanup_days
    }
  }
}

# --- IAM ------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "tasks_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }
  dynamic "statement" {
    for_each = length(var.ecr_repository_arns) > 0 ? [1] : []
    content {
      sid       = "PullImage"
      actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
      resources = var.ecr_repository_arns
    }
  }
  statement {
    sid       = "WriteLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.mirror.arn}:*"]
  }
  dynamic "statement" {
    for_each = var.dockerhub_credentials_secret_arn == null ? [] : [var.dockerhub_credentials_secret_arn]
    content {
      sid       = "ReadDockerHubCredentials"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [statement.value]
    }
  }
}

data "aws_iam_policy_document" "task" {
  statement {
    sid       = "ListLayerBucket"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"]
    resources = [aws_s3_bucket.layers.arn]
  }
  statement {
    sid       = "ReadWriteLayers"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
    resources = ["${aws_s3_bucket.layers.arn}/*"]
  }
}

resource "aws_iam_role" "execution" {
  name               = "${local.name}-exec"
  assume_role_policy = data.aws_iam_policy_document.tasks_trust.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "execution" {
  name   = "execution"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

resource "aws_iam_role" "task" {
  name               = "${local.name}-task"
  assume_role_policy = data.aws_iam_policy_document.tasks_trust.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "task" {
  name   = "layer-bucket"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

# --- Network ----------------------------------------------------------------------------------------

resource "aws_security_group" "mirror" {
  name        = local.name
  description = "Registry mirror tasks: the registry port from the runners' network"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = local.name })
}

resource "aws_vpc_security_group_ingress_rule" "registry" {
  for_each = toset(var.allowed_cidr_blocks)

  security_group_id = aws_security_group.mirror.id
  description       = "Registry from ${each.value}"
  ip_protocol       = "tcp"
  from_port         = var.port
  to_port           = var.port
  cidr_ipv4         = each.value
  tags              = var.tags
}

resource "aws_vpc_security_group_egress_rule" "all" {
  security_group_id = aws_security_group.mirror.id
  description       = "Docker Hub, S3, ECR"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
  tags              = var.tags
}

resource "aws_lb" "mirror" {
  name               = substr(local.name, 0, 32)
  internal           = true
  load_balancer_type = "network"
  subnets            = var.subnet_ids
  # While one zone's single task is being replaced, the other zone's serves its clients (cross-zone
  # traffic costs $0.01/GB each way; without the mirror, dockerd falls back to Docker Hub itself).
  enable_cross_zone_load_balancing = true
  tags                             = var.tags
}

resource "aws_lb_target_group" "mirror" {
  name        = substr(local.name, 0, 32)
  port        = var.port
  protocol    = "TCP"
  target_type = "ip"
  vpc_id      = var.vpc_id

  # /v2/ answers 200 only while the registry's S3 storage passes its health check (503 otherwise).
  health_check {
    protocol = "HTTP"
    path     = "/v2/"
    port     = "traffic-port"
  }

  tags = var.tags
}

resource "aws_lb_listener" "mirror" {
  load_balancer_arn = aws_lb.mirror.arn
  port              = var.port
  protocol          = "TCP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.mirror.arn
  }

  tags = var.tags
}

# --- Service ----------------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "mirror" {
  name              = "/${var.name_prefix}/registry-mirror"
  retention_in_days = 30
  tags              = var.tags
}

resource "aws_ecs_task_definition" "mirror" {
  for_each = local.replicas

  family                   = "${local.name}-${each.key}"
  network_mode             = "awsvpc"
  requires_compatibilities = ["FARGATE"]
  cpu                      = tostring(var.cpu)
  memory                   = tostring(var.memory)
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  container_definitions = jsonencode([{
    name         = "registry"
    image        = var.image
    essential    = true
    portMappings = [{ containerPort = var.port, protocol = "tcp" }]
    environment  = [for k, v in merge(local.environment, { REGISTRY_STORAGE_S3_ROOTDIRECTORY = each.value.root }) : { name = k, value = v }]
    secrets      = local.secrets
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.mirror.name
        awslogs-region        = data.aws_region.current.name
        awslogs-stream-prefix = "registry"
      }
    }
  }])

  tags = var.tags
}

resource "aws_ecs_service" "mirror" {
  for_each = local.replicas

  name            = "${local.name}-${each.key}"
  cluster         = var.cluster.arn
  task_definition = aws_ecs_task_definition.mirror[each.key].arn
  # One task, and a deployment stops it before starting its successor: never two writers on a root.
  desired_count                      = 1
  deployment_maximum_percent         = 100
  deployment_minimum_healthy_percent = 0

  capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }

  network_configuration {
    subnets          = [each.key]
    security_groups  = [aws_security_group.mirror.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.mirror.arn
    container_name   = "registry"
    container_port   = var.port
  }

  depends_on = [aws_lb_listener.mirror]
  tags       = var.tags
}
