/**
 * ElastiCache requires TLS for every connection.
 * @severity high · @topics encryption, data-in-transit · @frameworks PCI DSS 4.1
 */
import type { ResourceRule } from "../../lib/policy";

export const elasticacheEncryptionInTransit: ResourceRule = {
  name: "aws-elasticache-encryption-in-transit",
  description: "ElastiCache replication groups require TLS (in-transit encryption, mode required).",
  remediation: 'set transitEncryptionEnabled: true and leave transitEncryptionMode unset or "required".',
  severity: "high",
  types: ["aws:elasticache/replicationGroup:ReplicationGroup"],
  check: (p) => {
    if (p.transitEncryptionEnabled !== true) return ["transitEncryptionEnabled is not true: clients talk to Redis in plaintext."];
    if (p.transitEncryptionMode === "preferred") return ['transitEncryptionMode is "preferred": plaintext connections are still accepted.'];
    return [];
  },
};
