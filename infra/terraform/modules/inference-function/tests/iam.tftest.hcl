# Execution role: least privilege, checked statement by statement. Mocked AWS provider (mock_provider "aws").
mock_provider "aws" {
  override_during = plan

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-central-1:123456789012:log-group:/aws/lambda/event-score" }
  }
  mock_resource "aws_lambda_function" {
    defaults = {
      arn     = "arn:aws:lambda:eu-central-1:123456789012:function:event-score"
      version = "3"
    }
  }
}

variables {
  function_name = "event-score"
  model_uri     = "s3://inferfn-models/models/fraud/2/"
  code_s3       = { bucket = "inferfn-artifacts", key = "event-score/function.zip" }
}

run "policy_is_least_privilege" {
  command = plan

  assert {
    condition = alltrue([for s in jsondecode(aws_iam_role_policy.this.policy).Statement :
      !contains(flatten([s.Action]), "*") && alltrue([for a in flatten([s.Action]) : !endswith(a, ":*")]) && !contains(flatten([s.Resource]), "*")
    ])
    error_message = "no statement may use a wildcard action or resource without VPC"
  }
  assert {
    condition     = length(jsondecode(aws_iam_role_policy.this.policy).Statement) == 2
    error_message = "only logs and model read without KMS key and VPC"
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s if s.Sid == "WriteOwnLogGroup"]).Resource == [
      "arn:aws:logs:eu-central-1:123456789012:log-group:/aws/lambda/event-score:*"
    ]
    error_message = "log permissions must be on the function's own log group only"
  }
  assert {
    condition     = join(",", sort(one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s if s.Sid == "WriteOwnLogGroup"]).Action)) == "logs:CreateLogStream,logs:PutLogEvents"
    error_message = "only CreateLogStream and PutLogEvents (the group is created by Terraform)"
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s if s.Sid == "ReadModelPrefix"]) == {
      Sid = "ReadModelPrefix", Effect = "Allow", Action = ["s3:GetObject"], Resource = ["arn:aws:s3:::inferfn-models/models/fraud/2/*"]
    }
    error_message = "s3:GetObject on the model version prefix only"
  }
  assert {
    condition     = jsondecode(aws_iam_role.this.assume_role_policy).Statement[0].Principal.Service == "lambda.amazonaws.com"
    error_message = "only Lambda may assume the execution role"
  }
}

run "previous_model_version_stays_readable" {
  command = plan

  variables {
    model_uri           = "s3://inferfn-models/models/fraud/3/"
    previous_model_uris = ["s3://inferfn-models/models/fraud/2/"]
  }

  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Resource if s.Sid == "ReadModelPrefix"]) == [
      "arn:aws:s3:::inferfn-models/models/fraud/3/*", "arn:aws:s3:::inferfn-models/models/fraud/2/*"
    ]
    error_message = "the current and the listed previous model prefixes, nothing else"
  }
  assert {
    condition     = aws_lambda_function.this.environment[0].variables["INFERFN_MODEL_LOCATIONS"] == "s3://inferfn-models/models/fraud/3/"
    error_message = "the function serves the current model only"
  }
}

run "kms_key_grants_decrypt_on_that_key" {
  command = plan

  variables {
    model_kms_key_arn = "arn:aws:kms:eu-central-1:123456789012:key/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab"
  }

  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s if s.Sid == "DecryptModelRegistry"]) == {
      Sid = "DecryptModelRegistry", Effect = "Allow", Action = ["kms:Decrypt"], Resource = ["arn:aws:kms:eu-central-1:123456789012:key/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab"]
    }
    error_message = "kms:Decrypt on the registry key only"
  }
}

run "vpc_adds_only_the_documented_wildcard" {
  command = plan

  variables {
    vpc_subnet_ids         = ["subnet-0a1b2c3d", "subnet-0e1f2a3b"]
    vpc_security_group_ids = ["sg-0123abcd"]
  }

  assert {
    condition     = toset(aws_lambda_function.this.vpc_config[0].subnet_ids) == toset(["subnet-0a1b2c3d", "subnet-0e1f2a3b"]) && toset(aws_lambda_function.this.vpc_config[0].security_group_ids) == toset(["sg-0123abcd"])
    error_message = "vpc_config must carry the given subnets and security groups"
  }
  assert {
    condition = alltrue([for s in jsondecode(aws_iam_role_policy.this.policy).Statement :
      s.Sid == "VpcNetworkInterfacesAwsRequiresWildcard" || !contains(flatten([s.Resource]), "*")
    ])
    error_message = "only the AWS-required ec2 network-interface statement may use Resource *"
  }
  assert {
    condition = alltrue([for a in one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s if s.Sid == "VpcNetworkInterfacesAwsRequiresWildcard"]).Action :
      startswith(a, "ec2:") && (endswith(a, "NetworkInterface") || endswith(a, "NetworkInterfaces") || endswith(a, "Subnets") || endswith(a, "PrivateIpAddresses"))
    ])
    error_message = "the wildcard statement must only hold ec2 network-interface actions"
  }
}

run "pinned_model_reaches_the_function_and_its_version_is_readable" {
  command = plan

  variables {
    model_sha256     = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"
    model_version_id = "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"
  }

  assert {
    condition     = aws_lambda_function.this.environment[0].variables["INFERFN_MODEL_LOCATIONS"] == "s3://inferfn-models/models/fraud/2/#sha256=2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae&version=3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"
    error_message = "the pins must reach the function as the location's fragment"
  }
  assert {
    condition     = one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s if s.Sid == "ReadModelPrefix"]).Action == ["s3:GetObject", "s3:GetObjectVersion"]
    error_message = "a pinned object version needs s3:GetObjectVersion, on the same prefix only"
  }
}

run "unpinned_model_keeps_the_plain_location" {
  command = plan

  assert {
    condition     = aws_lambda_function.this.environment[0].variables["INFERFN_MODEL_LOCATIONS"] == "s3://inferfn-models/models/fraud/2/"
    error_message = "without pins the location is model_uri"
  }
}
