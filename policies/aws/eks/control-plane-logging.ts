/**
 * Production EKS control planes send their audit trail to CloudWatch.
 * @severity medium · @topics logging, audit · production rule (advisory outside strictStacks)
 */
import type { ResourceRule } from "../../lib/policy";
import { list } from "../../lib/values";

/** The log types an incident review needs: who called the API, and what it decided. */
export const REQUIRED_LOG_TYPES = ["api", "audit", "authenticator"] as const;

export const eksControlPlaneLogging: ResourceRule = {
  name: "aws-eks-control-plane-logging",
  description: `Production EKS clusters enable the ${REQUIRED_LOG_TYPES.join(", ")} control-plane logs.`,
  remediation: `set enabledClusterLogTypes to include ${REQUIRED_LOG_TYPES.map((t) => `"${t}"`).join(", ")} (all five types in prod is better).`,
  severity: "medium",
  production: true,
  types: ["eks:index:Cluster", "aws:eks/cluster:Cluster"],
  check: (p) => {
    const enabled = list(p.enabledClusterLogTypes);
    const missing = REQUIRED_LOG_TYPES.filter((t) => !enabled.includes(t));
    return missing.length ? [`control-plane log types missing: ${missing.join(", ")}.`] : [];
  },
};
