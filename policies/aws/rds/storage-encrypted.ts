/**
 * RDS storage encrypted with a customer-managed KMS key.
 * @severity high · @topics encryption, data-at-rest · @frameworks PCI DSS 3.5, CIS AWS 2.3.1
 */
import type { ResourceRule } from "../../lib/policy";
import { isSet } from "../../lib/values";

export const rdsStorageEncrypted: ResourceRule = {
  name: "aws-rds-storage-encrypted",
  description: "RDS instances and clusters encrypt their storage with a customer-managed KMS key.",
  remediation:
    "set storageEncrypted: true and kmsKeyId to the data-store KMS key ARN (a new instance is required: restore an encrypted snapshot).",
  severity: "high",
  types: ["aws:rds/instance:Instance", "aws:rds/cluster:Cluster"],
  check: (p) => {
    if (p.storageEncrypted !== true) return ["storageEncrypted is not true."];
    if (!isSet(p, "kmsKeyId")) return ["no kmsKeyId: storage would use the AWS-managed key, which cannot be audited or revoked by us."];
    return [];
  },
};
