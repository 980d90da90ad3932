/**
 * Production EKS API servers are reachable only from inside the VPC.
 * @severity high · @topics network, control-plane · production rule (advisory outside strictStacks)
 */
import type { ResourceRule } from "../../lib/policy";
import { obj } from "../../lib/values";

export const eksPrivateEndpoint: ResourceRule = {
  name: "aws-eks-private-endpoint",
  description: "Production EKS clusters expose a private API endpoint only.",
  remediation:
    "set endpointPrivateAccess: true and endpointPublicAccess: false for this stack (reach the API through the VPC, a bastion or a VPN).",
  severity: "high",
  production: true,
  types: ["eks:index:Cluster", "aws:eks/cluster:Cluster"],
  check: (p, args) => {
    const v = args.type === "eks:index:Cluster" ? p : obj(p.vpcConfig);
    const problems: string[] = [];
    if (v.endpointPrivateAccess !== true) problems.push("endpointPrivateAccess is not true.");
    // Both components default endpointPublicAccess to true when it is not given.
    if (v.endpointPublicAccess !== false) problems.push("endpointPublicAccess is not false: the API server is on the internet.");
    return problems;
  },
};
