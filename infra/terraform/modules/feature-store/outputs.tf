output "replication_group_id" {
  description = "Id of the replication group."
  value       = aws_elasticache_replication_group.this.id
}

output "primary_endpoint_address" {
  description = "DNS name of the primary node (follows failover)."
  value       = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "reader_endpoint_address" {
  description = "DNS name balancing over the replicas."
  value       = aws_elasticache_replication_group.this.reader_endpoint_address
}

output "port" {
  description = "Redis port (6379)."
  value       = local.port
}

output "url" {
  description = "TLS URL of the primary for QUARKUS_REDIS_HOSTS, rediss://<primary>:6379 (no token in it: pass the token separately)."
  value       = "rediss://${aws_elasticache_replication_group.this.primary_endpoint_address}:${local.port}"
}

output "security_group_id" {
  description = "Security group of the cache nodes."
  value       = aws_security_group.this.id
}

output "encryption" {
  description = "Encryption settings of the replication group: in transit (TLS) and at rest."
  value = {
    transit = aws_elasticache_replication_group.this.transit_encryption_enabled
    at_rest = tostring(aws_elasticache_replication_group.this.at_rest_encryption_enabled) == "true"
  }
}
