/**
 * Every S3 bucket of the program has a public access block. Its four flags are checked on the
 * block itself by aws-s3-public-access-block-settings (a resource rule, so also for blocks of
 * buckets outside the program).
 * @severity critical · @topics privacy, data-exposure · @frameworks CIS AWS 2.1.4
 */
import type { StackProblem, StackRule } from "../../lib/policy";
import { ofTypes, referrers } from "../../lib/references";
import { BUCKET_TYPES } from "./types";
import { PUBLIC_ACCESS_FLAGS as FLAGS } from "./public-access-block-settings";

export const s3PublicAccessBlock: StackRule = {
  name: "aws-s3-public-access-block",
  description: "Every S3 bucket has a public access block (its four flags: aws-s3-public-access-block-settings).",
  remediation: `add an aws.s3.BucketPublicAccessBlock for the bucket with ${FLAGS.map((f) => `${f}: true`).join(", ")}.`,
  severity: "critical",
  check: (resources) => {
    const blocks = ofTypes(resources, ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"]);
    const problems: StackProblem[] = [];
    for (const bucket of ofTypes(resources, BUCKET_TYPES)) {
      const { found, undecided } = referrers(blocks, "bucket", bucket);
      if (found.length === 0 && !undecided)
        problems.push({ urn: bucket.urn, message: `bucket ${bucket.name} has no public access block.` });
    }
    return problems;
  },
};
