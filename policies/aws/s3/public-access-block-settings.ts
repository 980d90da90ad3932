/**
 * Every BucketPublicAccessBlock the program declares turns all four protections on, whichever
 * bucket it belongs to (also a bucket managed outside this program).
 * @severity critical · @topics privacy, data-exposure · @frameworks CIS AWS 2.1.4
 */
import type { ResourceRule } from "../../lib/policy";
import { isUnknown, peek } from "../../lib/values";

export const PUBLIC_ACCESS_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

export const s3PublicAccessBlockSettings: ResourceRule = {
  name: "aws-s3-public-access-block-settings",
  description: "Every S3 BucketPublicAccessBlock sets all four flags to true.",
  remediation: `set ${PUBLIC_ACCESS_FLAGS.map((f) => `${f}: true`).join(", ")}.`,
  severity: "critical",
  types: ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
  check: (p) => {
    const off = PUBLIC_ACCESS_FLAGS.filter((f) => peek(p, f) !== true && !isUnknown(peek(p, f)));
    return off.length ? [`${off.join(", ")} ${off.length === 1 ? "is" : "are"} not true: the bucket can be made public.`] : [];
  },
};
