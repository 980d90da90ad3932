/**
 * EKS envelope-encrypts Kubernetes secrets with a customer-managed KMS key.
 * @severity high · @topics encryption, kubernetes-secrets · @frameworks CIS EKS 5.3.1
 */
import type { ResourceRule } from "../../lib/policy";
import { isSet, isUnknown, list, obj, peek } from "../../lib/values";

export const eksSecretsEncryption: ResourceRule = {
  name: "aws-eks-secrets-encryption",
  description: "EKS clusters encrypt Kubernetes secrets with a customer-managed KMS key.",
  remediation:
    'pass encryptionConfigKeyArn (eks.Cluster) or encryptionConfig { resources: ["secrets"], provider: { keyArn } } (aws.eks.Cluster) with the EKS KMS key ARN.',
  severity: "high",
  // eks:index:Cluster is @pulumi/eks's remote component: its inputs are the ClusterOptions.
  types: ["eks:index:Cluster", "aws:eks/cluster:Cluster"],
  check: (p, args) => {
    if (args.type === "eks:index:Cluster")
      return isSet(p, "encryptionConfigKeyArn")
        ? []
        : ["no encryptionConfigKeyArn: secrets are stored with only the default EBS encryption of etcd."];
    const config = peek(p, "encryptionConfig");
    if (isUnknown(config)) return [];
    const c = obj(p.encryptionConfig);
    if (!list(c.resources).includes("secrets") || !isSet(obj(c.provider), "keyArn"))
      return ['encryptionConfig does not cover "secrets" with a KMS keyArn.'];
    return [];
  },
};
