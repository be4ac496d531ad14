terraform {
  # Tests (tests/*.tftest.hcl) use mock_provider (>= 1.7) and override_during = plan (>= 1.9).
  required_version = ">= 1.7"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60, < 6.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = var.tags
  }
}
