# ElastiCache Redis feature store. Runs against the mocked AWS provider (mock_provider "aws").
mock_provider "aws" {
  override_during = plan

  mock_resource "aws_security_group" {
    defaults = { id = "sg-0cache0000000001" }
  }
  mock_resource "aws_elasticache_replication_group" {
    defaults = { primary_endpoint_address = "master.inferfn-features.abc123.euc1.cache.amazonaws.com" }
  }
}

variables {
  name                      = "inferfn-features"
  vpc_id                    = "vpc-0a1b2c3d"
  subnet_ids                = ["subnet-0a1b2c3d", "subnet-0e1f2a3b"]
  source_security_group_ids = ["sg-0f00f00f"]
  auth_token                = "correct-horse-battery-staple-42"
}

run "encrypted_in_transit_and_at_rest" {
  command = plan

  assert {
    condition     = aws_elasticache_replication_group.this.transit_encryption_enabled == true
    error_message = "transit encryption must be on"
  }
  assert {
    condition     = tostring(aws_elasticache_replication_group.this.at_rest_encryption_enabled) == "true"
    error_message = "at-rest encryption must be on"
  }
  assert {
    condition     = nonsensitive(aws_elasticache_replication_group.this.auth_token) == "correct-horse-battery-staple-42"
    error_message = "the AUTH token must be set"
  }
  assert {
    condition     = aws_elasticache_replication_group.this.engine == "redis" && aws_elasticache_replication_group.this.engine_version == "7.1" && aws_elasticache_replication_group.this.port == 6379
    error_message = "Redis 7.1 on 6379 by default"
  }
}

run "failover_with_replicas" {
  command = plan

  assert {
    condition     = aws_elasticache_replication_group.this.num_cache_clusters == 2 && aws_elasticache_replication_group.this.automatic_failover_enabled && aws_elasticache_replication_group.this.multi_az_enabled
    error_message = "two nodes with automatic failover and Multi-AZ by default"
  }
}

run "single_node_without_failover" {
  command = plan

  variables {
    num_cache_clusters = 1
  }

  assert {
    condition     = !aws_elasticache_replication_group.this.automatic_failover_enabled && !aws_elasticache_replication_group.this.multi_az_enabled
    error_message = "a single node cannot fail over"
  }
}

run "ingress_only_from_function_security_groups" {
  command = plan

  variables {
    source_security_group_ids = ["sg-0f00f00f", "sg-0baba000"]
  }

  assert {
    condition     = [for r in aws_vpc_security_group_ingress_rule.from_functions : r.referenced_security_group_id] == ["sg-0f00f00f", "sg-0baba000"]
    error_message = "one rule per source security group"
  }
  assert {
    condition = alltrue([for r in aws_vpc_security_group_ingress_rule.from_functions :
      r.from_port == 6379 && r.to_port == 6379 && r.ip_protocol == "tcp" && r.cidr_ipv4 == null && r.cidr_ipv6 == null
    ])
    error_message = "only tcp/6379 from security groups, never from CIDRs"
  }
  assert {
    condition     = aws_elasticache_replication_group.this.security_group_ids == toset(["sg-0cache0000000001"])
    error_message = "the cache must use the module's security group only"
  }
}

run "url_output" {
  command = plan

  assert {
    condition     = output.url == "rediss://master.inferfn-features.abc123.euc1.cache.amazonaws.com:6379"
    error_message = "url must be rediss://<primary>:6379 without credentials"
  }
  assert {
    condition     = output.security_group_id == "sg-0cache0000000001" && output.port == 6379
    error_message = "security group id and port outputs expected"
  }
}

run "rejects_short_auth_token" {
  command = plan
  variables {
    auth_token = "too-short"
  }
  expect_failures = [var.auth_token]
}

run "rejects_auth_token_with_at_sign" {
  command = plan
  variables {
    auth_token = "user@example.com-secret-token"
  }
  expect_failures = [var.auth_token]
}

run "rejects_no_source_security_group" {
  command = plan
  variables {
    source_security_group_ids = []
  }
  expect_failures = [var.source_security_group_ids]
}
