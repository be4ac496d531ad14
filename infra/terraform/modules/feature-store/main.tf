locals {
  port     = 6379
  multi_az = var.num_cache_clusters > 1
}

resource "aws_elasticache_subnet_group" "this" {
  name       = var.name
  subnet_ids = var.subnet_ids
  tags       = var.tags
}

resource "aws_security_group" "this" {
  name        = "${var.name}-redis"
  description = "Redis ${var.name}: 6379 from the inference functions only"
  vpc_id      = var.vpc_id
  tags        = var.tags
}

# One ingress rule per allowed security group; no CIDR rules, no egress rules (Redis answers on
# the established connection).
resource "aws_vpc_security_group_ingress_rule" "from_functions" {
  count = length(var.source_security_group_ids)

  security_group_id            = aws_security_group.this.id
  description                  = "Redis from ${var.source_security_group_ids[count.index]}"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = var.source_security_group_ids[count.index]
  tags                         = var.tags
}

resource "aws_elasticache_replication_group" "this" {
  replication_group_id = var.name
  description          = "inferfn online feature store"
  engine               = "redis"
  engine_version       = var.engine_version
  node_type            = var.node_type
  port                 = local.port
  num_cache_clusters   = var.num_cache_clusters

  automatic_failover_enabled = local.multi_az
  multi_az_enabled           = local.multi_az

  subnet_group_name  = aws_elasticache_subnet_group.this.name
  security_group_ids = [aws_security_group.this.id]

  transit_encryption_enabled = true
  at_rest_encryption_enabled = true
  kms_key_id                 = var.kms_key_arn
  auth_token                 = var.auth_token

  snapshot_retention_limit   = var.snapshot_retention_limit
  auto_minor_version_upgrade = true
  apply_immediately          = false

  tags = var.tags
}
