/**
 * Production databases cannot be deleted by accident.
 * @severity high · @topics resilience, data-loss · production rule (advisory outside strictStacks)
 */
import type { ResourceRule } from "../../lib/policy";

export const rdsDeletionProtection: ResourceRule = {
  name: "aws-rds-deletion-protection",
  description: "Production RDS instances and clusters have deletion protection and keep a final snapshot.",
  remediation: "set deletionProtection: true and skipFinalSnapshot: false with a finalSnapshotIdentifier.",
  severity: "high",
  production: true,
  types: ["aws:rds/instance:Instance", "aws:rds/cluster:Cluster"],
  check: (p) => {
    const problems: string[] = [];
    if (p.deletionProtection !== true) problems.push("deletionProtection is not true.");
    if (p.skipFinalSnapshot === true) problems.push("skipFinalSnapshot is true: deleting the stack loses the data.");
    return problems;
  },
};
