/**
 * RDS instances are never publicly accessible.
 * @severity critical · @topics network, privacy · @frameworks PCI DSS 1.3, CIS AWS 2.3.3
 */
import type { ResourceRule } from "../../lib/policy";

export const rdsNotPublic: ResourceRule = {
  name: "aws-rds-not-public",
  description: "RDS instances are not publicly accessible.",
  remediation:
    "set publiclyAccessible: false and place the instance in the isolated subnets; reach it from the cluster through its security group.",
  severity: "critical",
  types: ["aws:rds/instance:Instance", "aws:rds/clusterInstance:ClusterInstance"],
  check: (p) => (p.publiclyAccessible === true ? ["publiclyAccessible is true: the database gets a public DNS name and address."] : []),
};
