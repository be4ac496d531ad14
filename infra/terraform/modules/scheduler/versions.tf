terraform {
  # mock_provider / override_* in `terraform test` need >= 1.7; the tests additionally use
  # override_during = plan (>= 1.9) so computed ARNs are known when plan-only runs assert on them.
  required_version = ">= 1.7"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60, < 6.0"
    }
  }
}
