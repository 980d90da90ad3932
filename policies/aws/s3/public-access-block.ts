/**
 * Every S3 bucket blocks all public access (the four BucketPublicAccessBlock flags).
 * @severity critical · @topics privacy, data-exposure · @frameworks CIS AWS 2.1.4
 */
import type { StackProblem, StackRule } from "../../lib/policy";
import { ofTypes, referrers } from "../../lib/references";
import { isUnknown, peek } from "../../lib/values";
import { BUCKET_TYPES } from "./types";

const FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

export const s3PublicAccessBlock: StackRule = {
  name: "aws-s3-public-access-block",
  description: "Every S3 bucket has a public access block with all four settings true.",
  remediation: `add an aws.s3.BucketPublicAccessBlock for the bucket with ${FLAGS.map((f) => `${f}: true`).join(", ")}.`,
  severity: "critical",
  check: (resources) => {
    const blocks = ofTypes(resources, ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"]);
    const problems: StackProblem[] = [];
    for (const bucket of ofTypes(resources, BUCKET_TYPES)) {
      const { found, undecided } = referrers(blocks, "bucket", bucket);
      if (found.length === 0) {
        if (!undecided) problems.push({ urn: bucket.urn, message: `bucket ${bucket.name} has no public access block.` });
        continue;
      }
      const complete = found.some((b) => FLAGS.every((f) => peek(b.props, f) === true || isUnknown(peek(b.props, f))));
      if (!complete) {
        const off = FLAGS.filter((f) => found.every((b) => peek(b.props, f) !== true));
        problems.push({ urn: bucket.urn, message: `bucket ${bucket.name}'s public access block leaves ${off.join(", ")} off.` });
      }
    }
    return problems;
  },
};
