data "aws_region" "current" {}

locals {
  name = "${var.name_prefix}-registry-mirror"
  environment = {
    REGISTRY_HTTP_ADDR                    = "0.0.0.0:${var.port}"
    REGISTRY_PROXY_REMOTEURL              = "https://registry-1.docker.io"
    REGISTRY_STORAGE                      = "s3"
    REGISTRY_STORAGE_S3_BUCKET            = aws_s3_bucket.layers.id
    REGISTRY_STORAGE_S3_REGION            = data.aws_region.current.name
    REGISTRY_STORAGE_S3_ENCRYPT           = "true"
    REGISTRY_STORAGE_REDIRECT_DISABLE     = "true"
    REGISTRY_STORAGE_DELETE_ENABLED       = "true"
    REGISTRY_HEALTH_STORAGEDRIVER_ENABLED = "true"
  }
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
      days = var.layer_expiration_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
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
  tags               = var.tags
}

resource "aws_lb_target_group" "mirror" {
  name        = substr(local.name, 0, 32)
  port        = var.port
  protocol    = "TCP"
  target_type = "ip"
  vpc_id      = var.vpc_id

  health_check {
    protocol = "HTTP"
    path     = "/"
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
  family                   = local.name
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
    environment  = [for k in sort(keys(local.environment)) : { name = k, value = local.environment[k] }]
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
  name            = local.name
  cluster         = var.cluster.arn
  task_definition = aws_ecs_task_definition.mirror.arn
  desired_count   = var.desired_count

  capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }

  network_configuration {
    subnets          = var.subnet_ids
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
