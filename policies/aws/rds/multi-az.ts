/**
 * Production RDS instances run Multi-AZ (a synchronous standby in another zone).
 * @severity medium · @topics resilience · production rule (advisory outside strictStacks)
 */
import type { ResourceRule } from "../../lib/policy";

export const rdsMultiAz: ResourceRule = {
  name: "aws-rds-multi-az",
  description: "Production RDS instances are Multi-AZ.",
  remediation: "set multiAz: true for this stack (stack setting for the database's Multi-AZ).",
  severity: "medium",
  production: true,
  types: ["aws:rds/instance:Instance"],
  check: (p) => (p.multiAz === true ? [] : ["multiAz is not true: a zone failure takes the database down."]),
};
