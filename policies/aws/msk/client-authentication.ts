/**
 * MSK clients authenticate with IAM; unauthenticated access is off.
 * @severity high · @topics authentication, streaming · @frameworks PCI DSS 8.2
 */
import type { ResourceRule } from "../../lib/policy";
import { obj } from "../../lib/values";

export const mskClientAuthentication: ResourceRule = {
  name: "aws-msk-client-authentication",
  description: "MSK clusters authenticate clients with IAM and refuse unauthenticated clients.",
  remediation:
    "set clientAuthentication to { sasl: { iam: true }, unauthenticated: false } and give each client an IAM role scoped to its topics.",
  severity: "high",
  types: ["aws:msk/cluster:Cluster"],
  check: (p) => {
    const auth = obj(p.clientAuthentication);
    const problems: string[] = [];
    // With no clientAuthentication block at all, MSK accepts unauthenticated clients.
    if (auth.unauthenticated === true || p.clientAuthentication === undefined) problems.push("unauthenticated clients are accepted.");
    if (obj(auth.sasl).iam !== true) problems.push("IAM client authentication (sasl.iam) is not on.");
    return problems;
  },
};
