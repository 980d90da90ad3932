/**
 * ElastiCache (Redis/Valkey) encrypts data at rest with a customer-managed KMS key.
 * @severity high · @topics encryption, data-at-rest
 */
import type { ResourceRule } from "../../lib/policy";
import { isSet } from "../../lib/values";

export const elasticacheEncryptionAtRest: ResourceRule = {
  name: "aws-elasticache-encryption-at-rest",
  description: "ElastiCache replication groups and serverless caches encrypt data at rest with a customer-managed KMS key.",
  remediation: "set atRestEncryptionEnabled: true and kmsKeyId to the data-store KMS key ARN (requires a new replication group).",
  severity: "high",
  types: ["aws:elasticache/replicationGroup:ReplicationGroup", "aws:elasticache/serverlessCache:ServerlessCache"],
  check: (p, args) => {
    // Serverless caches are always encrypted at rest; only the key is a choice.
    if (args.type === "aws:elasticache/replicationGroup:ReplicationGroup" && p.atRestEncryptionEnabled !== true)
      return ["atRestEncryptionEnabled is not true."];
    return isSet(p, "kmsKeyId") ? [] : ["no kmsKeyId: the cache would use the AWS-managed key."];
  },
};
