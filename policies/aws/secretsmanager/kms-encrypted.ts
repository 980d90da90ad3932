/**
 * Secrets Manager secrets are encrypted with a customer-managed KMS key.
 * @severity medium · @topics encryption, secrets
 */
import type { ResourceRule } from "../../lib/policy";
import { isSet } from "../../lib/values";

export const secretsManagerKms: ResourceRule = {
  name: "aws-secretsmanager-kms",
  description: "Secrets Manager secrets use a customer-managed KMS key.",
  remediation: "set kmsKeyId to the Secrets Manager KMS key ARN, and grant only the reading roles kms:Decrypt on it.",
  severity: "medium",
  types: ["aws:secretsmanager/secret:Secret"],
  check: (p) =>
    isSet(p, "kmsKeyId") ? [] : ["no kmsKeyId: the secret uses aws/secretsmanager, which every principal with secret access can decrypt."],
};
