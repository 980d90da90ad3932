/**
 * ECR tags cannot be overwritten, so a deployed tag always means the same image.
 * @severity medium · @topics supply-chain, integrity
 */
import type { ResourceRule } from "../../lib/policy";

export const ecrImmutableTags: ResourceRule = {
  name: "aws-ecr-immutable-tags",
  description: "ECR repositories have immutable tags.",
  remediation: 'set imageTagMutability: "IMMUTABLE" and push a new tag (CI uses the commit SHA) for every build.',
  severity: "medium",
  types: ["aws:ecr/repository:Repository"],
  check: (p) => {
    const m = p.imageTagMutability;
    return m === "IMMUTABLE" ? [] : [`imageTagMutability is ${m === undefined ? "not set (MUTABLE)" : String(m)}.`];
  },
};
