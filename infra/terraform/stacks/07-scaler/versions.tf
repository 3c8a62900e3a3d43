terraform {
  # 1.10+: S3 state locking with a lock object (use_lockfile); 1.9+: cross-variable validation.
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60, < 6.0"
    }
  }

  # Partial configuration: pass the state bucket at init, e.g.
  #   terraform init -backend-config=bucket=<state bucket>
  # Every stack has its own state object; the lock is an S3 object next to it.
  backend "s3" {
    key          = "dazn-runners/07-scaler/terraform.tfstate"
    region       = "eu-central-1"
    encrypt      = true
    use_lockfile = true
  }
}

provider "aws" {
  region = var.region
}
