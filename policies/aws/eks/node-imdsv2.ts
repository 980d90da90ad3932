/**
 * Node groups require IMDSv2, so a pod cannot steal the node role through a forwarded request.
 * @severity high · @topics credentials, instance-metadata · @frameworks CIS EKS 4.x
 * Launch templates themselves are checked by aws-ec2-imdsv2; this rule makes sure every node group
 * either uses one or asks @pulumi/eks for IMDSv2.
 */
import type { ResourceRule } from "../../lib/policy";
import { isSet, obj, peek } from "../../lib/values";

export const eksNodeImdsv2: ResourceRule = {
  name: "aws-eks-node-imdsv2",
  description: 'EKS node groups require IMDSv2 (a launch template with httpTokens "required", or enableIMDSv2).',
  remediation:
    'give the node group a launch template with metadataOptions { httpTokens: "required", httpPutResponseHopLimit: 1 } or set enableIMDSv2: true; for eks.Cluster, set skipDefaultNodeGroup: true and use managed node groups.',
  severity: "high",
  types: ["eks:index:Cluster", "eks:index:ManagedNodeGroup", "eks:index:NodeGroup", "eks:index:NodeGroupV2", "aws:eks/nodeGroup:NodeGroup"],
  check: (p, args) => {
    if (args.type === "eks:index:Cluster") {
      const autoMode = obj(peek(p, "autoMode"));
      if (p.skipDefaultNodeGroup === true || isSet(p, "fargate") || autoMode.enabled === true) return [];
      return obj(p.nodeGroupOptions).enableIMDSv2 === true ? [] : ["the default node group is created without IMDSv2."];
    }
    if (isSet(p, "launchTemplate")) return [];
    if (args.type !== "aws:eks/nodeGroup:NodeGroup" && p.enableIMDSv2 === true) return [];
    return ["the node group has no launch template requiring IMDSv2 (the EKS default allows IMDSv1)."];
  },
};
