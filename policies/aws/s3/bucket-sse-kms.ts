/**
 * Every S3 bucket encrypts new objects with SSE-KMS by default.
 * @severity high · @topics encryption, data-at-rest · @frameworks CIS AWS 2.1.1
 * Stack rule: in @pulumi/aws 7 default encryption is a separate resource
 * (BucketServerSideEncryptionConfiguration), so it is checked across the stack.
 */
import type { StackProblem, StackRule } from "../../lib/policy";
import { ofTypes, referrers } from "../../lib/references";
import { isSet, isUnknown, obj, peek } from "../../lib/values";
import { BUCKET_TYPES } from "./types";

const SSE_TYPES = [
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
] as const;

/**
 * true: every rule defaults to SSE-KMS with our key; false: some rule does not;
 * undefined: unknown during preview.
 */
function usesKms(rules: unknown): boolean | undefined {
  if (isUnknown(rules)) return undefined;
  const all = Array.isArray(rules) ? rules : rules ? [rules] : [];
  if (all.length === 0) return false;
  let verdict: boolean | undefined = true;
  for (const r of all) {
    const byDefault = peek(r, "applyServerSideEncryptionByDefault");
    if (isUnknown(byDefault)) {
      verdict = undefined;
      continue;
    }
    const alg = peek(obj(byDefault), "sseAlgorithm");
    if (isUnknown(alg)) verdict = undefined;
    else if (alg !== "aws:kms" && alg !== "aws:kms:dsse") return false;
    else if (!isSet(obj(byDefault), "kmsMasterKeyId")) return false;
  }
  return verdict;
}

export const s3BucketSseKms: StackRule = {
  name: "aws-s3-bucket-sse-kms",
  description: "Every S3 bucket has default encryption with SSE-KMS (a customer-managed key).",
  remediation:
    'add an aws.s3.BucketServerSideEncryptionConfiguration for the bucket with sseAlgorithm "aws:kms", kmsMasterKeyId set to the S3 KMS key and bucketKeyEnabled: true.',
  severity: "high",
  check: (resources) => {
    const configs = ofTypes(resources, SSE_TYPES);
    const problems: StackProblem[] = [];
    for (const bucket of ofTypes(resources, BUCKET_TYPES)) {
      // The deprecated inline block counts when it names KMS (real state shows AES256 there by default).
      const inline = obj(peek(bucket.props, "serverSideEncryptionConfiguration"));
      if (usesKms(peek(inline, "rule") ?? peek(inline, "rules")) === true) continue;
      const { found, undecided } = referrers(configs, "bucket", bucket);
      if (found.length === 0) {
        if (!undecided) problems.push({ urn: bucket.urn, message: `bucket ${bucket.name} has no server-side encryption configuration.` });
        continue;
      }
      if (found.every((c) => usesKms(peek(c.props, "rules")) === false)) {
        problems.push({
          urn: bucket.urn,
          message: `bucket ${bucket.name} is not encrypted with SSE-KMS and our key (sseAlgorithm aws:kms with kmsMasterKeyId).`,
        });
      }
    }
    return problems;
  },
};
