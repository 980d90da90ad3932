/**
 * MSK brokers encrypt their volumes with a customer-managed KMS key.
 * @severity high · @topics encryption, data-at-rest
 */
import type { ResourceRule } from "../../lib/policy";
import { isSet, obj } from "../../lib/values";

export const mskEncryptionAtRest: ResourceRule = {
  name: "aws-msk-encryption-at-rest",
  description: "MSK clusters encrypt data at rest with a customer-managed KMS key.",
  remediation: "set encryptionInfo.encryptionAtRestKmsKeyArn to the data-store KMS key ARN (requires a new cluster).",
  severity: "high",
  types: ["aws:msk/cluster:Cluster"],
  check: (p) =>
    isSet(obj(p.encryptionInfo), "encryptionAtRestKmsKeyArn")
      ? []
      : ["no encryptionInfo.encryptionAtRestKmsKeyArn: brokers would use the AWS-managed key."],
};
